// commands.hpp: each subcommand registers its options and its action on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace carry::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_add_command(CLI::App& app);
void add_bench_command(CLI::App& app);

}  // namespace carry::cli
