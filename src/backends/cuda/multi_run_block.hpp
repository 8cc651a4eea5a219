// multi_run_block.hpp: the program of one block of the multi-run kernel (kernels/multi_run_v1.cu):
// one run, trained for up to `steps` steps and checked against its target on the way, without
// leaving the block. Written once, for both compilers: the kernel runs run_block on every thread
// with __syncthreads() as the barrier; the CPU tests run the same function on S fibers of one host
// thread that take turns between barriers (tests/backends/cuda/multi_run_model.hpp), an order a
// barrier allows, so the kernel's arithmetic, indexing, summation order and stopping decisions are
// checked against the float64 reference without a GPU.
//
// Shapes: H hidden, T bits, S threads (runtime: 32, 64 or 128), B batch, W = 2H + H² + H weights;
// shared memory as shared_layout (multi_run_plan.hpp). Per block:
//   load the run's weights                                              barrier
//   for each step:
//     for each round (samples r·S .. r·S + S-1 of the step's batch, drawn on the device):
//       begin_round, forward (each thread its sample; h_t rows into the history)
//       for t = T-1 .. 0: backward_position (δ_t, e_t into stage t mod 2)  barrier
//                         update_position (the round's terms of position t, per w x w tile)
//       barrier
//     stash (each thread's partial sums over the history)              barrier
//     apply_update (sum the groups in order, SGD, divergence guard)    barrier
//     when a check is due: prepare_walk                                barrier
//                          walk (every pair of the evaluation set)     barrier
//                          decide (lane 0)                             barrier
//   store the weights and the run's state
// Per sample, as the chain kernels and the reference:
//   h_t = σ(x_t·W0 + h_{t-1}·Wh), out_t = σ(h_t·W1), e_t = (y_t - out_t)·out_t·(1 - out_t),
//   δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t); ΔW0 += x_tᵀδ_t, ΔWh += h_{t-1}ᵀδ_t,
//   ΔW1 += h_tᵀe_t; W += lr · (1/B) Σ ΔW. Accurate expf (2 ulp on the GPU), so `carry verify`'s
//   tolerances apply. Summation order fixed (no atomics on floats): each thread's tile over its
//   samples in order, then the groups in order, so a run's result depends on its descriptor
//   alone, never on the other runs of the launch or on timing.
//
// The check (the walk): exact match on every pair (a, b < 2^(T-1)), evaluated as evaluate.cpp
// does, by the tree of low bits: a node at depth d holds the state after digits 0..d-1 and its
// sums Σ_i h_i·Wh[i][j], shared by its (up to 4) children. Every state is computed in float32
// with a first-order bound on its distance from the exact value, propagated with it:
//   z_j     = x·W0[:, j] + s_j,  s_j = Σ_i h_i·Wh[i][j]   (H + 2 roundings: γ = worst_sum_error)
//   E(z_j)  = γ(H+2)·(|x·W0[:, j]| + Σ_i h_i·|Wh[i][j]|) + Σ_i E(h_i)·|Wh[i][j]|
//   E(h_j)  = h_j(1 - h_j)·E(z_j) + σerr·h_j            (σerr = kSigmoidRelativeError)
//   E(out)  = out(1 - out)·(γ(H)·Σ_j h_j·|W1_j| + Σ_j E(h_j)·|W1_j|) + σerr·out
// A bit is certain when |out - 0.5| > kMarginFactor·E(out) (and every bound on its path is below
// kLargestFirstOrderError): then float64 rounds it the same way. A pair is certainly wrong at its
// first certainly wrong bit (the walk goes no deeper), certainly right when all its bits are
// certainly right, and uncertain otherwise; the decision (check_decision) goes to the host when
// the uncertain pairs could change it.
#pragma once

#include <cmath>
#include <cstdint>

#include "carry/divergence.hpp"
#include "carry/host_device.hpp"
#include "carry/problem.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "fused_sample.hpp"
#include "multi_run_plan.hpp"

