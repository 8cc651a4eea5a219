// backward.cu: backpropagation through time, one launch per bit position, t = T - 1 down to 0;
// the kernel, then its launcher.
//
// Shapes: B batch, T bits, H hidden; the layout is src/backends/cuda/device_layout.hpp.
//   e_t = (y_t - out_t)·out_t·(1 - out_t)                          output delta, scalar
//   δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t)     δ_T = 0     1 x H
// Both are the negative gradient's direction (the seed's convention): the weight updates built
// from them in weight_updates.cpp are -∂L/∂W. One thread per sample, sums in a fixed order.
// Napkin math, per sample and position (H = 16): H² + H = 272 multiply-adds, H² loads of
// δ_{t+1} (L1 after the first H), H + 1 floats written.
#include "cuda_check.hpp"
#include "device_layout.hpp"
#include "kernels.hpp"

namespace carry::cuda {

namespace {

constexpr int kThreadsPerBlock = 128;

// operands: 2 x B. weights: W0 | Wh | W1. hidden: H x (T+1)·B (reads h_t). outputs: 1 x K
// (reads out_t). output_deltas: 1 x K (writes e_t). deltas: H x K (reads δ_{t+1}, writes δ_t).
__global__ void backward_step_kernel(BatchLayout layout, int t,
                                     const std::uint32_t* __restrict__ operands,
                                     const float* __restrict__ weights,
                                     const float* __restrict__ hidden,
                                     const float* __restrict__ outputs,
                                     float* __restrict__ output_deltas, float* deltas) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= layout.batch) return;
  const int H = layout.hidden;
  const float* wh = weights + layout.wh_offset();
  const float* w1 = weights + layout.w1_offset();
  const std::int64_t unit_stride = layout.positions();  // between units of deltas
  const std::int64_t hidden_stride = layout.hidden_columns();
  const float* h_now = hidden + layout.hidden_index(t, s, 0);
  float* delta_now = deltas + layout.delta_index(t, s, 0);
  const bool has_future = t + 1 < layout.bits;
  const float* delta_next = has_future ? deltas + layout.delta_index(t + 1, s, 0) : nullptr;

  const float out = outputs[layout.position(t, s)];
  const float y = static_cast<float>(
      target_bit(operand_a(operands, s), operand_b(operands, layout.batch, s), t));
  const float e = (y - out) * (out * (1.0f - out));
  output_deltas[layout.position(t, s)] = e;

  for (int i = 0; i < H; ++i) {
    float from_future = 0.0f;
    if (has_future) {
      for (int j = 0; j < H; ++j) from_future += delta_next[j * unit_stride] * wh[i * H + j];
    }
    const float h = h_now[i * hidden_stride];
    delta_now[i * unit_stride] = (from_future + e * w1[i]) * (h * (1.0f - h));
  }
}

}  // namespace

void launch_backward_step(const BatchLayout& layout, int t, const std::uint32_t* operands,
                          const float* weights, const float* hidden, const float* outputs,
                          float* output_deltas, float* deltas, cudaStream_t stream) {
  check_position(layout, t, "launch_backward_step");
  backward_step_kernel<<<blocks_for(layout.batch, kThreadsPerBlock), kThreadsPerBlock, 0, stream>>>(
      layout, t, operands, weights, hidden, outputs, output_deltas, deltas);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
