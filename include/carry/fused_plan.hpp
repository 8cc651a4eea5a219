// fused_plan.hpp: the fused cuda kernel's shapes and index arithmetic, shared by the kernel
// (nvcc) and the CPU tests (g++): which (H, T) have a fused kernel, how samples are spread over
// blocks and threads, and the fixed order in which the batch gradient is summed.
//
// Shapes: B batch, T bits, H hidden, W = 2H + H² + H weights.
// Launch: `blocks` blocks of `threads` threads, both pure functions of (B, H), so a run's
// summation order never depends on anything but its configuration. Thread l of block b handles
// samples s = b·threads + l + r·(blocks·threads) for rounds r = 0, 1, ...; every sample once.
// Reduction, in a fixed order (no float atomics):
//   1. within a block, for each round r and each position t = T-1 .. 0, thread k owns weights
//      k, k + threads, ... and adds the block's per-sample terms in thread order 0 .. threads-1;
//   2. the block writes its W partial sums to slot b (blocks x W floats);
//   3. a second kernel sums the slots in block order 0 .. blocks-1, scales by 1/B, applies SGD.
// So the result is identical run to run for one configuration (bit-identical reruns).
#pragma once

#include <cstdint>
#include <string>

#include "carry/host_device.hpp"
#include "carry/problem.hpp"

namespace carry {

// The bit lengths with a compiled fused kernel; other T (and H) fall back to the chain.
constexpr int kFusedBits[] = {2, 4, 8, 16, 32};
constexpr int kFusedHidden[] = {8, 16, 32, 64};
// At most this many blocks: 132 SMs x 8; a bigger batch takes more rounds per thread.
constexpr std::int64_t kFusedMaxBlocks = 1056;

CARRY_HOST_DEVICE constexpr bool fused_hidden_supported(int hidden) {
  return hidden == 8 || hidden == 16 || hidden == 32 || hidden == 64;
}
CARRY_HOST_DEVICE constexpr bool fused_bits_supported(int bits) {
  return bits == 2 || bits == 4 || bits == 8 || bits == 16 || bits == 32;
}

// Threads per block: the per-thread shared staging (3H + 3 floats) and the weights fit in 48 KiB.
CARRY_HOST_DEVICE constexpr int fused_threads_per_block(int hidden) {
  return hidden <= 16 ? 128 : (hidden == 32 ? 64 : 32);
}
CARRY_HOST_DEVICE constexpr int fused_weight_count(int hidden) {
  return 2 * hidden + hidden * hidden + hidden;
}

struct FusedLaunch {
  std::int64_t batch = 0;
  int threads = 0;
  std::int64_t blocks = 0;
  std::int64_t rounds = 0;  // samples per thread, at most

  CARRY_HOST_DEVICE std::int64_t stride() const { return blocks * threads; }
  // Sample handled by thread `lane` of block `block` in round `round`; >= batch means none.
  CARRY_HOST_DEVICE std::int64_t sample(std::int64_t block, int lane, std::int64_t round) const {
    return block * threads + lane + round * stride();
  }
};

CARRY_HOST_DEVICE inline FusedLaunch fused_launch(std::int64_t batch, int hidden) {
  FusedLaunch launch;
  launch.batch = batch;
  launch.threads = fused_threads_per_block(hidden);
  const std::int64_t needed = (batch + launch.threads - 1) / launch.threads;
  launch.blocks = needed < kFusedMaxBlocks ? needed : kFusedMaxBlocks;
  launch.rounds = (batch + launch.stride() - 1) / launch.stride();
  return launch;
}

// Operands of sample s of step `step`, as the host's encode_batch writes them (bits <= 32).
CARRY_HOST_DEVICE inline void fused_operands(std::uint64_t seed, std::uint64_t step,
                                             std::int64_t sample, int bits, std::uint32_t* a,
                                             std::uint32_t* b) {
  const AdditionProblem problem =
      counter_problem(seed, step, static_cast<std::uint64_t>(sample), bits);
  *a = static_cast<std::uint32_t>(problem.a);
  *b = static_cast<std::uint32_t>(problem.b);
}

// Which cuda kernel a run gets. "fused" with an (H, T) that has no fused kernel falls back to
// the chain, and `note` says so (printed once by make_cuda_trainer).
struct CudaKernelChoice {
  std::string kernel;  // "chain" or "fused"
  std::string note;    // empty unless the request was changed
};

// Throws UserError for a name other than "chain" or "fused".
CudaKernelChoice choose_cuda_kernel(const std::string& requested, int hidden, int bits);

}  // namespace carry
