// fused_v2_block.hpp: the program of one block of the fused v2 kernel, cut into the phases that
// lie between its barriers. kernels/fused_step_v2.cu runs each phase on every thread with
// __syncthreads() between them; the CPU tests run the same phases thread after thread
// (tests/backends/cuda/fused_v2_model.hpp), which is what a barrier guarantees, so the kernel's
// arithmetic, indexing and summation order are checked against the float64 reference without a GPU.
//
// Shapes: H hidden, T bits, S threads = samples per tile (fused_v2_threads), W weights; the shared
// memory layout is fused_v2_shared_layout (fused_plan.hpp). Per block:
//   load_weights                                         barrier
//   for each round (one tile of S samples):
//     begin_round, forward (each thread its own sample: h_t rows written to the history)
//     for t = T-1 .. 0:
//       backward_position (δ_t, e_t of the thread's sample into stage t mod 2)   barrier
//       update_position (the tile's terms of position t added to the thread's 8 x 8 tile)
//     barrier (the history, stage and operands are rewritten by the next round)
//   stash (partial sums into shared memory)              barrier
//   block_sum (slot b = Σ over the groups, in group order)
// Per sample, as the chain (forward.cu, backward.cu):
//   h_t = σ(x_t·W0 + h_{t-1}·Wh), out_t = σ(h_t·W1), e_t = (y_t - out_t)·out_t·(1 - out_t),
//   δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t); ΔW0 += x_tᵀδ_t, ΔWh += h_{t-1}ᵀδ_t,
//   ΔW1 += h_tᵀe_t. Accurate expf (2 ulp on the GPU) as the chain, so its tolerances apply.
#pragma once

#include <cmath>
#include <cstdint>

#include "carry/host_device.hpp"
#include "carry/problem.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "fused_sample.hpp"

namespace carry::fused_v2 {

template <int H, int T>
struct Shape {
  static constexpr int kThreads = fused_v2_threads(H, T);  // S
  static constexpr int kStride = fused_v2_row_stride(H);   // floats per history / stage row
  static constexpr int kTileRows = fused_v2_tile_rows(H);  // R: the update is R x R tiles
  static constexpr int kTiles = fused_v2_tiles(H);         // N
  static constexpr int kGroups = kThreads / kTiles;        // threads sharing one tile
  static constexpr int kWeights = fused_weight_count(H);
  static constexpr int kWidth = kFusedV2TileWidth;
  static constexpr int kPartials = kFusedV2PartialsPerThread;
  static_assert(kThreads > 0, "no v2 kernel for this (H, T)");
  static_assert(kThreads % kTiles == 0 && kThreads % 32 == 0, "whole warps, whole groups");
};

// Pointers into the block's shared memory (fused_v2_shared_layout).
template <int H, int T>
struct Block {
  using S = Shape<H, T>;
  float* weights;
  float* history;  // T x S rows; later the stash
  float* stage;    // 2 x S rows
  std::uint32_t* operands;
  double* loss;
  unsigned long long* exact;

