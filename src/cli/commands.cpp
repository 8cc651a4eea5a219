// commands.cpp: see commands.hpp.
#include "commands.hpp"

namespace carry::cli {

void add_all_commands(CLI::App& app) {
  add_train_command(app);
  add_eval_command(app);
  add_add_command(app);
  add_bench_command(app);
  add_sweep_command(app);
  add_verify_command(app);
  add_time_steps_command(app);
  add_time_launch_command(app);
  add_time_sweep_command(app);
}

}  // namespace carry::cli
