// train_options.cpp: see train_options.hpp.
#include "train_options.hpp"

#include "carry/errors.hpp"

namespace carry::cli {

void check_option_combinations(const TrainOptions& options) {
  if (options.seed_compat) {
    for (const CLI::Option* option : options.batched_only) {
      if (option->count() > 0) {
        throw UserError(option->get_name() +
                        " cannot be combined with --seed-compat (it runs the seed's batch-1, "
                        "8-bit reference loop)");
      }
    }
  }
  if (options.checkpoint_every_option != nullptr && options.checkpoint_every_option->count() > 0) {
    if (options.checkpoint_every < 1) {
      throw UserError("--checkpoint-every must be at least 1 (got " +
                      std::to_string(options.checkpoint_every) + ")");
    }
    if (options.save_path.empty()) {
      throw UserError("--checkpoint-every needs --save PATH (where to write the checkpoints)");
    }
  }
}

std::vector<std::string> given_run_options(const TrainOptions& options) {
  std::vector<std::string> given;
  for (const CLI::Option* option : options.run_defining) {
    if (option->count() > 0) given.push_back(option->get_name());
  }
  return given;
}

}  // namespace carry::cli
