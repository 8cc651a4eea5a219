// fused_step_v2.cu: the whole training step in one kernel, v2, and its launcher. The block
// program is fused_v2_block.hpp (shared with the CPU model the tests run); the
// blocks' partial updates are summed and applied by fused_reduce_kernel (fused_step_v1.cu).
//
// Shapes: B batch, T bits, H hidden, S = fused_v2_threads(H, T) threads per block, one sample per
// thread per round; launch and summation order in fused_plan.hpp.
// What v2 changes against v1 (bench/fused-notes.md has the predictions):
//   - the hidden history lives in shared memory, rows of H + 4 floats, instead of a per-thread
//     array in local memory; out_t sits in the row's padding;
//   - the update is a register-tiled GEMM per position: a thread owns an 8 x 8 tile of ΔWh (and
//     the W0, W1 entries of its columns) for a fixed subset of the tile's samples, so each pair of
//     8-float loads feeds 64 FMAs (v1: two shared loads per FMA); the block sums the tiles' groups
//     once per step, not once per position;
//   - the loops over H are fully unrolled (compile-time H; the loop over t stays rolled, which
//     keeps the 12 instantiations compiling in seconds), so h, z and δ stay in registers and the
//     weights are read as broadcast 16-byte loads;
//   - one barrier per position (the stage is double-buffered by t mod 2).
// Dynamic shared memory up to 110 KiB per block (two blocks per SM): prepare_fused_step_v2 raises
// the kernel's limit once, before any launch or graph capture.
#include "cuda_check.hpp"
#include "fused_v2_block.hpp"
#include "kernels.hpp"

