// forward.cu: the forward pass, one launch per bit position t; the kernel, then its launcher.
//
// Shapes: B batch, T bits, H hidden; the layout is src/backends/cuda/device_layout.hpp.
//   h_t   = σ(x_t·W0 + h_{t-1}·Wh)     x_t: 1 x 2, W0: 2 x H, Wh: H x H, h_t: 1 x H
//   out_t = σ(h_t·W1)                  W1: H x 1
// One thread per sample computes all H units of h_t and then out_t, so the output's sum over the
// hidden units needs no cross-thread reduction and runs in a fixed order: deterministic.
// Sample-innermost storage makes every h/x/out access of a warp one coalesced transaction;
// weights are read by all threads of a warp at the same address (a broadcast).
// Napkin math, per sample and position (H = 16): 2H + H² + H = 304 multiply-adds and H + 1 = 17
// exponentials; H² loads of h_{t-1} (from L1 after the first H), H + 3 floats written.
#include "cuda_check.hpp"
#include "device_layout.hpp"
#include "kernels.hpp"

namespace carry::cuda {

namespace {

constexpr int kThreadsPerBlock = 128;

// Accurate expf (no fast-math): at most 2 ulp; see float32_error.hpp.
__device__ float sigmoid(float x) {
  return 1.0f / (1.0f + expf(-x));
}

// operands: 2 x B. weights: W0 | Wh | W1. hidden: H x (T+1)·B, reads block t (h_{t-1}), writes
// block t + 1 (h_t). inputs: 2 x K, writes x_t. outputs: 1 x K, writes out_t.
__global__ void forward_step_kernel(BatchLayout layout, int t,
                                    const std::uint32_t* __restrict__ operands,
                                    const float* __restrict__ weights, float* hidden,
                                    float* __restrict__ inputs, float* __restrict__ outputs) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= layout.batch) return;
  const int H = layout.hidden;
  const float* w0 = weights + layout.w0_offset();
  const float* wh = weights + layout.wh_offset();
  const float* w1 = weights + layout.w1_offset();
  const std::int64_t unit_stride = layout.hidden_columns();
  const float* h_prev = hidden + layout.hidden_index(t - 1, s, 0);  // unit i at i * unit_stride
  float* h_now = hidden + layout.hidden_index(t, s, 0);

  const float x0 = static_cast<float>(bit_at(operand_a(operands, s), t));
  const float x1 = static_cast<float>(bit_at(operand_b(operands, layout.batch, s), t));
  inputs[layout.input_index(t, s, 0)] = x0;
  inputs[layout.input_index(t, s, 1)] = x1;

  float logit = 0.0f;
  for (int j = 0; j < H; ++j) {
    float from_hidden = 0.0f;
    for (int i = 0; i < H; ++i) from_hidden += h_prev[i * unit_stride] * wh[i * H + j];
    const float from_input = x0 * w0[j] + x1 * w0[H + j];
    const float h = sigmoid(from_input + from_hidden);
    h_now[j * unit_stride] = h;
    logit += h * w1[j];
  }
  outputs[layout.position(t, s)] = sigmoid(logit);
}

}  // namespace

void launch_forward_step(const BatchLayout& layout, int t, const std::uint32_t* operands,
                         const float* weights, float* hidden, float* inputs, float* outputs,
                         cudaStream_t stream) {
  check_position(layout, t, "launch_forward_step");
  forward_step_kernel<<<blocks_for(layout.batch, kThreadsPerBlock), kThreadsPerBlock, 0, stream>>>(
      layout, t, operands, weights, hidden, inputs, outputs);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
