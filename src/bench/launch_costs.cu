// launch_costs.cu: measure_launch_costs (include/carry/launch_costs.hpp): the cost of a kernel
// launch, of replaying a 1-node and a 3-node CUDA Graph, of a cooperative launch and of one
// grid-wide barrier, on this GPU, with CUDA events; and the fused kernels' registers, local
// memory, shared memory and resident blocks per SM.
//
// The 3-node graph has the fused step's shape (fused_trainer.cpp): an 8-byte copy from pinned
// host memory, then two kernels. The barrier kernel runs `repeats` grid.sync() calls in a grid of
// every block that can be resident at once (SMs x the occupancy calculator's blocks per SM, 128
// threads each: the fused kernels' block size), which a persistent fused kernel would do once per
// step; its time minus an empty cooperative launch, over `repeats`, is one barrier.
#include <cooperative_groups.h>

#include <cstdint>
#include <string>
#include <utility>

#include "carry/errors.hpp"
#include "carry/gpu_probe.hpp"
#include "carry/launch_costs.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "fused_plan.hpp"
#include "kernels.hpp"
#include "step_stream.hpp"

namespace carry {

namespace {

constexpr int kBarrierThreads = 128;

__global__ void empty_kernel() {}

__global__ void barrier_kernel(int barriers) {
  cooperative_groups::grid_group grid = cooperative_groups::this_grid();
  for (int i = 0; i < barriers; ++i) grid.sync();
}

// Seconds per call of `enqueue` on the GPU, over `repeats` calls back to back after
// `repeats / 10 + 1` untimed ones.
template <typename Enqueue>
double seconds_each(cuda::StepStream& stream, int repeats, Enqueue&& enqueue) {
  for (int i = 0; i < repeats / 10 + 1; ++i) enqueue();
  return stream.time_on_gpu([&] {
    for (int i = 0; i < repeats; ++i) enqueue();
  }) / repeats;
}

FusedKernelResources resources(const char* name, int hidden, int bits, const void* kernel,
                               int threads, long dynamic_shared) {
  FusedKernelResources result;
  result.kernel = name;
  result.hidden = hidden;
  result.bits = bits;
  result.threads = threads;
  if (kernel == nullptr) return result;
  cudaFuncAttributes attributes{};
  CUDA_CHECK(cudaFuncGetAttributes(&attributes, kernel));
  result.registers = attributes.numRegs;
  result.local_bytes = static_cast<long>(attributes.localSizeBytes);
  result.shared_bytes = static_cast<long>(attributes.sharedSizeBytes) + dynamic_shared;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
      &result.blocks_per_sm, kernel, threads, static_cast<std::size_t>(dynamic_shared)));
  return result;
}

}  // namespace

LaunchCosts measure_launch_costs(int repeats) {
  if (repeats < 1 || repeats > kMaxLaunchRepeats) {
    throw UserError("--repeats must be between 1 and " + std::to_string(kMaxLaunchRepeats));
  }
  const GpuStatus gpu = probe_gpu();
  if (!gpu.usable)
    throw UserError("carry time-launch needs a GPU: no usable GPU: " + gpu.description);
  LaunchCosts costs;
  costs.device = gpu.description;
  costs.repeats = repeats;
  cuda::StepStream steps;  // selects the GPU
  cudaStream_t stream = steps.get();

  costs.kernel_launch_us =
      1e6 * seconds_each(steps, repeats, [&] { empty_kernel<<<1, 32, 0, stream>>>(); });

  cudaGraphExec_t one = steps.capture(cudaStreamCaptureModeThreadLocal,
                                      [&] { empty_kernel<<<1, 32, 0, stream>>>(); });
  costs.graph_1_node_us =
      1e6 * seconds_each(steps, repeats, [&] { CUDA_CHECK(cudaGraphLaunch(one, stream)); });
  cudaGraphExecDestroy(one);

  cuda::DeviceArray<std::uint64_t> device_step(1);
  cuda::PinnedArray<std::uint64_t> pinned_step(1);
  *pinned_step.get() = 0;
  cudaGraphExec_t three = steps.capture(cudaStreamCaptureModeThreadLocal, [&] {
    CUDA_CHECK(cudaMemcpyAsync(device_step.get(), pinned_step.get(), sizeof(std::uint64_t),
                               cudaMemcpyHostToDevice, stream));
    empty_kernel<<<1, 32, 0, stream>>>();
    empty_kernel<<<1, 32, 0, stream>>>();
  });
  costs.graph_3_nodes_us =
      1e6 * seconds_each(steps, repeats, [&] { CUDA_CHECK(cudaGraphLaunch(three, stream)); });
  cudaGraphExecDestroy(three);

  int cooperative = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&cooperative, cudaDevAttrCooperativeLaunch, 0));
  if (cooperative != 0) {
    int sms = 0;
    int per_sm = 0;
    CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &per_sm, reinterpret_cast<const void*>(barrier_kernel), kBarrierThreads, 0));
    costs.barrier_blocks = sms * per_sm;
    costs.barrier_threads = kBarrierThreads;
    auto launch = [&](int barriers) {
      void* arguments[] = {&barriers};
      CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(barrier_kernel),
                                             dim3(costs.barrier_blocks), dim3(kBarrierThreads),
                                             arguments, 0, stream));
    };
    const int launches = 10;  // each runs `repeats` barriers
    costs.cooperative_launch_us = 1e6 * seconds_each(steps, repeats, [&] { launch(0); });
    const double with_barriers = seconds_each(steps, launches, [&] { launch(repeats); });
    costs.grid_barrier_us = 1e6 * (with_barriers - costs.cooperative_launch_us * 1e-6) / repeats;
  }
  CUDA_CHECK(cudaStreamSynchronize(stream));

  // The fused kernels at the default size and at the largest each has.
  for (const auto& [hidden, bits] : {std::pair{16, 8}, std::pair{64, 16}}) {
    costs.fused.push_back(resources("fused-v1", hidden, bits,
                                    cuda::fused_step_v1_kernel_pointer(hidden, bits),
                                    fused_threads_per_block(hidden), 0));
  }
  for (const auto& [hidden, bits] : {std::pair{16, 8}, std::pair{32, 16}}) {
    cuda::prepare_fused_step_v2(hidden, bits);
    const int threads = fused_v2_threads(hidden, bits);
    costs.fused.push_back(
        resources("fused-v2", hidden, bits, cuda::fused_step_v2_kernel_pointer(hidden, bits),
                  threads, static_cast<long>(fused_v2_shared_layout(hidden, bits, threads).bytes)));
  }
  return costs;
}

}  // namespace carry