namespace carry::multi_run {

template <int H>
struct Shape {
  static constexpr int kWeights = weight_count(H);
  static constexpr int kStride = row_stride(H);
  static constexpr int kWidth = tile_width(H);
  static constexpr int kTileRows = tile_rows(H);
  static constexpr int kTiles = tiles(H);
  static constexpr int kPartials = partials(H);
  static_assert(H % kWidth == 0 && 32 % kTiles == 0, "tiles cover H, groups are whole");
};

using fused::sigmoid;

// Shared counters: an atomic add on the GPU; the CPU model runs one thread at a time.
CARRY_HOST_DEVICE inline std::uint32_t add_shared(std::uint32_t* counter, std::uint32_t value) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(counter, value) + value;
#else
  return *counter += value;
#endif
}
// A flag other threads of the block may set while this one runs.
CARRY_HOST_DEVICE inline std::uint32_t read_shared(const std::uint32_t* flag) {
  return *static_cast<const volatile std::uint32_t*>(flag);
}
CARRY_HOST_DEVICE inline bool is_finite(double value) {
  return value - value == 0.0;  // inf - inf and NaN - NaN are NaN
}

// Pointers into the block's shared memory (shared_layout).
template <int H>
struct Block {
  using Sh = Shape<H>;
  int bits;     // T
  int threads;  // S
  float* weights;
  float* abs_weights;
  float* history;
  float* stage;
  std::uint32_t* operands;
  float* stack;
  std::uint32_t* stack_words;  // the same bytes as stack
  double* lane_loss;
  std::uint32_t* lane_exact;
  std::uint32_t* lane_counts;
  BlockControl* control;

  CARRY_HOST_DEVICE static Block at(unsigned char* base, int bits, int threads) {
    const SharedLayout layout = shared_layout(H, bits, threads);
    return Block{bits,
                 threads,
                 reinterpret_cast<float*>(base + layout.weights),
                 reinterpret_cast<float*>(base + layout.abs_weights),
                 reinterpret_cast<float*>(base + layout.history),
                 reinterpret_cast<float*>(base + layout.stage),
                 reinterpret_cast<std::uint32_t*>(base + layout.operands),
                 reinterpret_cast<float*>(base + layout.stack),
                 reinterpret_cast<std::uint32_t*>(base + layout.stack),
                 reinterpret_cast<double*>(base + layout.lane_loss),
                 reinterpret_cast<std::uint32_t*>(base + layout.lane_exact),
                 reinterpret_cast<std::uint32_t*>(base + layout.lane_counts),
                 reinterpret_cast<BlockControl*>(base + layout.control)};
  }
  // Position-major rows: a position's reads walk consecutive rows (row_stride spreads them).
  CARRY_HOST_DEVICE float* history_row(int t, int sample) const {
    return history + (t * threads + sample) * Sh::kStride;
  }
  CARRY_HOST_DEVICE float* stage_row(int t, int sample) const {
    return stage + ((t & 1) * threads + sample) * Sh::kStride;
  }
  CARRY_HOST_DEVICE float* stash_row(int lane) const { return history + lane * Sh::kPartials; }
  // Walker `lane`'s stack entry at `level`: values 0..H-1 the sums s_j, H..2H-1 their bounds,
  // 2H the node's flags; walker innermost, so a warp's walkers touch consecutive words.
  CARRY_HOST_DEVICE int stack_index(int level, int value, int lane) const {
    return (level * (2 * H + 1) + value) * threads + lane;
  }
  CARRY_HOST_DEVICE const float* w0() const { return weights; }
  CARRY_HOST_DEVICE const float* wh() const { return weights + 2 * H; }
  CARRY_HOST_DEVICE const float* w1() const { return weights + 2 * H + H * H; }
  CARRY_HOST_DEVICE const float* abs_w0() const { return abs_weights; }
  CARRY_HOST_DEVICE const float* abs_wh() const { return abs_weights + 2 * H; }
  CARRY_HOST_DEVICE const float* abs_w1() const { return abs_weights + 2 * H + H * H; }
};

