// multi_run_v1.cu: the multi-run kernel and its launcher: one launch advances many independent
// training runs, block b of S threads training run active[b] for up to `steps` steps with its
// weights, its batch's hidden history and its checks' walk in shared memory, and no host round
// trip per step. The block program is src/backends/cuda/multi_run_block.hpp, shared with the CPU
// model the tests run (tests/backends/cuda/multi_run_model.hpp); this file only gives it a barrier
// and a launch.
//
// Shapes: H hidden (one kernel per H of multi_run::kHidden: the loops over hidden units are
// unrolled), T bits (2 .. 13, a runtime value: the loop over positions is rolled), S threads per
// block (32, 64 or 128: multi_run::threads_for), B batch per run, W weights per run.
// Dynamic shared memory per block: multi_run::shared_layout(H, T, S), at most
// multi_run::kMaxSharedBytes (110 KiB), so at least two runs share an SM; at H 16, T 8, S 32 it
// is 29 KiB (seven runs per SM). Accurate expf (no --use_fast_math), as the chain kernels.
#include "cuda_check.hpp"
#include "multi_run_block.hpp"
#include "multi_run_kernels.hpp"

#include <stdexcept>
#include <string>

namespace carry::cuda {

namespace {

struct BlockBarrier {
  __device__ void barrier() const { __syncthreads(); }
};

template <int H>
__global__ void __launch_bounds__(128) multi_run_kernel(multi_run::LaunchArgs args) {
  extern __shared__ __align__(16) unsigned char shared[];
  const BlockBarrier sync;
  multi_run::run_block<H>(args, blockIdx.x, static_cast<int>(threadIdx.x), shared, sync);
}

const void* kernel_for(int hidden) {
  const void* kernel = nullptr;
  multi_run::with_hidden(hidden, [&](auto h) {
    kernel = reinterpret_cast<const void*>(multi_run_kernel<decltype(h)::value>);
  });
  return kernel;
}

}  // namespace

const void* multi_run_kernel_pointer(int hidden) {
  return kernel_for(hidden);
}

void prepare_multi_run(int hidden) {
  const void* kernel = kernel_for(hidden);
  if (kernel == nullptr) {
    throw std::invalid_argument("prepare_multi_run: no kernel for H " + std::to_string(hidden));
  }
  CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(multi_run::kMaxSharedBytes)));
}

void launch_multi_run(int hidden, std::int64_t blocks, const multi_run::LaunchArgs& args,
                      cudaStream_t stream) {
  const int threads = multi_run::threads_for(hidden, args.bits, 1);
  const bool threads_ok = args.threads == 32 || args.threads == 64 || args.threads == 128;
  if (threads == 0 || !threads_ok || blocks < 1 || blocks > 0x7fffffff || args.steps < 0 ||
      multi_run::shared_layout(hidden, args.bits, args.threads).bytes >
          multi_run::kMaxSharedBytes) {
    throw std::invalid_argument("launch_multi_run: no launch for H " + std::to_string(hidden) +
                                ", T " + std::to_string(args.bits) + ", " +
                                std::to_string(args.threads) + " threads, " +
                                std::to_string(blocks) + " blocks");
  }
  const auto bytes =
      static_cast<std::size_t>(multi_run::shared_layout(hidden, args.bits, args.threads).bytes);
  multi_run::with_hidden(hidden, [&](auto h) {
    multi_run_kernel<decltype(h)::value>
        <<<static_cast<unsigned>(blocks), static_cast<unsigned>(args.threads), bytes, stream>>>(
            args);
  });
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
