// layout_gold.hpp: the cuda backend's kernels as plain CPU loops, one function per kernel, on
// the device layout (device_layout.hpp). Templated on the arithmetic type: with double they are
// the gold each kernel is checked against (fed the same float inputs); with float they model the
// float32 backend on the CPU (float32_stepper.hpp). Loops run in the kernels' order.
//
// Optional `*_magnitude` outputs give, per computed element, the sum of the magnitudes of the
// terms that were added up, which is what the float32 error bound (float32_error.hpp) scales.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "device_layout.hpp"

namespace carry::gold {

template <typename Real>
Real sigmoid(Real x) {
  return Real(1) / (Real(1) + std::exp(-x));
}

// Position t of the forward pass for every sample: x_t, h_t = σ(x_t·W0 + h_{t-1}·Wh),
// out_t = σ(h_t·W1). Reads hidden column block t, writes block t + 1, inputs and outputs.
// preactivation_magnitude: H x B, Σ|terms| of each h_t[j]'s sum; logit_magnitude: B.
template <typename Real>
void forward_step(const BatchLayout& L, int t, const std::uint32_t* operands, const Real* weights,
                  Real* hidden, Real* inputs, Real* outputs,
                  Real* preactivation_magnitude = nullptr, Real* logit_magnitude = nullptr) {
  const int H = L.hidden;
  const Real* w0 = weights + L.w0_offset();
  const Real* wh = weights + L.wh_offset();
  const Real* w1 = weights + L.w1_offset();
  for (std::int64_t s = 0; s < L.batch; ++s) {
    const Real x0 = static_cast<Real>(bit_at(operand_a(operands, s), t));
    const Real x1 = static_cast<Real>(bit_at(operand_b(operands, L.batch, s), t));
    inputs[L.input_index(t, s, 0)] = x0;
    inputs[L.input_index(t, s, 1)] = x1;
    Real logit = 0;
    Real logit_terms = 0;
    for (int j = 0; j < H; ++j) {
      Real from_hidden = 0;
      Real terms = std::fabs(x0 * w0[j]) + std::fabs(x1 * w0[H + j]);
      for (int i = 0; i < H; ++i) {
        const Real product = hidden[L.hidden_index(t - 1, s, i)] * wh[i * H + j];
        from_hidden += product;
        terms += std::fabs(product);
      }
      const Real from_input = x0 * w0[j] + x1 * w0[H + j];
      const Real h = sigmoid(from_input + from_hidden);
      hidden[L.hidden_index(t, s, j)] = h;
      logit += h * w1[j];
      logit_terms += std::fabs(h * w1[j]);
      if (preactivation_magnitude) preactivation_magnitude[j * L.batch + s] = terms;
    }
    outputs[L.position(t, s)] = sigmoid(logit);
    if (logit_magnitude) logit_magnitude[s] = logit_terms;
  }
}

// Per-sample loss Σ_t ½(y - out)^2 (in double, as the kernel), all-bits-right flags, and the
// prediction for sample 0.
struct SampleMetrics {
  std::vector<double> loss;          // B
  std::vector<std::uint32_t> exact;  // B
  std::uint64_t first_prediction = 0;
  double loss_sum = 0.0;
  std::uint64_t exact_count = 0;
};

template <typename Real>
SampleMetrics sample_metrics(const BatchLayout& L, const std::uint32_t* operands,
                             const Real* outputs) {
  SampleMetrics m;
  m.loss.resize(static_cast<std::size_t>(L.batch));
  m.exact.resize(static_cast<std::size_t>(L.batch));
  for (std::int64_t s = 0; s < L.batch; ++s) {
    const std::uint32_t a = operand_a(operands, s);
    const std::uint32_t b = operand_b(operands, L.batch, s);
    double loss = 0.0;
    bool exact = true;
    std::uint64_t predicted = 0;
    for (int t = 0; t < L.bits; ++t) {
      const Real out = outputs[L.position(t, s)];
      const int y = target_bit(a, b, t);
      const double error = y - static_cast<double>(out);
      loss += 0.5 * error * error;
      const int bit = out > Real(0.5) ? 1 : 0;
      predicted |= std::uint64_t(bit) << t;
      exact = exact && bit == y;
    }
    m.loss[s] = loss;
    m.exact[s] = exact ? 1u : 0u;
    m.loss_sum += loss;
    m.exact_count += exact ? 1u : 0u;
    if (s == 0) m.first_prediction = predicted;
  }
  return m;
}

// Position t of the backward pass for every sample: e_t, and
// δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t), with δ_T = 0 (t = T - 1 reads no deltas).
// delta_magnitude: H x B, Σ|terms| of each δ_t[i]'s sum.
template <typename Real>
void backward_step(const BatchLayout& L, int t, const std::uint32_t* operands, const Real* weights,
                   const Real* hidden, const Real* outputs, Real* output_deltas, Real* deltas,
                   Real* delta_magnitude = nullptr) {
  const int H = L.hidden;
  const Real* wh = weights + L.wh_offset();
  const Real* w1 = weights + L.w1_offset();
  for (std::int64_t s = 0; s < L.batch; ++s) {
    const Real out = outputs[L.position(t, s)];
    const Real y =
        static_cast<Real>(target_bit(operand_a(operands, s), operand_b(operands, L.batch, s), t));
    const Real e = (y - out) * (out * (Real(1) - out));
    output_deltas[L.position(t, s)] = e;
    for (int i = 0; i < H; ++i) {
      Real from_future = 0;
      Real terms = std::fabs(e * w1[i]);
      if (t + 1 < L.bits) {
        for (int j = 0; j < H; ++j) {
          const Real product = deltas[L.delta_index(t + 1, s, j)] * wh[i * H + j];
          from_future += product;
          terms += std::fabs(product);
        }
      }
      const Real h = hidden[L.hidden_index(t, s, i)];
      deltas[L.delta_index(t, s, i)] = (from_future + e * w1[i]) * (h * (Real(1) - h));
      if (delta_magnitude) delta_magnitude[i * L.batch + s] = terms;
    }
  }
}

// The mean update over the batch (the three GEMMs):
//   W1: (1/B) Σ_k h[j][B + k]·e[k]   Wh: (1/B) Σ_k h[i][k]·δ[j][k]   W0: (1/B) Σ_k x[i][k]·δ[j][k]
// with k = t·B + s over all K positions. update_magnitude: (1/B) Σ_k |terms|, per element.
template <typename Real>
void weight_updates(const BatchLayout& L, const Real* hidden, const Real* inputs,
                    const Real* output_deltas, const Real* deltas, Real* updates,
                    Real* update_magnitude = nullptr) {
  const int H = L.hidden;
  const std::int64_t K = L.positions();
  const std::int64_t ld = L.hidden_columns();
  const Real inverse_batch = Real(1) / static_cast<Real>(L.batch);
  auto dot = [&](const Real* x, const Real* y, int element) {
    Real sum = 0;
    Real terms = 0;
    for (std::int64_t k = 0; k < K; ++k) {
      sum += x[k] * y[k];
      terms += std::fabs(x[k] * y[k]);
    }
    updates[element] = inverse_batch * sum;
    if (update_magnitude) update_magnitude[element] = inverse_batch * terms;
  };
  for (int j = 0; j < H; ++j) {
    for (int i = 0; i < 2; ++i) dot(inputs + i * K, deltas + j * K, L.w0_offset() + i * H + j);
    for (int i = 0; i < H; ++i) dot(hidden + i * ld, deltas + j * K, L.wh_offset() + i * H + j);
    dot(hidden + j * ld + L.batch, output_deltas, L.w1_offset() + j);
  }
}

// SGD: weights += lr · updates.
template <typename Real>
void sgd(int count, Real lr, const Real* updates, Real* weights) {
  for (int k = 0; k < count; ++k) weights[k] += lr * updates[k];
}

}  // namespace carry::gold