// ---- training ---------------------------------------------------------------------------------

// What one thread keeps in registers through a step.
template <int H>
using Thread = fused::SampleThread<H, tile_width(H)>;
using fused::clear;

// The thread's sample of round `round` (sample round·S + lane of step `step`) and its operands,
// also into shared memory for the update.
template <int H>
CARRY_HOST_DEVICE inline void begin_round(Thread<H>& thread, int lane, std::int64_t round,
                                          const RunDescriptor& run, std::uint64_t step,
                                          const Block<H>& block, const StepTrace* trace) {
  thread.sample = round * block.threads + lane;
  thread.active = thread.sample < run.batch;
  thread.a = 0;
  thread.b = 0;
  if (thread.active)
    fused_operands(run.seed, step, thread.sample, block.bits, &thread.a, &thread.b);
  block.operands[lane] = thread.a;
  block.operands[block.threads + lane] = thread.b;
  CARRY_UNROLL
  for (int j = 0; j < H; ++j) thread.delta_next[j] = 0.0f;
  if (trace != nullptr && trace->operands != nullptr && thread.active) {
    trace->operands[thread.sample] = thread.a;
    trace->operands[run.batch + thread.sample] = thread.b;
  }
}

// h_0 .. h_{T-1} and out_t of the thread's sample into its history rows; its loss and exact match.
template <int H>
CARRY_HOST_DEVICE inline void forward(Thread<H>& thread, int lane, const Block<H>& block,
                                      std::int64_t batch, const StepTrace* trace) {
  if (!thread.active) return;
  bool all_right = true;
  fused::forward_sample<H>(
      thread.a, thread.b, block.bits, block.w0(), block.wh(), block.w1(),
      [&](int t) { return block.history_row(t, lane); }, thread.loss, all_right);
  thread.exact += all_right ? 1 : 0;
  if (trace != nullptr && trace->outputs != nullptr) {
    for (int t = 0; t < block.bits; ++t) {
      trace->outputs[t * batch + thread.sample] = block.history_row(t, lane)[H];
    }
  }
}

// δ_t and e_t of the thread's sample into stage row (t mod 2, lane); δ_t becomes δ_{t+1} of t-1.
template <int H>
CARRY_HOST_DEVICE inline void backward_position(Thread<H>& thread, int lane, int t,
                                                const Block<H>& block) {
  if (!thread.active) return;  // an inactive thread's stage row is never read
  fused::backward_position<H>(thread.a, thread.b, t, block.wh(), block.w1(),
                              block.history_row(t, lane), thread.delta_next,
                              block.stage_row(t, lane));
}

// Position t's terms of the round's first `samples` samples added to the thread's tile: tile
// lane mod N (N = tiles), samples lane / N, lane / N + G, ... in increasing order (G = S / N).
template <int H>
CARRY_HOST_DEVICE inline void update_position(Thread<H>& thread, int lane, int t, int samples,
                                              const Block<H>& block) {
  using Sh = Shape<H>;
  constexpr int w = Sh::kWidth;
  const int groups = block.threads / Sh::kTiles;
  const int tile = lane % Sh::kTiles;
  const int tile_row = tile / Sh::kTileRows;
  const int tile_column = tile % Sh::kTileRows;
  CARRY_NO_UNROLL
  for (int k = lane / Sh::kTiles; k < samples; k += groups) {
    const float* stage = block.stage_row(t, k);
    fused::add_terms(thread.tile, stage + tile_column * w,
                     t > 0 ? block.history_row(t - 1, k) + tile_row * w : nullptr, tile_row == 0,
                     static_cast<float>(bit_at(block.operands[k], t)),
                     static_cast<float>(bit_at(block.operands[block.threads + k], t)),
                     tile_row == Sh::kTileRows - 1, block.history_row(t, k) + tile_column * w,
                     stage[H]);
  }
}

