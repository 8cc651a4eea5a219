// train_options.cpp: see train_options.hpp.
#include "train_options.hpp"

#include "carry/errors.hpp"
#include "carry/seed_compat.hpp"

namespace carry::cli {

namespace {
constexpr const char* kSeedLoop = " (it runs the seed's batch-1, 8-bit reference loop)";

bool was_given(const CLI::Option* option) {
  return option != nullptr && option->count() > 0;
}
}  // namespace

void check_option_combinations(const TrainOptions& options) {
  if (options.seed_compat) {
    for (const CLI::Option* option : options.batched_only) {
      if (was_given(option)) {
        throw UserError(option->get_name() + " cannot be combined with --seed-compat" + kSeedLoop);
      }
    }
    // The seed's own values are no conflict.
    if (was_given(options.bits_option) && options.config.bits != kSeedCompatBits) {
      throw UserError("--bits cannot be combined with --seed-compat except as --bits 8" +
                      std::string(kSeedLoop));
    }
    if (was_given(options.batch_option) && options.config.batch != 1) {
      throw UserError("--batch cannot be combined with --seed-compat except as --batch 1" +
                      std::string(kSeedLoop));
    }
  }
  if (was_given(options.checkpoint_every_option)) {
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
