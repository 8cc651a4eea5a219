// fused_sample.hpp: the arithmetic of one sample that the fused v2 block program
// (fused_v2_block.hpp) and the multi-run block program (src/backends/cuda/multi_run_block.hpp)
// share: its forward pass over all positions, one position of its backward pass, and one position's
// terms of a sample added to a thread's w x w tile of the weight update. Plain loops over
// compile-time H and w, unrolled on the GPU; g++ compiles the same code for the CPU models of both
// kernels.
//
// Shapes: H hidden, T bits; a history row holds h_t (H floats) and out_t at column H; a stage
// row δ_t (H floats) and e_t at column H. Per sample, as the chain kernels:
//   h_t = σ(x_t·W0 + h_{t-1}·Wh), out_t = σ(h_t·W1), e_t = (y_t - out_t)·out_t·(1 - out_t),
//   δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t); ΔW0 += x_tᵀδ_t, ΔWh += h_{t-1}ᵀδ_t,
//   ΔW1 += h_tᵀe_t. Accurate expf (2 ulp on the GPU), so `carry verify`'s tolerances apply.
#pragma once

#include <cmath>
#include <cstdint>

#include "carry/host_device.hpp"
#include "carry/problem.hpp"
#include "device_layout.hpp"

namespace carry::fused {

CARRY_HOST_DEVICE inline float sigmoid(float x) {
  return 1.0f / (1.0f + expf(-x));
}

// h_0 .. h_{T-1} and out_t of the sample (a, b) into row(t) (weights W0 | Wh | W1 as w0, wh, w1);
// Σ_t ½(y_t - out_t)² added to `loss`. Returns the predicted sum (bit t = out_t > 0.5) and sets
// `all_right` when every bit is right.
template <int H, typename Row>
CARRY_HOST_DEVICE inline unsigned long long forward_sample(std::uint32_t a, std::uint32_t b,
                                                           int bits, const float* w0,
                                                           const float* wh, const float* w1,
                                                           Row&& row, double& loss,
                                                           bool& all_right) {
  float h[H] = {};  // h_{-1}
  unsigned long long predicted = 0;
  all_right = true;
  CARRY_NO_UNROLL
  for (int t = 0; t < bits; ++t) {
    const float x0 = static_cast<float>(bit_at(a, t));
    const float x1 = static_cast<float>(bit_at(b, t));
    float z[H];
    CARRY_UNROLL
    for (int j = 0; j < H; ++j) z[j] = x0 * w0[j] + x1 * w0[H + j];
    if (t > 0) {  // h_{-1} = 0 adds nothing
      CARRY_UNROLL
      for (int i = 0; i < H; ++i) {
        const float hi = h[i];
        const float* weights = wh + i * H;  // the same address on every thread: a broadcast
        CARRY_UNROLL
        for (int j = 0; j < H; ++j) z[j] += hi * weights[j];
      }
    }
    float* history = row(t);
    float logit = 0.0f;
    CARRY_UNROLL
    for (int j = 0; j < H; ++j) {
      h[j] = sigmoid(z[j]);
      history[j] = h[j];
      logit += h[j] * w1[j];
    }
    const float out = sigmoid(logit);
    history[H] = out;
    const int y = target_bit(a, b, t);
    const double error = y - static_cast<double>(out);
    loss += 0.5 * error * error;
    const int bit = out > 0.5f ? 1 : 0;
    predicted |= static_cast<unsigned long long>(bit) << t;
    all_right = all_right && bit == y;
  }
  return predicted;
}

// δ_t and e_t of the sample (a, b) into `stage`, from its history row of position t and
// δ_{t+1} in delta_next (zero at t = T - 1), which becomes δ_t.
template <int H>
CARRY_HOST_DEVICE inline void backward_position(std::uint32_t a, std::uint32_t b, int t,
                                                const float* wh, const float* w1,
                                                const float* history, float* delta_next,
                                                float* stage) {
  const float out = history[H];
  const float y = static_cast<float>(target_bit(a, b, t));
  const float e = (y - out) * (out * (1.0f - out));
  float delta[H];
  CARRY_UNROLL
  for (int i = 0; i < H; ++i) {
    const float* weights = wh + i * H;  // broadcast
    float from_future = 0.0f;
    CARRY_UNROLL
    for (int j = 0; j < H; ++j) from_future += delta_next[j] * weights[j];
    const float h = history[i];
    delta[i] = (from_future + e * w1[i]) * (h * (1.0f - h));
  }
  CARRY_UNROLL
  for (int i = 0; i < H; ++i) {
    stage[i] = delta[i];
    delta_next[i] = delta[i];
  }
  stage[H] = e;
}

// A thread's partial sums of the update: a w x w tile of ΔWh, the W0 rows of its columns, the W1
// entries of its columns.
template <int W>
struct UpdateTile {
  float wh[W][W];
  float w0[2][W];
  float w1[W];
};

template <int W>
CARRY_HOST_DEVICE inline void clear(UpdateTile<W>& tile) {
  CARRY_UNROLL
  for (int r = 0; r < W; ++r) {
    CARRY_UNROLL
    for (int c = 0; c < W; ++c) tile.wh[r][c] = 0.0f;
  }
  CARRY_UNROLL
  for (int c = 0; c < W; ++c) {
    tile.w0[0][c] = 0.0f;
    tile.w0[1][c] = 0.0f;
    tile.w1[c] = 0.0f;
  }
}

// One sample's terms of position t: delta = δ_t of the tile's columns; previous = h_{t-1} of its
// rows, null at t = 0 (h_{-1} = 0); x0, x1 = x_t when the tile owns W0's rows; now = h_t of its
// columns and e = e_t when it owns W1's entries.
template <int W>
CARRY_HOST_DEVICE inline void add_terms(UpdateTile<W>& tile, const float* delta_columns,
                                        const float* previous, bool owns_w0, float x0, float x1,
                                        bool owns_w1, const float* now, float e) {
  float delta[W];
  CARRY_UNROLL
  for (int c = 0; c < W; ++c) delta[c] = delta_columns[c];
  if (previous != nullptr) {  // ΔWh += h_{t-1}ᵀ δ_t
    CARRY_UNROLL
    for (int r = 0; r < W; ++r) {
      const float hr = previous[r];
      CARRY_UNROLL
      for (int c = 0; c < W; ++c) tile.wh[r][c] += hr * delta[c];
    }
  }
  if (owns_w0) {  // ΔW0 += x_tᵀ δ_t
    CARRY_UNROLL
    for (int c = 0; c < W; ++c) {
      tile.w0[0][c] += x0 * delta[c];
      tile.w0[1][c] += x1 * delta[c];
    }
  }
  if (owns_w1) {  // ΔW1 += h_tᵀ e_t
    CARRY_UNROLL
    for (int c = 0; c < W; ++c) tile.w1[c] += now[c] * e;
  }
}

// What a thread of a fused block program keeps in registers through a step: its tile of the
// update (w x w), δ_{t+1} of its sample, the loss and exact matches of its samples, and the
// sample of the current round.
template <int H, int W>
struct SampleThread {
  UpdateTile<W> tile;
  float delta_next[H];
  double loss;               // Σ_s Σ_t ½(y - out)² of its samples
  unsigned long long exact;  // of its samples, all T bits right
  std::int64_t sample;       // of the current round
  bool active;               // sample < B
  std::uint32_t a;
  std::uint32_t b;
};

// A step's sums start from zero.
template <int H, int W>
CARRY_HOST_DEVICE inline void clear(SampleThread<H, W>& thread) {
  clear(thread.tile);
  thread.loss = 0.0;
  thread.exact = 0;
}

// The tile into `row`: ΔWh row-major (W² floats), then W0's two rows, then W1 (W² + 3W floats).
template <int W>
CARRY_HOST_DEVICE inline void stash(const UpdateTile<W>& tile, float* row) {
  CARRY_UNROLL
  for (int r = 0; r < W; ++r) {
    CARRY_UNROLL
    for (int c = 0; c < W; ++c) row[r * W + c] = tile.wh[r][c];
  }
  CARRY_UNROLL
  for (int c = 0; c < W; ++c) {
    row[W * W + c] = tile.w0[0][c];
    row[W * W + W + c] = tile.w0[1][c];
    row[W * W + 2 * W + c] = tile.w1[c];
  }
}

}  // namespace carry::fused
