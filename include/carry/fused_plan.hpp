// fused_plan.hpp: the fused cuda kernels' shapes and index arithmetic, shared by the kernels
// (nvcc) and the CPU tests (g++): which (H, T) have which fused version, how samples are spread
// over blocks and threads, the v2 kernel's shared-memory layout, and the fixed order in which the
// batch gradient is summed.
//
// Shapes: B batch, T bits, H hidden, W = 2H + H² + H weights.
// Launch: `blocks` blocks of `threads` threads, pure functions of (B, H) for v1 and (B, H, T) for
// v2, so a run's summation order never depends on anything but its configuration. Thread l of
// block b handles samples s = b·threads + l + r·(blocks·threads) for rounds r = 0, 1, ...: in
// round r the block works on tile b + r·blocks of `threads` consecutive samples.
// Reduction, in a fixed order (no float atomics):
//   1. within a block, each thread sums its share of the per-sample terms in a fixed order
//      (v1: for each position t = T-1 .. 0, thread k owns weights k, k + threads, ... and adds
//      the block's terms in thread order; v2: fused_v2_block.hpp, 8 x 8 tiles of the update);
//   2. the block writes its W partial sums to slot b (blocks x W floats);
//   3. a second kernel sums the slots in block order 0 .. blocks-1 (fused_mean_update), scales by
//      1/B, applies SGD.
// So the result is identical run to run for one configuration (bit-identical reruns).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// The number of samples of round `round`'s tile that exist (the last tile may be partial, and a
// block's last round may have no tile at all).
CARRY_HOST_DEVICE inline int fused_tile_samples(const FusedLaunch& launch, std::int64_t block,
                                                std::int64_t round) {
  const std::int64_t left = launch.batch - launch.sample(block, 0, round);
  return left <= 0 ? 0 : (left < launch.threads ? static_cast<int>(left) : launch.threads);
}

// ---- v2 (kernels/fused_step_v2.cu, include/carry/fused_v2_block.hpp) -------------------------
// One thread per sample of a tile of S samples; the tile's hidden history lives in shared memory
// (rows of H + 4 floats: the padding spreads consecutive rows over all 32 banks and holds out_t);
// after each backward position the block sums the update over the tile as a register-tiled GEMM:
// the update is cut into 8 x 8 tiles of ΔWh (plus the W0 rows and W1 entries of the tile's
// columns), thread l works on tile l mod N for the samples k ≡ l / N (mod S / N).
constexpr int kFusedV2Hidden[] = {8, 16, 32};
constexpr int kFusedV2TileWidth = 8;
// Partial sums per thread: an 8 x 8 tile of ΔWh, 2 x 8 of ΔW0, 8 of ΔW1.
constexpr int kFusedV2PartialsPerThread = 64 + 16 + 8;
// Hopper: 228 KiB of shared memory per SM, 1 KiB of it reserved per resident block. A block takes
// at most 110 KiB, so that two blocks share an SM.
constexpr std::int64_t kSharedBytesPerSm = 228 * 1024;
constexpr std::int64_t kSharedBytesReservedPerBlock = 1024;
constexpr std::int64_t kFusedV2MaxSharedBytes = 110 * 1024;
constexpr std::int64_t kGpuSms = 132;  // H200 / H100 SXM; only sizes the launch, never correctness

CARRY_HOST_DEVICE constexpr int fused_v2_row_stride(int hidden) {
  return hidden + 4;
}
CARRY_HOST_DEVICE constexpr int fused_v2_tile_rows(int hidden) {
  return hidden / kFusedV2TileWidth;
}
CARRY_HOST_DEVICE constexpr int fused_v2_tiles(int hidden) {
  return fused_v2_tile_rows(hidden) * fused_v2_tile_rows(hidden);
}

// Byte offsets of the v2 kernel's dynamic shared memory, each 16-byte aligned:
//   weights   W floats (rounded up to a multiple of 4)
//   history   T x S rows of H + 4 floats: h_t of sample k at row t·S + k, out_t at its column H;
//             once the last round is done the same bytes hold the S x 88 partial sums (stash)
//   stage     2 x S rows of H + 4 floats: δ_t of sample k and e_t at column H, double-buffered
//             by t mod 2 so one barrier per position suffices
//   operands  2 x S uint32: a of the tile's samples, then b
//   loss      S doubles, exact S uint64: the threads' totals for the block's sum
struct FusedV2SharedLayout {
  std::int64_t weights = 0;
  std::int64_t history = 0;
  std::int64_t stage = 0;
  std::int64_t operands = 0;
  std::int64_t loss = 0;
  std::int64_t exact = 0;
  std::int64_t bytes = 0;  // the total
};

CARRY_HOST_DEVICE constexpr std::int64_t fused_v2_align(std::int64_t bytes) {
  return (bytes + 15) / 16 * 16;
}

CARRY_HOST_DEVICE constexpr FusedV2SharedLayout fused_v2_shared_layout(int hidden, int bits,
                                                                       int threads) {
  const std::int64_t stride = fused_v2_row_stride(hidden);
  const std::int64_t history_floats = std::int64_t{threads} * bits * stride;
  const std::int64_t stash_floats = std::int64_t{threads} * kFusedV2PartialsPerThread;
  FusedV2SharedLayout layout;
  layout.weights = 0;
  layout.history = fused_v2_align(4 * std::int64_t{fused_weight_count(hidden)});
  layout.stage =
      layout.history +
      fused_v2_align(4 * (history_floats > stash_floats ? history_floats : stash_floats));
  layout.operands = layout.stage + fused_v2_align(4 * 2 * std::int64_t{threads} * stride);
  layout.loss = layout.operands + fused_v2_align(4 * 2 * std::int64_t{threads});
  layout.exact = layout.loss + 8 * std::int64_t{threads};
  layout.bytes = layout.exact + 8 * std::int64_t{threads};
  return layout;
}