// The thread's partial sums and totals into shared memory (over the history: the rounds are done).
template <int H>
CARRY_HOST_DEVICE inline void stash(const Thread<H>& thread, int lane, const Block<H>& block) {
  fused::stash(thread.tile, block.stash_row(lane));
  block.lane_loss[lane] = thread.loss;
  block.lane_exact[lane] = static_cast<std::uint32_t>(thread.exact);
}

// Weight k = lane, lane + S, ...: its tile's partials summed over the groups 0 .. G-1 in order,
// the mean (× 1/B, as fused_mean_update) and SGD; a weight past kLargestUsefulWeight (or not
// finite) marks the run diverged. Lane 0 sums the loss and exact counts in lane order.
template <int H>
CARRY_HOST_DEVICE inline void apply_update(int lane, const Block<H>& block,
                                           const RunDescriptor& run, const StepTrace* trace) {
  using Sh = Shape<H>;
  const int groups = block.threads / Sh::kTiles;
  const float scale = 1.0f / static_cast<float>(run.batch);
  for (int k = lane; k < Sh::kWeights; k += block.threads) {
    const StashPosition position = stash_position(H, k);
    float sum = 0.0f;
    for (int group = 0; group < groups; ++group) {
      sum += block.stash_row(group * Sh::kTiles + position.tile)[position.index];
    }
    const float mean = sum * scale;
    const float updated = block.weights[k] + run.lr * mean;
    block.weights[k] = updated;
    if (!(static_cast<double>(fabsf(updated)) <= kLargestUsefulWeight)) {
      block.control->diverged = 1;
    }
    if (trace != nullptr && trace->mean_update != nullptr) trace->mean_update[k] = mean;
  }
  if (lane == 0) {
    double loss = 0.0;
    unsigned long long exact = 0;
    for (int l = 0; l < block.threads; ++l) {
      loss += block.lane_loss[l];
      exact += block.lane_exact[l];
    }
    block.control->step_loss = loss;
    block.control->step_exact = exact;
    if (!is_finite(loss)) block.control->diverged = 1;
    if (trace != nullptr && trace->loss != nullptr) *trace->loss = loss;
    if (trace != nullptr && trace->exact != nullptr) *trace->exact = exact;
  }
}

// One SGD step of the run on its batch of step `step`; ends at a barrier with the step's loss
// and the divergence flag in block.control.
template <int H, class Sync>
CARRY_HOST_DEVICE inline void train_step(Thread<H>& thread, int lane, const Block<H>& block,
                                         const RunDescriptor& run, std::uint64_t step,
                                         const StepTrace* trace, Sync& sync) {
  clear(thread);
  const std::int64_t rounds = (run.batch + block.threads - 1) / block.threads;
  for (std::int64_t round = 0; round < rounds; ++round) {
    const std::int64_t left = run.batch - round * block.threads;
    const int samples = left < block.threads ? static_cast<int>(left) : block.threads;
    begin_round<H>(thread, lane, round, run, step, block, trace);
    forward<H>(thread, lane, block, run.batch, trace);
    CARRY_NO_UNROLL
    for (int t = block.bits - 1; t >= 0; --t) {
      backward_position<H>(thread, lane, t, block);
      sync.barrier();
      update_position<H>(thread, lane, t, samples, block);
    }
    sync.barrier();  // the next round (or the stash) rewrites the history, stage and operands
  }
  stash<H>(thread, lane, block);
  sync.barrier();
  apply_update<H>(lane, block, run, trace);
  sync.barrier();
}

// ---- the check --------------------------------------------------------------------------------

// A child's state h_t, its output and their error bounds, from its parent's sums.
template <int H>
struct ChildState {
  float h[H];
  float bound[H];
  float largest_bound;
  float out;
  float out_bound;
};