  CARRY_HOST_DEVICE static Block at(unsigned char* base) {
    constexpr FusedV2SharedLayout layout = fused_v2_shared_layout(H, T, S::kThreads);
    return Block{reinterpret_cast<float*>(base + layout.weights),
                 reinterpret_cast<float*>(base + layout.history),
                 reinterpret_cast<float*>(base + layout.stage),
                 reinterpret_cast<std::uint32_t*>(base + layout.operands),
                 reinterpret_cast<double*>(base + layout.loss),
                 reinterpret_cast<unsigned long long*>(base + layout.exact)};
  }
  // Position-major: the block's reads at one position t walk consecutive rows, which the
  // row padding spreads over the banks (sample-major rows T·(H + 4) floats apart would all start
  // in the same bank).
  CARRY_HOST_DEVICE float* history_row(int sample, int t) const {
    return history + (t * S::kThreads + sample) * S::kStride;
  }
  CARRY_HOST_DEVICE float* stage_row(int t, int sample) const {
    return stage + ((t & 1) * S::kThreads + sample) * S::kStride;
  }
  CARRY_HOST_DEVICE float* stash_row(int lane) const { return history + lane * S::kPartials; }
  CARRY_HOST_DEVICE const float* w0() const { return weights; }
  CARRY_HOST_DEVICE const float* wh() const { return weights + 2 * H; }
  CARRY_HOST_DEVICE const float* w1() const { return weights + 2 * H + H * H; }
};

// What one thread keeps in registers across the phases.
template <int H>
using Thread = fused::SampleThread<H, kFusedV2TileWidth>;
using fused::clear;

template <int H, int T>
CARRY_HOST_DEVICE inline void load_weights(int lane, const float* weights,
                                           const Block<H, T>& block) {
  for (int k = lane; k < Shape<H, T>::kWeights; k += Shape<H, T>::kThreads) {
    block.weights[k] = weights[k];
  }
}

// The thread's sample of this round, its operands (also into shared memory, for the update).
template <int H, int T>
CARRY_HOST_DEVICE inline void begin_round(Thread<H>& thread, int lane, const FusedLaunch& launch,
                                          std::int64_t block_index, std::int64_t round,
                                          std::uint64_t seed, std::uint64_t step,
                                          const Block<H, T>& block) {
  thread.sample = launch.sample(block_index, lane, round);
  thread.active = thread.sample < launch.batch;
  thread.a = 0;
  thread.b = 0;
  if (thread.active) fused_operands(seed, step, thread.sample, T, &thread.a, &thread.b);
  block.operands[lane] = thread.a;
  block.operands[Shape<H, T>::kThreads + lane] = thread.b;
  CARRY_UNROLL
  for (int j = 0; j < H; ++j) thread.delta_next[j] = 0.0f;
}

// h_0 .. h_{T-1} and out_t of the thread's sample into its history rows; its loss and exact
// match; out_t into outputs (T x B) unless null; sample 0's answer into *first_prediction.
template <int H, int T>
CARRY_HOST_DEVICE inline void forward(Thread<H>& thread, int lane, const Block<H, T>& block,
                                      std::int64_t batch, float* outputs,
                                      unsigned long long* first_prediction) {
  if (!thread.active) return;
  bool all_right = true;
  const unsigned long long predicted = fused::forward_sample<H>(
      thread.a, thread.b, T, block.w0(), block.wh(), block.w1(),
      [&](int t) { return block.history_row(lane, t); }, thread.loss, all_right);
  if (outputs != nullptr) {
    for (int t = 0; t < T; ++t) outputs[t * batch + thread.sample] = block.history_row(lane, t)[H];
  }
  thread.exact += all_right ? 1 : 0;
  if (thread.sample == 0 && first_prediction != nullptr) *first_prediction = predicted;
}

// δ_t and e_t of the thread's sample into stage row (t mod 2, lane); δ_t becomes δ_{t+1} of t-1.
template <int H, int T>
CARRY_HOST_DEVICE inline void backward_position(Thread<H>& thread, int lane, int t,
                                                const Block<H, T>& block) {
  if (!thread.active) return;  // an inactive lane's stage row is never read
  fused::backward_position<H>(thread.a, thread.b, t, block.wh(), block.w1(),
                              block.history_row(lane, t), thread.delta_next,
                              block.stage_row(t, lane));
}

// Position t's terms of the tile's first `samples` samples added to the thread's update tile:
// tile l mod N, samples k = l / N, l / N + G, ... in increasing order (G = S / N groups).
template <int H, int T>
CARRY_HOST_DEVICE inline void update_position(Thread<H>& thread, int lane, int t, int samples,
                                              const Block<H, T>& block) {
  using S = Shape<H, T>;
  constexpr int width = S::kWidth;
  const int tile = lane % S::kTiles;
  const int tile_row = tile / S::kTileRows;
  const int tile_column = tile % S::kTileRows;
  const bool owns_w0 = tile_row == 0;
  const bool owns_w1 = tile_row == S::kTileRows - 1;
  CARRY_NO_UNROLL
  for (int k = lane / S::kTiles; k < samples; k += S::kGroups) {
    const float* stage = block.stage_row(t, k);
    fused::add_terms(thread.tile, stage + tile_column * width,
                     t > 0 ? block.history_row(k, t - 1) + tile_row * width : nullptr, owns_w0,
                     static_cast<float>(bit_at(block.operands[k], t)),
                     static_cast<float>(bit_at(block.operands[S::kThreads + k], t)), owns_w1,
                     block.history_row(k, t) + tile_column * width, stage[H]);
  }
}

// The thread's partial sums and totals into shared memory (over the history: every round is done).
template <int H, int T>
CARRY_HOST_DEVICE inline void stash(const Thread<H>& thread, int lane, const Block<H, T>& block) {
  fused::stash(thread.tile, block.stash_row(lane));
  block.loss[lane] = thread.loss;
  block.exact[lane] = thread.exact;
}

// The block's partial update into slot (W floats): weight w sums its tile's partials over the
// groups 0 .. G-1 in order; lane 0 sums the loss and exact counts in lane order.
template <int H, int T>
CARRY_HOST_DEVICE inline void block_sum(int lane, const Block<H, T>& block, float* slot,
                                        double* slot_loss, unsigned long long* slot_exact) {
  using S = Shape<H, T>;
  for (int w = lane; w < S::kWeights; w += S::kThreads) {
    const FusedV2StashPosition position = fused_v2_stash_position(H, w);
    float sum = 0.0f;
    for (int group = 0; group < S::kGroups; ++group) {
      sum += block.stash_row(group * S::kTiles + position.tile)[position.index];
    }
    slot[w] = sum;
  }
  if (lane == 0) {
    double loss = 0.0;
    unsigned long long exact = 0;
    for (int l = 0; l < S::kThreads; ++l) {
      loss += block.loss[l];
      exact += block.exact[l];
    }
    *slot_loss = loss;
    *slot_exact = exact;
  }
}

}  // namespace carry::fused_v2
