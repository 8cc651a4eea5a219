// commands.hpp: each subcommand registers its options and its action on the CLI11 app. Options
// are declared with typed_options.hpp, so that every value is read by the same rules.
#pragma once

#include <CLI/CLI.hpp>

namespace carry::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_add_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_time_steps_command(CLI::App& app);
void add_time_launch_command(CLI::App& app);
void add_time_sweep_command(CLI::App& app);

// Every subcommand above, in the order --help lists them (commands.cpp): what `carry` is, and
// what the command-line fuzzer parses.
void add_all_commands(CLI::App& app);

// Thrown by a command that ran to the end but must exit with another status than 0 (verify: 1
// when the backends disagree).
struct CommandStatus {
  int status;
};

}  // namespace carry::cli
