// multi_run_plan.hpp: the multi-run cuda kernel's sizes, records and shared-memory plan, shared
// by the kernel (kernels/multi_run_v1.cu, nvcc), its block program (multi_run_block.hpp), the
// host engine and the CPU tests (g++). No CUDA syntax.
//
// One launch trains many independent runs of one shape (H hidden, T bits, S threads): block b
// owns run active[b] for up to `steps` of its steps, with its weights, its samples' hidden history
// and the evaluation's walk in shared memory. Records in device memory:
//   RunDescriptor  what the run is (seed, batch B, lr, steps, checks), written by the host once
//   RunState       how far it got (steps done, status, the last check), read and written by both
//   weights        runs x W floats, W = 2H + H² + H (W0 | Wh | W1, as device_layout.hpp)
#pragma once

#include <cstdint>
#include <type_traits>

#include "carry/float32_error.hpp"
#include "carry/host_device.hpp"

namespace carry::multi_run {

// The compiled kernels: one per H of kHidden (compile-time H: the loops over hidden units are
// unrolled and the states stay in registers), each for every T from 2 to 13 (runtime T: the loop
// over positions stays rolled anyway, and one kernel per H instead of per (H, T) keeps the
// compile time in check). Small H because sweeps ask which H is the smallest that learns; T up to
// 13 because every check walks the whole evaluation set, which is every pair up to T = 13
// (4^(T-1) pairs: 16.8 million at T = 13) and a sample of 2^20 pairs beyond, which this kernel
// does not walk (such runs go to the per-run engine).
constexpr int kHidden[] = {1, 2, 3, 4, 5, 6, 8, 12, 16, 32};
constexpr int kMaxBits = 13;

CARRY_HOST_DEVICE constexpr bool hidden_supported(int hidden) {
  return (hidden >= 1 && hidden <= 6) || hidden == 8 || hidden == 12 || hidden == 16 ||
         hidden == 32;
}
CARRY_HOST_DEVICE constexpr bool bits_supported(int bits) {
  return bits >= 2 && bits <= kMaxBits;
}

// Calls f(std::integral_constant<int, H>{}) for a hidden size with a kernel; false otherwise.
template <typename F>
bool with_hidden(int hidden, F&& f) {
  switch (hidden) {
#define CARRY_MULTI_RUN_HIDDEN(H)        \
  case H:                                \
    f(std::integral_constant<int, H>{}); \
    return true;
    CARRY_MULTI_RUN_HIDDEN(1)
    CARRY_MULTI_RUN_HIDDEN(2)
    CARRY_MULTI_RUN_HIDDEN(3)
    CARRY_MULTI_RUN_HIDDEN(4)
    CARRY_MULTI_RUN_HIDDEN(5)
    CARRY_MULTI_RUN_HIDDEN(6)
    CARRY_MULTI_RUN_HIDDEN(8)
    CARRY_MULTI_RUN_HIDDEN(12)
    CARRY_MULTI_RUN_HIDDEN(16)
    CARRY_MULTI_RUN_HIDDEN(32)
#undef CARRY_MULTI_RUN_HIDDEN
    default:
      return false;
  }
}

CARRY_HOST_DEVICE constexpr int weight_count(int hidden) {
  return 2 * hidden + hidden * hidden + hidden;
}
// Pairs in the evaluation set of T bits: every a, b < 2^(T-1).
CARRY_HOST_DEVICE constexpr std::uint32_t evaluation_pairs(int bits) {
  return std::uint32_t{1} << (2 * (bits - 1));
}

// ---- the weight update: tiles of w x w, summed per group of samples -------------------------
// ΔWh (H x H) is cut into (H / w)² tiles of w x w; the thread owning a tile also sums the W0 rows
// of its columns (tile-row 0) and the W1 entries of its columns (last tile-row). w divides H:
// H itself up to 8, else 8 (16, 32) or 6 (12).
CARRY_HOST_DEVICE constexpr int tile_width(int hidden) {
  return hidden <= 8 ? hidden : (hidden % 8 == 0 ? 8 : hidden / 2);
}
CARRY_HOST_DEVICE constexpr int tile_rows(int hidden) {
  return hidden / tile_width(hidden);
}
CARRY_HOST_DEVICE constexpr int tiles(int hidden) {
  return tile_rows(hidden) * tile_rows(hidden);
}
// Partial sums per thread: a w x w tile of ΔWh, 2 x w of ΔW0, w of ΔW1.
CARRY_HOST_DEVICE constexpr int partials(int hidden) {
  return tile_width(hidden) * tile_width(hidden) + 3 * tile_width(hidden);
}

// Where weight k's partial sums sit among its tile's partials (0 .. w²-1 ΔWh row-major, then
// 2w of ΔW0, then w of ΔW1).
struct StashPosition {
  int tile = 0;
  int index = 0;
};
CARRY_HOST_DEVICE constexpr StashPosition stash_position(int hidden, int k) {
  const int w = tile_width(hidden);
  const int rows = tile_rows(hidden);
  if (k < 2 * hidden) {  // W0[i][j]: tile-row 0
    const int i = k / hidden;
    const int j = k % hidden;
    return {j / w, w * w + i * w + j % w};
  }
  if (k < 2 * hidden + hidden * hidden) {  // Wh[i][j]
    const int i = (k - 2 * hidden) / hidden;
    const int j = (k - 2 * hidden) % hidden;
    return {(i / w) * rows + j / w, (i % w) * w + j % w};
  }
  const int j = k - 2 * hidden - hidden * hidden;  // W1[j]: the last tile-row
  return {(rows - 1) * rows + j / w, w * w + 2 * w + j % w};
}

// ---- the evaluation's walk ------------------------------------------------------------------
// Each thread walks its share of the tree of low bits (evaluate.cpp's walk): the 4^d subtrees
// below depth d = split_depth are dealt out round robin, each walked depth first with its stack
// (the shared sums of the nodes on the current path) in shared memory.
CARRY_HOST_DEVICE constexpr int split_depth(int bits, int threads) {
  int depth = 0;
  while (depth < bits - 1 && (1 << (2 * depth)) < threads) ++depth;
  return depth;
}
// Stack levels: nodes at depths split_depth .. T-1 (depth T nodes are pairs, never expanded).
CARRY_HOST_DEVICE constexpr int stack_levels(int bits, int threads) {
  return bits - split_depth(bits, threads);
}

// float32 rounding bounds of the walk (multi_run_block.hpp derives the propagation). γ(n) here
// is the worst case n·u / (1 - n·u) (Higham, Thm 3.1), not float32_sum_error's probabilistic
// bound: a certain answer must hold for every pair, not with high probability.
CARRY_HOST_DEVICE constexpr double worst_sum_error(int terms) {
  return terms * kUnitRoundoff32 / (1.0 - terms * kUnitRoundoff32);
}
// An output is certain when its distance from 0.5 exceeds kMarginFactor times its first-order
// error bound: the factor 2 of every carry tolerance (second-order terms), times 1 + 2^-10 for
// the rounding of the bound's own float32 arithmetic (relative error below (2H + 8)·u) and for
// the host's float64 evaluation, whose error is the same bound with u = 2^-53 (2^-29 of it).
constexpr double kMarginFactor = kToleranceSafetyFactor * (1.0 + 0x1p-10);
// First-order bounds hold while the errors are small against the sigmoid's curvature; a state or
// output whose bound exceeds this makes every answer below it uncertain (σ' changes by a factor
// of at most e^E over an error E, 0.1% here).
constexpr double kLargestFirstOrderError = 0x1p-10;

// ---- records --------------------------------------------------------------------------------
enum RunStatus : std::int32_t {
  kRunning = 0,    // more steps to go
  kPaused = 1,     // its last check needs the host's float64 evaluation before it goes on
  kReached = 2,    // a check passed: done
  kExhausted = 3,  // max_steps done without reaching the target: done
  kDiverged = 4,   // a weight or the loss blew up (divergence.hpp): done
};
enum CheckDecision : std::int32_t {
  kFail = 0,       // certainly below the target
  kPass = 1,       // certainly at or above it
  kUncertain = 2,  // the host decides
};
// Descriptor flags: which checks the host confirms besides the uncertain ones.
constexpr std::uint32_t kConfirmPasses = 1;      // every pass
constexpr std::uint32_t kConfirmEveryCheck = 2;  // every check (tests, audits)

// A check's decision from its counts (pairs certainly right, uncertain; complete: every pair was
// looked at) and the exact pairs it needs.
CARRY_HOST_DEVICE constexpr std::int32_t check_decision(std::uint32_t right,
                                                        std::uint32_t uncertain, bool complete,
                                                        std::uint32_t needed) {
  if (!complete) return kFail;  // the walk stopped: more pairs certainly wrong than allowed
  if (right >= needed) return kPass;
  if (std::uint64_t{right} + uncertain < needed) return kFail;
  return kUncertain;
}

// What a run does after a check: the host confirms an uncertain decision, and the counts of a run
// about to end with uncertain pairs (its record reports the exact count), and more as `flags`
// asks; otherwise it stops (reached, or its steps are done) or goes on.
CARRY_HOST_DEVICE constexpr std::int32_t status_after_check(std::int32_t decision,
                                                            std::uint32_t uncertain, bool final,
                                                            std::uint32_t flags) {
  const bool ending = decision == kPass || final;
  const bool confirm = decision == kUncertain || (ending && uncertain > 0) ||
                       (flags & kConfirmEveryCheck) != 0 ||
                       (decision == kPass && (flags & kConfirmPasses) != 0);
  if (confirm) return kPaused;
  if (decision == kPass) return kReached;
  return final ? kExhausted : kRunning;
}

struct RunDescriptor {
  std::uint64_t seed = 0;
  std::int64_t batch = 0;        // B
  std::int64_t max_steps = 0;    // the run ends after this many steps at the latest
  std::int64_t check_every = 0;  // checks after every multiple of this; 0: only after the last
  float lr = 0.0f;
  std::uint32_t needed = 0;   // exact pairs a check needs to pass; evaluation_pairs + 1: never
  std::uint32_t flags = 0;    // kConfirmPasses, kConfirmEveryCheck
  float margin_floor = 0.0f;  // tests: every output within this of 0.5 is uncertain (0: none)
};

struct RunState {
  std::int64_t steps_done = 0;
  std::int64_t steps_since_check = 0;
  double loss_since_check = 0.0;  // Σ of the step mean losses since the last check
  double check_loss = 0.0;        // their mean at the last check
  double last_loss = 0.0;         // the last step's mean loss
  std::int64_t checks = 0;        // evaluations made on the device
  std::int32_t status = kRunning;
  std::int32_t decision = kFail;  // of the last check
  // The last check's pairs: certainly right, certainly wrong, uncertain; complete = 0 when the
  // walk stopped early, as soon as more pairs were certainly wrong than the target allows.
  std::uint32_t right = 0;
  std::uint32_t wrong = 0;
  std::uint32_t uncertain = 0;
  std::uint32_t complete = 0;
  // What `carry eval` reports besides exact matches, when the walk went below every node (no pair
  // cut off at a wrong bit: every_bit = 1): (pair, bit) places certainly right and uncertain, and
  // Σ over the pairs of ½ Σ_t (y_t - out_t)² from the float32 outputs.
  std::uint32_t every_bit = 0;
  std::uint32_t bits_right = 0;
  std::uint32_t bits_uncertain = 0;
  double pairs_loss = 0.0;
};

// What the block program of one run writes when a test asks (slot 0 of a launch, each step; a
// test runs single steps). Null pointers: nothing.
struct StepTrace {
  float* outputs = nullptr;             // T x B, out_t of sample s at t·B + s
  std::uint32_t* operands = nullptr;    // 2 x B, a then b (as encode_batch)
  float* mean_update = nullptr;         // W
  double* loss = nullptr;               // Σ_s Σ_t ½(y - out)²
  unsigned long long* exact = nullptr;  // samples with all T bits right
};

struct LaunchArgs {
  const RunDescriptor* runs = nullptr;
  RunState* states = nullptr;
  float* weights = nullptr;              // runs x W
  const std::int32_t* active = nullptr;  // block b trains run active[b]
  std::int64_t steps = 0;                // at most this many steps per run
  int bits = 0;                          // T
  int threads = 0;                       // S
  StepTrace trace;
};

// A launch over records already in place: device memory for the kernel, host memory for the CPU
// model of it.
inline LaunchArgs launch_over(const RunDescriptor* runs, RunState* states, float* weights,
                              const std::int32_t* active, std::int64_t steps, int bits, int threads,
                              const StepTrace& trace = StepTrace{}) {
  LaunchArgs args;
  args.runs = runs;
  args.states = states;
  args.weights = weights;
  args.active = active;
  args.steps = steps;
  args.bits = bits;
  args.threads = threads;
  args.trace = trace;
  return args;
}

// ---- shared memory --------------------------------------------------------------------------
// Rows of the history and stage: H + 1 floats (h, then out or e) padded to 4·(odd) floats, so
// rows are 16-byte aligned and 8 consecutive rows start in 8 distinct 4-bank groups.
CARRY_HOST_DEVICE constexpr int row_stride(int hidden) {
  int stride = (hidden + 1 + 3) / 4 * 4;
  if ((stride / 4) % 2 == 0) stride += 4;
  return stride;
}

CARRY_HOST_DEVICE constexpr std::int64_t align16(std::int64_t bytes) {
  return (bytes + 15) / 16 * 16;
}

// Byte offsets, each 16-byte aligned:
//   weights      W floats; abs_weights W floats (|W|, for the walk's error bounds)
//   work         training: history (T x S rows, h_t of sample k at row t·S + k, out_t at column
//                H; once a step's rounds are done the S x partials stash lies over it), stage
//                (2 x S rows: δ_t and e_t, double-buffered by t mod 2), operands (2 x S uint32);
//                evaluation: the walkers' stacks, levels x (2H + 1) x S floats (sums, bound
//                sums, flags), walker innermost
//   lane_loss    S doubles; lane_exact S uint32; lane_counts 5 x S uint32
//   control      BlockControl
struct BlockControl {
  double step_loss;               // Σ over the step's samples
  unsigned long long step_exact;  // samples with all T bits right
  std::uint32_t diverged;         // any thread: a weight or the loss blew up
  std::uint32_t settled;          // the walk may stop: the check has certainly failed
  std::uint32_t wrong_total;      // certainly wrong pairs found so far (when some are allowed)
  std::int32_t status;            // after the check
};

struct SharedLayout {
  std::int64_t weights = 0;
  std::int64_t abs_weights = 0;
  std::int64_t work = 0;
  std::int64_t history = 0;
  std::int64_t stage = 0;
  std::int64_t operands = 0;
  std::int64_t stack = 0;
  std::int64_t lane_loss = 0;
  std::int64_t lane_exact = 0;
  std::int64_t lane_counts = 0;
  std::int64_t control = 0;
  std::int64_t bytes = 0;
};

CARRY_HOST_DEVICE constexpr SharedLayout shared_layout(int hidden, int bits, int threads) {
  const std::int64_t S = threads;
  const std::int64_t weights_bytes = align16(4 * std::int64_t{weight_count(hidden)});
  const std::int64_t history_floats = bits * S * row_stride(hidden);
  const std::int64_t stash_floats = S * partials(hidden);
  const std::int64_t history_bytes =
      align16(4 * (history_floats > stash_floats ? history_floats : stash_floats));
  const std::int64_t stage_bytes = align16(4 * 2 * S * row_stride(hidden));
  const std::int64_t training_bytes = history_bytes + stage_bytes + align16(4 * 2 * S);
  const std::int64_t stack_bytes =
      align16(4 * std::int64_t{stack_levels(bits, threads)} * (2 * hidden + 1) * S);
  SharedLayout layout;
  layout.weights = 0;
  layout.abs_weights = weights_bytes;
  layout.work = 2 * weights_bytes;
  layout.history = layout.work;
  layout.stage = layout.history + history_bytes;
  layout.operands = layout.stage + stage_bytes;
  layout.stack = layout.work;
  layout.lane_loss = layout.work + (training_bytes > stack_bytes ? training_bytes : stack_bytes);
  layout.lane_exact = layout.lane_loss + 8 * S;
  layout.lane_counts = layout.lane_exact + align16(4 * S);
  layout.control = layout.lane_counts + align16(4 * 5 * S);
  layout.bytes = layout.control + align16(sizeof(BlockControl));
  return layout;
}

// Hopper (sm_90): 227 KiB of shared memory per block at most, 228 per SM, 1 KiB of it reserved
// per resident block. A block takes at most 110 KiB so that at least two runs share an SM.
constexpr std::int64_t kMaxSharedBytes = 110 * 1024;

// Threads per block for a run of batch B: one warp up to B = 32, two up to 64, else four (more
// rounds per step), fewer when the shared memory would not fit; 0 when the shape has no kernel.
CARRY_HOST_DEVICE constexpr int threads_for(int hidden, int bits, std::int64_t batch) {
  if (!hidden_supported(hidden) || !bits_supported(bits) || batch < 1) return 0;
  int threads = batch <= 32 ? 32 : (batch <= 64 ? 64 : 128);
  for (; threads >= 32; threads /= 2) {
    if (shared_layout(hidden, bits, threads).bytes <= kMaxSharedBytes) return threads;
  }
  return 0;
}

}  // namespace carry::multi_run