namespace carry::cuda {

namespace {

template <int H, int T>
__global__ void __launch_bounds__(fused_v2::Shape<H, T>::kThreads)
    fused_step_v2_kernel(FusedLaunch launch, std::uint64_t seed,
                         const std::uint64_t* __restrict__ step_number,
                         const float* __restrict__ weights, float* __restrict__ slots,
                         double* __restrict__ slot_loss,
                         unsigned long long* __restrict__ slot_exact, float* __restrict__ outputs,
                         StepTotals* __restrict__ totals) {
  extern __shared__ __align__(16) unsigned char shared[];
  using Block = fused_v2::Block<H, T>;
  const Block block = Block::at(shared);
  const int lane = static_cast<int>(threadIdx.x);
  const std::int64_t block_index = blockIdx.x;

  fused_v2::load_weights<H, T>(lane, weights, block);
  __syncthreads();
  const std::uint64_t step = *step_number;
  fused_v2::Thread<H> thread;
  fused_v2::clear(thread);
  for (std::int64_t round = 0; round < launch.rounds; ++round) {
    const int samples = fused_tile_samples(launch, block_index, round);
    fused_v2::begin_round<H, T>(thread, lane, launch, block_index, round, seed, step, block);
    fused_v2::forward<H, T>(thread, lane, block, launch.batch, outputs, &totals->first_prediction);
#pragma unroll 1
    for (int t = T - 1; t >= 0; --t) {
      fused_v2::backward_position<H, T>(thread, lane, t, block);
      __syncthreads();
      fused_v2::update_position<H, T>(thread, lane, t, samples, block);
    }
    __syncthreads();
  }
  fused_v2::stash<H, T>(thread, lane, block);
  __syncthreads();
  fused_v2::block_sum<H, T>(lane, block, slots + block_index * fused_v2::Shape<H, T>::kWeights,
                            slot_loss + block_index, slot_exact + block_index);
}

template <int H, int T>
constexpr std::int64_t shared_bytes() {
  return fused_v2_shared_layout(H, T, fused_v2::Shape<H, T>::kThreads).bytes;
}

// Calls f(H, T) with both as std::integral_constant for the request's (H, T); false when v2 has
// no kernel for it.
template <int H, typename F>
bool for_bits(int bits, F&& f) {
  switch (bits) {
    case 2:
      return f(std::integral_constant<int, H>{}, std::integral_constant<int, 2>{});
    case 4:
      return f(std::integral_constant<int, H>{}, std::integral_constant<int, 4>{});
    case 8:
      return f(std::integral_constant<int, H>{}, std::integral_constant<int, 8>{});
    case 16:
      return f(std::integral_constant<int, H>{}, std::integral_constant<int, 16>{});
    case 32:
      return f(std::integral_constant<int, H>{}, std::integral_constant<int, 32>{});
    default:
      return false;
  }
}

template <typename F>
bool for_shape(int hidden, int bits, F&& f) {
  if (!fused_v2_supported(hidden, bits)) return false;
  switch (hidden) {
    case 8:
      return for_bits<8>(bits, f);
    case 16:
      return for_bits<16>(bits, f);
    case 32:
      return for_bits<32>(bits, f);
    default:
      return false;
  }
}

// Instantiates nothing for the (H, T) v2 does not support (their shape has 0 threads).
template <int H, int T>
constexpr bool instantiated() {
  return fused_v2_threads(H, T) > 0;
}

}  // namespace

void prepare_fused_step_v2(int hidden, int bits) {
  const bool known = for_shape(hidden, bits, [](auto h, auto t) {
    constexpr int H = decltype(h)::value;
    constexpr int T = decltype(t)::value;
    if constexpr (instantiated<H, T>()) {
      CUDA_CHECK(cudaFuncSetAttribute(fused_step_v2_kernel<H, T>,
                                      cudaFuncAttributeMaxDynamicSharedMemorySize,
                                      static_cast<int>(shared_bytes<H, T>())));
      // The launch plans two blocks per SM (fused_v2_launch); ask for the shared-memory-heavy
      // split of the SM's 256 KB of L1 and shared memory (a hint: the kernel uses little L1).
      CUDA_CHECK(cudaFuncSetAttribute(fused_step_v2_kernel<H, T>,
                                      cudaFuncAttributePreferredSharedMemoryCarveout,
                                      cudaSharedmemCarveoutMaxShared));
      return true;
    } else {
      return false;
    }
  });
  if (!known) {
    throw std::invalid_argument("prepare_fused_step_v2: no kernel for H " + std::to_string(hidden) +
                                ", T " + std::to_string(bits));
  }
}

const void* fused_step_v2_kernel_pointer(int hidden, int bits) {
  const void* kernel = nullptr;
  for_shape(hidden, bits, [&](auto h, auto t) {
    constexpr int H = decltype(h)::value;
    constexpr int T = decltype(t)::value;
    if constexpr (instantiated<H, T>()) {
      kernel = reinterpret_cast<const void*>(fused_step_v2_kernel<H, T>);
      return true;
    } else {
      return false;
    }
  });
  return kernel;
}

void launch_fused_step_v2(int hidden, int bits, const FusedStepArguments& args,
                          cudaStream_t stream) {
  const FusedLaunch expected = fused_v2_launch(args.launch.batch, hidden, bits);
  if (expected.threads == 0 || args.launch.threads != expected.threads ||
      args.launch.blocks != expected.blocks || args.launch.rounds != expected.rounds ||
      args.launch.batch < 1 || args.launch.batch > kMaxBatch) {
    throw std::invalid_argument("launch_fused_step_v2: the launch is not fused_v2_launch(B, H, T)");
  }
  const bool launched = for_shape(hidden, bits, [&](auto h, auto t) {
    constexpr int H = decltype(h)::value;
    constexpr int T = decltype(t)::value;
    if constexpr (instantiated<H, T>()) {
      const FusedLaunch& launch = args.launch;
      fused_step_v2_kernel<H, T><<<static_cast<unsigned>(launch.blocks), launch.threads,
                                   static_cast<std::size_t>(shared_bytes<H, T>()), stream>>>(
          launch, args.seed, args.step_number, args.weights, args.slots, args.slot_loss,
          args.slot_exact, args.outputs, args.totals);
      return true;
    } else {
      return false;
    }
  });
  if (!launched) {
    throw std::invalid_argument("launch_fused_step_v2: no kernel for H " + std::to_string(hidden) +
                                ", T " + std::to_string(bits));
  }
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
