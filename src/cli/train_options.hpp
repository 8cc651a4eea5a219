// train_options.hpp: the options of `carry train` (registered on a CLI11 command by
// add_train_options in train_command.cpp) and the checks of how they combine, which read no
// file (train_options.cpp), so that parsing can be tested and fuzzed without training.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "carry/config.hpp"

namespace carry::cli {

struct TrainOptions {
  TrainConfig config;
  std::string save_path;
  std::string resume_path;
  std::int64_t checkpoint_every = 0;  // 0: only the final save
  bool quiet = false;
  bool seed_compat = false;
  bool no_self_check = false;  // skip the cuda backend's check of its first step (self_check.hpp)
  // Options --seed-compat cannot honour, to refuse them when given.
  std::vector<CLI::Option*> batched_only;
  // --bits and --batch, which --seed-compat accepts with the seed's own values (8 and 1).
  CLI::Option* bits_option = nullptr;
  CLI::Option* batch_option = nullptr;
  // Options that define a run, which --resume compares with its checkpoint.
  std::vector<CLI::Option*> run_defining;
  CLI::Option* lr_option = nullptr;
  CLI::Option* steps_option = nullptr;
  CLI::Option* checkpoint_every_option = nullptr;
};

// Registers every option of `carry train` on `train`, bound to `options` (which must outlive it).
void add_train_options(CLI::App* train, TrainOptions* options);

// After parsing: refuses (UserError) what cannot be combined: --seed-compat with a batched-only
// option (or with --bits or --batch other than the seed's 8 and 1), --checkpoint-every without
// --save.
void check_option_combinations(const TrainOptions& options);

// The names ("--batch") of the run-defining options given on the command line.
std::vector<std::string> given_run_options(const TrainOptions& options);

}  // namespace carry::cli