// Flags of a node on a walker's stack: the next child's digit (0..4), the carry into its bit,
// whether an answer on its path was uncertain, whether a bound on it was too large to trust,
// whether an answer on it was certainly wrong (only when the walk goes below wrong bits).
struct NodeFlags {
  int next;
  int carry;
  bool uncertain;
  bool unreliable;
  bool wrong;
};
CARRY_HOST_DEVICE inline std::uint32_t pack(const NodeFlags& f) {
  return static_cast<std::uint32_t>(f.next) | static_cast<std::uint32_t>(f.carry) << 3 |
         (f.uncertain ? 16u : 0u) | (f.unreliable ? 32u : 0u) | (f.wrong ? 64u : 0u);
}
CARRY_HOST_DEVICE inline NodeFlags unpack(std::uint32_t word) {
  return NodeFlags{static_cast<int>(word & 7u), static_cast<int>((word >> 3) & 1u),
                   (word & 16u) != 0, (word & 32u) != 0, (word & 64u) != 0};
}

template <int H>
CARRY_HOST_DEVICE inline void child_state(const Block<H>& block, int level, int lane, int digit,
                                          ChildState<H>& child) {
  constexpr float kStateSumError = static_cast<float>(worst_sum_error(H + 2));
  constexpr float kOutputSumError = static_cast<float>(worst_sum_error(H));
  constexpr float kSigmoidError = static_cast<float>(kSigmoidRelativeError);
  const float x0 = static_cast<float>(digit >> 1);
  const float x1 = static_cast<float>(digit & 1);
  const float* w0 = block.w0();
  const float* w1 = block.w1();
  const float* abs_w0 = block.abs_w0();
  const float* abs_w1 = block.abs_w1();
  float logit = 0.0f;
  float logit_bound = 0.0f;
  child.largest_bound = 0.0f;
  CARRY_UNROLL
  for (int j = 0; j < H; ++j) {
    const float sum = block.stack[block.stack_index(level, j, lane)];
    const float sum_bound = block.stack[block.stack_index(level, H + j, lane)];
    const float z = (x0 * w0[j] + x1 * w0[H + j]) + sum;
    const float input_magnitude = x0 * abs_w0[j] + x1 * abs_w0[H + j];
    const float h = sigmoid(z);
    const float bound =
        h * (1.0f - h) * (kStateSumError * input_magnitude + sum_bound) + kSigmoidError * h;
    child.h[j] = h;
    child.bound[j] = bound;
    child.largest_bound = fmaxf(child.largest_bound, bound);
    logit += h * w1[j];
    logit_bound += (kOutputSumError * h + bound) * abs_w1[j];
  }
  child.out = sigmoid(logit);
  child.out_bound = child.out * (1.0f - child.out) * logit_bound + kSigmoidError * child.out;
}

// The child's sums s_j = Σ_i h_i·Wh[i][j] and bounds Σ_i (γ(H+2)·h_i + E(h_i))·|Wh[i][j]| onto
// the walker's stack at `level`.
template <int H>
CARRY_HOST_DEVICE inline void push_sums(const Block<H>& block, int level, int lane,
                                        const ChildState<H>& child) {
  constexpr float kStateSumError = static_cast<float>(worst_sum_error(H + 2));
  const float* wh = block.wh();
  const float* abs_wh = block.abs_wh();
  float sums[H] = {};
  float bounds[H] = {};
  CARRY_UNROLL
  for (int i = 0; i < H; ++i) {
    const float hi = child.h[i];
    const float carried = kStateSumError * hi + child.bound[i];
    CARRY_UNROLL
    for (int j = 0; j < H; ++j) {
      sums[j] += hi * wh[i * H + j];
      bounds[j] += carried * abs_wh[i * H + j];
    }
  }
  CARRY_UNROLL
  for (int j = 0; j < H; ++j) {
    block.stack[block.stack_index(level, j, lane)] = sums[j];
    block.stack[block.stack_index(level, H + j, lane)] = bounds[j];
  }
}

