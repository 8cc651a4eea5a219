// launch_costs.hpp: what starting work costs on the GPU, and what the fused kernels occupy, so a
// fused step's time can be split into launch and work (bench/fused-notes.md, "What to measure
// first"). `carry time-launch` prints it as one JSON line; scripts/gpu-check.sh records it.
//
// Every time is the mean over `repeats` back-to-back launches (or barriers), measured with CUDA
// events around all of them, after a warm-up: the cost a step pays per launch when the GPU is
// kept busy, not the latency of one launch from an idle host.
#pragma once

#include <string>
#include <vector>

namespace carry {

// One fused kernel instantiation's resources on this GPU (cudaFuncGetAttributes and the
// occupancy calculator, at the block size and shared memory its launch uses).
struct FusedKernelResources {
  std::string kernel;  // "fused-v1" or "fused-v2"
  int hidden = 0;
  int bits = 0;
  int threads = 0;        // per block
  int registers = 0;      // per thread
  long local_bytes = 0;   // per thread (spills, local arrays)
  long shared_bytes = 0;  // per block, static + dynamic
  int blocks_per_sm = 0;  // resident at once
};

struct LaunchCosts {
  std::string device;
  int repeats = 0;
  double kernel_launch_us = 0.0;       // an empty kernel on one stream
  double graph_1_node_us = 0.0;        // a graph of the empty kernel, replayed
  double graph_3_nodes_us = 0.0;       // the fused step's shape: 8-byte copy + 2 empty kernels
  double cooperative_launch_us = 0.0;  // an empty cooperative kernel over the resident grid
  int barrier_blocks = 0;              // the resident grid: SMs x blocks per SM
  int barrier_threads = 0;
  double grid_barrier_us = 0.0;  // one grid-wide barrier (cooperative groups) in that grid
  std::vector<FusedKernelResources> fused;
};

// At most this many repeats: the barrier figure runs 11 x repeats barriers (about 1 s at 10^5).
constexpr int kMaxLaunchRepeats = 100000;

// Throws UserError for repeats outside 1 .. kMaxLaunchRepeats, without a usable GPU, or in a
// build without CUDA.
LaunchCosts measure_launch_costs(int repeats);

}  // namespace carry
