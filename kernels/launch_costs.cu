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
#include "carry/fused_plan.hpp"
#include "carry/gpu_probe.hpp"
#include "carry/launch_costs.hpp"
#include "cuda/cuda_check.hpp"
#include "cuda/device_buffer.hpp"
#include "cuda/kernels.hpp"

namespace carry {

namespace {

constexpr int kBarrierThreads = 128;

__global__ void empty_kernel() {}

__global__ void barrier_kernel(int barriers) {
  cooperative_groups::grid_group grid = cooperative_groups::this_grid();
  for (int i = 0; i < barriers; ++i) grid.sync();
}

// Seconds per call of `enqueue`, over `repeats` calls back to back after `repeats / 10 + 1`
// untimed ones.
template <typename Enqueue>
double seconds_each(cudaStream_t stream, int repeats, Enqueue&& enqueue) {
  for (int i = 0; i < repeats / 10 + 1; ++i) enqueue();
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  CUDA_CHECK(cudaEventRecord(start, stream));
  for (int i = 0; i < repeats; ++i) enqueue();
  CUDA_CHECK(cudaEventRecord(stop, stream));
  CUDA_CHECK(cudaEventSynchronize(stop));
  float milliseconds = 0.0f;
  CUDA_CHECK(cudaEventElapsedTime(&milliseconds, start, stop));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return milliseconds / 1000.0 / repeats;
}

cudaGraphExec_t capture(cudaStream_t stream, void (*enqueue)(cudaStream_t, void*), void* data) {
  CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  enqueue(stream, data);
  cudaGraph_t graph = nullptr;
  CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t status = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  CUDA_CHECK(status);
  return exec;
}

struct CopySlots {
  std::uint64_t* device;
  const std::uint64_t* pinned;
};

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
  CUDA_CHECK(cudaSetDevice(0));
  LaunchCosts costs;
  costs.device = gpu.description;
  costs.repeats = repeats;
  cudaStream_t stream = nullptr;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

  costs.kernel_launch_us =
      1e6 * seconds_each(stream, repeats, [&] { empty_kernel<<<1, 32, 0, stream>>>(); });

  cudaGraphExec_t one = capture(
      stream, [](cudaStream_t s, void*) { empty_kernel<<<1, 32, 0, s>>>(); }, nullptr);
  costs.graph_1_node_us =
      1e6 * seconds_each(stream, repeats, [&] { CUDA_CHECK(cudaGraphLaunch(one, stream)); });
  cudaGraphExecDestroy(one);

  cuda::DeviceArray<std::uint64_t> device_step(1);
  cuda::PinnedArray<std::uint64_t> pinned_step(1);
  *pinned_step.get() = 0;
  CopySlots slots{device_step.get(), pinned_step.get()};
  cudaGraphExec_t three = capture(
      stream,
      [](cudaStream_t s, void* data) {
        const auto* copy = static_cast<const CopySlots*>(data);
        CUDA_CHECK(cudaMemcpyAsync(copy->device, copy->pinned, sizeof(std::uint64_t),
                                   cudaMemcpyHostToDevice, s));
        empty_kernel<<<1, 32, 0, s>>>();
        empty_kernel<<<1, 32, 0, s>>>();
      },
      &slots);
  costs.graph_3_nodes_us =
      1e6 * seconds_each(stream, repeats, [&] { CUDA_CHECK(cudaGraphLaunch(three, stream)); });
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
    costs.cooperative_launch_us = 1e6 * seconds_each(stream, repeats, [&] { launch(0); });
    const double with_barriers = seconds_each(stream, launches, [&] { launch(repeats); });
    costs.grid_barrier_us = 1e6 * (with_barriers - costs.cooperative_launch_us * 1e-6) / repeats;
  }
  CUDA_CHECK(cudaStreamSynchronize(stream));
  cudaStreamDestroy(stream);

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