struct WalkCounts {
  std::uint32_t right = 0;  // pairs
  std::uint32_t wrong = 0;
  std::uint32_t uncertain = 0;
  std::uint32_t bits_right = 0;  // (pair, bit) places
  std::uint32_t bits_uncertain = 0;
  double loss = 0.0;  // Σ over the pairs below every node walked of ½(y - out)²
};

// What a walker needs to know about the check.
struct WalkRules {
  int split;              // subtrees below this depth are dealt out
  bool may_stop;          // decide, rather than count: stop once more pairs are wrong than allowed
  bool every_bit;         // go below certainly wrong bits too (the last check: every figure)
  std::uint32_t allowed;  // certainly wrong pairs a passing check may have
  float margin_floor;     // RunDescriptor::margin_floor
};

// Subtree q (the digits 0 .. split-1 of its pairs, digit 0 first) of the tree, depth first.
template <int H>
CARRY_HOST_DEVICE inline void walk_subtree(int lane, std::uint32_t q, const Block<H>& block,
                                           const WalkRules& rules, WalkCounts& counts) {
  const int split = rules.split;
  const int T = block.bits;
  // Pairs below a node at `depth` that belong to this subtree.
  auto pairs_below = [&](int depth) -> std::uint32_t {
    if (depth == T) return 1;
    return std::uint32_t{1} << (2 * (T - 1 - (depth > split ? depth : split)));
  };
  auto first_digit = [&](int depth) {
    return depth < split ? static_cast<int>((q >> (2 * (split - 1 - depth))) & 3u) : 0;
  };
  auto digit_end = [&](int depth) {
    return depth < split ? first_digit(depth) + 1 : (depth == T - 1 ? 1 : 4);
  };
  // Depths up to `split` share level 0: each of them has one child on this subtree's path.
  auto level_of = [&](int depth) { return depth > split ? depth - split : 0; };

  CARRY_UNROLL
  for (int j = 0; j < 2 * H; ++j) block.stack[block.stack_index(0, j, lane)] = 0.0f;  // h_{-1}
  block.stack_words[block.stack_index(0, 2 * H, lane)] =
      pack(NodeFlags{first_digit(0), 0, false, false, false});
  int depth = 0;
  ChildState<H> child;
  CARRY_NO_UNROLL
  while (true) {
    if (rules.may_stop && read_shared(&block.control->settled) != 0) return;
    const int level = level_of(depth);
    std::uint32_t& flags_word = block.stack_words[block.stack_index(level, 2 * H, lane)];
    NodeFlags node = unpack(flags_word);
    if (node.next == digit_end(depth)) {
      if (depth <= split) return;  // the subtree's root is done (its path has no other child)
      --depth;
      continue;
    }
    const int digit = node.next;
    ++node.next;
    flags_word = pack(node);

    child_state<H>(block, level, lane, digit, child);
    const int sum_bits = (digit >> 1) + (digit & 1) + node.carry;
    const int target = sum_bits & 1;
    const bool unreliable = node.unreliable ||
                            !(child.largest_bound <= static_cast<float>(kLargestFirstOrderError)) ||
                            !(child.out_bound <= static_cast<float>(kLargestFirstOrderError));
    const float margin =
        fmaxf(static_cast<float>(kMarginFactor) * child.out_bound, rules.margin_floor);
    const bool certain = !unreliable && fabsf(child.out - 0.5f) > margin;
    const int predicted = child.out > 0.5f ? 1 : 0;
    const std::uint32_t below = pairs_below(depth + 1);
    const bool wrong_bit = certain && predicted != target;
    const double error = target - static_cast<double>(child.out);
    counts.loss += static_cast<double>(below) * (0.5 * error * error);
    counts.bits_right += certain && !wrong_bit ? below : 0u;
    counts.bits_uncertain += certain ? 0u : below;
    const bool wrong = node.wrong || wrong_bit;
    if (wrong_bit && !node.wrong) {  // every pair below is wrong
      counts.wrong += below;
      if (rules.may_stop && add_shared(&block.control->wrong_total, below) > rules.allowed) {
        block.control->settled = 1;
      }
    }
    if (wrong && !rules.every_bit) continue;  // no need to look below
    const bool uncertain = node.uncertain || !certain;
    if (depth + 1 == T) {
      if (!wrong) {
        if (uncertain) {
          ++counts.uncertain;
        } else {
          ++counts.right;
        }
      }
      continue;
    }
    ++depth;
    const int child_level = level_of(depth);
    push_sums<H>(block, child_level, lane, child);
    block.stack_words[block.stack_index(child_level, 2 * H, lane)] =
        pack(NodeFlags{first_digit(depth), sum_bits >> 1, uncertain, unreliable, wrong});
  }
}

