// time_launch_command.cpp: `carry time-launch [--repeats N]` (not listed in --help): the GPU's
// launch, graph-replay and grid-barrier costs and the fused kernels' resources
// (launch_costs.hpp) as one JSON line, for scripts (scripts/gpu-check.sh).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "carry/launch_costs.hpp"
#include "commands.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

nlohmann::ordered_json to_json(const LaunchCosts& costs) {
  nlohmann::ordered_json fused = nlohmann::ordered_json::array();
  for (const FusedKernelResources& kernel : costs.fused) {
    fused.push_back({{"kernel", kernel.kernel},
                     {"hidden", kernel.hidden},
                     {"bits", kernel.bits},
                     {"threads", kernel.threads},
                     {"registers", kernel.registers},
                     {"local_bytes", kernel.local_bytes},
                     {"shared_bytes", kernel.shared_bytes},
                     {"blocks_per_sm", kernel.blocks_per_sm}});
  }
  return {{"device", costs.device},
          {"repeats", costs.repeats},
          {"kernel_launch_us", costs.kernel_launch_us},
          {"graph_1_node_us", costs.graph_1_node_us},
          {"graph_3_nodes_us", costs.graph_3_nodes_us},
          {"cooperative_launch_us", costs.cooperative_launch_us},
          {"barrier_blocks", costs.barrier_blocks},
          {"barrier_threads", costs.barrier_threads},
          {"grid_barrier_us", costs.grid_barrier_us},
          {"fused", fused}};
}

}  // namespace

void add_time_launch_command(CLI::App& app) {
  auto repeats = std::make_shared<int>(2000);
  CLI::App* command = app.add_subcommand(
      "time-launch", "Time GPU launches, graph replays and grid barriers; prints one JSON line");
  command->group("");  // unlisted: a tool for scripts such as scripts/gpu-check.sh
  add_integer(command, "--repeats", *repeats, {1, kMaxLaunchRepeats},
              "Launches (barriers) timed per figure");
  command->callback(
      [repeats] { std::printf("%s\n", to_json(measure_launch_costs(*repeats)).dump().c_str()); });
}

}  // namespace carry::cli