// Threads (= samples per tile) of the v2 kernel for (H, T): the most of 128, 64, 32 whose shared
// memory fits in kFusedV2MaxSharedBytes and that give every update tile a thread; 0 when none
// does or H, T have no v2 kernel (those run v1).
CARRY_HOST_DEVICE constexpr int fused_v2_threads(int hidden, int bits) {
  if (!(hidden == 8 || hidden == 16 || hidden == 32) || !fused_bits_supported(bits)) return 0;
  for (int threads = 128; threads >= 32; threads /= 2) {
    if (threads >= fused_v2_tiles(hidden) &&
        fused_v2_shared_layout(hidden, bits, threads).bytes <= kFusedV2MaxSharedBytes) {
      return threads;
    }
  }
  return 0;
}
CARRY_HOST_DEVICE constexpr bool fused_v2_supported(int hidden, int bits) {
  return fused_v2_threads(hidden, bits) > 0;
}

// Where weight w's partial sums sit in the stash: the update tile that owns it and its index
// among that tile's 88 partial sums (0..63 ΔWh row-major, 64..79 ΔW0, 80..87 ΔW1). W0 row i
// columns j belong to the tiles of tile-row 0, W1 to the tiles of the last tile-row.
struct FusedV2StashPosition {
  int tile = 0;
  int index = 0;
};
CARRY_HOST_DEVICE constexpr FusedV2StashPosition fused_v2_stash_position(int hidden, int w) {
  const int rows = fused_v2_tile_rows(hidden);
  constexpr int width = kFusedV2TileWidth;
  if (w < 2 * hidden) {  // W0[i][j]
    const int i = w / hidden;
    const int j = w % hidden;
    return {j / width, 64 + i * width + j % width};
  }
  if (w < 2 * hidden + hidden * hidden) {  // Wh[i][j]
    const int i = (w - 2 * hidden) / hidden;
    const int j = (w - 2 * hidden) % hidden;
    return {(i / width) * rows + j / width, (i % width) * width + j % width};
  }
  const int j = w - 2 * hidden - hidden * hidden;  // W1[j]
  return {(rows - 1) * rows + j / width, 80 + j % width};
}

// v2's launch: tiles of fused_v2_threads(H, T) samples, as many blocks as fit on the GPU at once
// (two per SM at most: shared memory), the tiles dealt out so every block runs the same number
// of rounds.
CARRY_HOST_DEVICE inline FusedLaunch fused_v2_launch(std::int64_t batch, int hidden, int bits) {
  FusedLaunch launch;
  launch.batch = batch;
  launch.threads = fused_v2_threads(hidden, bits);
  if (launch.threads == 0 || batch < 1) return launch;
  const std::int64_t bytes = fused_v2_shared_layout(hidden, bits, launch.threads).bytes;
  std::int64_t per_sm = kSharedBytesPerSm / (bytes + kSharedBytesReservedPerBlock);
  if (per_sm > 8) per_sm = 8;
  const std::int64_t most_blocks = kGpuSms * per_sm;
  const std::int64_t tiles = (batch + launch.threads - 1) / launch.threads;
  launch.rounds = (tiles + most_blocks - 1) / most_blocks;
  launch.blocks = (tiles + launch.rounds - 1) / launch.rounds;
  return launch;
}

// The mean update of weight w: the blocks' partial sums in block order, over B. Run by the reduce
// kernel on the GPU, and by the CPU model of the v2 kernel in the tests.
CARRY_HOST_DEVICE inline float fused_mean_update(int w, int weight_count, std::int64_t blocks,
                                                 std::int64_t batch, const float* slots) {
  float sum = 0.0f;
  for (std::int64_t b = 0; b < blocks; ++b) sum += slots[b * weight_count + w];
  return sum * (1.0f / static_cast<float>(batch));
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

// Which cuda kernel a run gets. --kernel chain, fused (the newest fused version compiled for
// (H, T)), fused-v1 or fused-v2. A fused request with an (H, T) that has no such kernel falls back
// (fused-v2 to v1, then to the chain), and `note` says so (printed once by make_cuda_trainer).
struct CudaKernelChoice {
  std::string kernel;     // "chain", "fused-v1" or "fused-v2"
  int fused_version = 0;  // 0 for the chain
  std::string note;       // empty unless the request was changed
};

// The --kernel values, for messages, and the option's help.
constexpr const char* kCudaKernelNames = "chain, fused, fused-v1 or fused-v2";
constexpr const char* kCudaKernelHelp =
    "cuda kernels: chain (per-position kernels, the default), fused (one kernel a step, the "
    "newest version compiled for the size), fused-v1 or fused-v2; the fused kernels are "
    "unverified on hardware";
bool is_cuda_kernel_name(const std::string& name);
// The same names as a list, for --kernel's parser: chain, fused, fused-v1, fused-v2.
const std::vector<std::string>& cuda_kernel_names();

// Throws UserError for a name that is not one of kCudaKernelNames.
CudaKernelChoice choose_cuda_kernel(const std::string& requested, int hidden, int bits);

}  // namespace carry