// |W| for the bounds; the check's shared counters cleared.
template <int H>
CARRY_HOST_DEVICE inline void prepare_walk(int lane, const Block<H>& block) {
  for (int k = lane; k < Shape<H>::kWeights; k += block.threads) {
    block.abs_weights[k] = fabsf(block.weights[k]);
  }
  if (lane == 0) {
    block.control->settled = 0;
    block.control->wrong_total = 0;
  }
}

// A walker's counts into lane_counts (5 per lane) and lane_loss, and their sum over the lanes.
template <int H>
CARRY_HOST_DEVICE inline void store_counts(int lane, const Block<H>& block,
                                           const WalkCounts& counts) {
  std::uint32_t* slot = block.lane_counts + 5 * lane;
  slot[0] = counts.right;
  slot[1] = counts.wrong;
  slot[2] = counts.uncertain;
  slot[3] = counts.bits_right;
  slot[4] = counts.bits_uncertain;
  block.lane_loss[lane] = counts.loss;
}
template <int H>
CARRY_HOST_DEVICE inline WalkCounts sum_counts(const Block<H>& block) {
  WalkCounts total;
  for (int l = 0; l < block.threads; ++l) {
    const std::uint32_t* slot = block.lane_counts + 5 * l;
    total.right += slot[0];
    total.wrong += slot[1];
    total.uncertain += slot[2];
    total.bits_right += slot[3];
    total.bits_uncertain += slot[4];
    total.loss += block.lane_loss[l];
  }
  return total;
}

// The walker's subtrees lane, lane + S, ...; its counts into lane_counts.
template <int H>
CARRY_HOST_DEVICE inline void walk(int lane, const Block<H>& block, const WalkRules& rules) {
  WalkCounts counts;
  const std::uint32_t subtrees = std::uint32_t{1} << (2 * rules.split);
  for (std::uint32_t q = static_cast<std::uint32_t>(lane); q < subtrees;
       q += static_cast<std::uint32_t>(block.threads)) {
    if (rules.may_stop && read_shared(&block.control->settled) != 0) break;
    walk_subtree<H>(lane, q, block, rules, counts);
  }
  store_counts(lane, block, counts);
}

// Lane 0: the walkers' counts, the decision and what the run does next, into `state` and
// block.control->status.
template <int H>
CARRY_HOST_DEVICE inline void decide(const Block<H>& block, const RunDescriptor& run,
                                     const WalkRules& rules, bool walked, bool final,
                                     RunState& state) {
  const WalkCounts total = sum_counts(block);
  const bool complete = walked && block.control->settled == 0;
  state.right = total.right;
  state.wrong = total.wrong;
  state.uncertain = total.uncertain;
  state.complete = complete ? 1 : 0;
  // Every (pair, bit) place was looked at when the walk went below wrong bits or met none.
  state.every_bit = complete && (rules.every_bit || total.wrong == 0) ? 1 : 0;
  state.bits_right = total.bits_right;
  state.bits_uncertain = total.bits_uncertain;
  state.pairs_loss = total.loss;
  state.decision = check_decision(total.right, total.uncertain, complete, run.needed);
  block.control->status = status_after_check(state.decision, total.uncertain, final, run.flags);
}

// The check after step `state.steps_done`: decide (stopping at the first pair that settles a
// failure) or, after the last step, count every pair and every bit, wrong ones included. Returns
// the run's status after it, the same on every thread; lane 0's `state` holds the counts.
template <int H, class Sync>
CARRY_HOST_DEVICE inline std::int32_t check(int lane, const Block<H>& block,
                                            const RunDescriptor& run, RunState& state, Sync& sync) {
  const bool final = state.steps_done == run.max_steps;
  // A check that can never pass (needed beyond every pair) fails without a walk, unless it is the
  // last one, whose counts the run's record reports.
  const std::uint32_t pairs = evaluation_pairs(block.bits);
  const bool walked = final || run.needed <= pairs;
  const WalkRules rules{split_depth(block.bits, block.threads), !final, final,
                        run.needed <= pairs ? pairs - run.needed : 0u, run.margin_floor};
  prepare_walk<H>(lane, block);
  sync.barrier();
  if (walked) {
    walk<H>(lane, block, rules);
  } else {
    store_counts(lane, block, WalkCounts{});
  }
  sync.barrier();
  if (lane == 0) decide<H>(block, run, rules, walked, final, state);
  sync.barrier();
  ++state.checks;
  state.check_loss = state.loss_since_check / static_cast<double>(state.steps_since_check);
  state.loss_since_check = 0.0;
  state.steps_since_check = 0;
  return block.control->status;
}

CARRY_HOST_DEVICE inline bool check_due(const RunDescriptor& run, std::int64_t steps_done) {
  return steps_done == run.max_steps || (run.check_every > 0 && steps_done % run.check_every == 0);
}

// ---- the block --------------------------------------------------------------------------------

// Block `slot` of a launch: run args.active[slot] for up to args.steps steps, or until it stops.
// Every thread of the block calls this with its lane; sync.barrier() is the block's barrier.
template <int H, class Sync>
CARRY_HOST_DEVICE void run_block(const LaunchArgs& args, std::int64_t slot, int lane,
                                 unsigned char* shared, Sync& sync) {
  using Sh = Shape<H>;
  const Block<H> block = Block<H>::at(shared, args.bits, args.threads);
  const std::int32_t index = args.active[slot];
  const RunDescriptor run = args.runs[index];
  float* weights = args.weights + std::int64_t{index} * Sh::kWeights;
  const bool traced =
      slot == 0 && (args.trace.outputs != nullptr || args.trace.operands != nullptr ||
                    args.trace.mean_update != nullptr || args.trace.loss != nullptr ||
                    args.trace.exact != nullptr);
  const StepTrace* trace = traced ? &args.trace : nullptr;

  // Every thread reads the state before the first barrier; lane 0 writes it after the last.
  RunState state = args.states[index];
  if (state.status != kRunning) return;  // the same on every thread
  for (int k = lane; k < Sh::kWeights; k += args.threads) block.weights[k] = weights[k];
  if (lane == 0) block.control->diverged = 0;
  sync.barrier();

  const std::int64_t last =
      state.steps_done + args.steps < run.max_steps ? state.steps_done + args.steps : run.max_steps;
  std::int32_t status = kRunning;
  Thread<H> thread;
  while (status == kRunning && state.steps_done < last) {
    train_step<H>(thread, lane, block, run, static_cast<std::uint64_t>(state.steps_done), trace,
                  sync);
    ++state.steps_done;
    state.last_loss = block.control->step_loss / static_cast<double>(run.batch);
    state.loss_since_check += state.last_loss;
    ++state.steps_since_check;
    if (block.control->diverged != 0) {
      status = kDiverged;
    } else if (check_due(run, state.steps_done)) {
      status = check<H>(lane, block, run, state, sync);
    }
  }
  for (int k = lane; k < Sh::kWeights; k += args.threads) weights[k] = block.weights[k];
  if (lane == 0) {
    state.status = status;
    args.states[index] = state;
  }
}

}  // namespace carry::multi_run
