// kernels.hpp: the host launchers of the cuda backend's kernels (kernels/*.cu) and of its cuBLAS
// GEMMs (weight_updates.cpp). Every pointer is device memory in the layout of device_layout.hpp
// (B batch, T bits, H hidden, K = T·B). Each launcher checks its arguments (std::invalid_argument)
// and the launch (DeviceError), and returns without waiting for the GPU.
#pragma once

#include <cublas_api.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "carry/config.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"

namespace carry::cuda {

// The launchers' argument checks.
inline void check_layout(const BatchLayout& layout, const char* launcher) {
  if (layout.bits < kMinBits || layout.bits > kMaxEncodedBits || layout.hidden < 1 ||
      layout.batch < 1 || layout.batch > kMaxBatch) {
    throw std::invalid_argument(
        std::string(launcher) + ": bad layout (T " + std::to_string(layout.bits) + ", H " +
        std::to_string(layout.hidden) + ", B " + std::to_string(layout.batch) + ")");
  }
}
inline void check_position(const BatchLayout& layout, int t, const char* launcher) {
  check_layout(layout, launcher);
  if (t < 0 || t >= layout.bits) {
    throw std::invalid_argument(std::string(launcher) + ": position " + std::to_string(t) +
                                " is outside 0.." + std::to_string(layout.bits - 1));
  }
}
// Blocks of `threads` covering the batch, one thread per sample (B <= 2^26, far below the limit).
inline unsigned blocks_for(std::int64_t batch, int threads) {
  return static_cast<unsigned>((batch + threads - 1) / threads);
}

// kernels/forward.cu: position t for every sample: inputs x_t, h_t = σ(x_t·W0 + h_{t-1}·Wh) into
// hidden column block t + 1 (reading block t), out_t = σ(h_t·W1).
void launch_forward_step(const BatchLayout& layout, int t, const std::uint32_t* operands,
                         const float* weights, float* hidden, float* inputs, float* outputs,
                         cudaStream_t stream);

// kernels/backward.cu: position t for every sample: e_t from out_t and y_t, and
// δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t) (δ_T = 0: t = T - 1 reads no deltas).
// Run for t = T - 1 down to 0.
void launch_backward_step(const BatchLayout& layout, int t, const std::uint32_t* operands,
                          const float* weights, const float* hidden, const float* outputs,
                          float* output_deltas, float* deltas, cudaStream_t stream);

// kernels/metrics.cu: scratch bytes launch_step_metrics needs for a batch of this size.
std::size_t step_metrics_scratch_bytes(std::int64_t batch);

// kernels/metrics.cu: per-sample loss Σ_t ½(y - out)^2 (double) and all-bits-right flags, the
// prediction for sample 0, their batch totals (CUB, deterministic), and the running sums the
// host collects: totals->pending_mean_loss_sum += loss total / B, ++pending_steps.
void launch_step_metrics(const BatchLayout& layout, const std::uint32_t* operands,
                         const float* outputs, double* sample_loss, std::uint32_t* sample_exact,
                         void* scratch, std::size_t scratch_bytes, StepTotals* totals,
                         cudaStream_t stream);

// kernels/sgd.cu: weights[k] += lr · updates[k] for k < count.
void launch_sgd(int count, float lr, const float* updates, float* weights, cudaStream_t stream);

// kernels/metrics.cu: max |values[k]| over k < count, NaN when a value is NaN, infinity
// when one is infinite; one Thrust reduction on `stream`, which waits for the result. Not for
// captured graphs (Thrust allocates and synchronises).
double largest_magnitude_on_device(const float* values, std::int64_t count, cudaStream_t stream);

// weight_updates.cpp: the mean update (1/B) Σ over all K positions, as three GEMMs on the
// handle's stream: W0 from inputs and deltas, Wh from hidden (h_{t-1}) and deltas, W1 from
// hidden (h_t) and output_deltas. `updates` is laid out as the weights.
void enqueue_weight_updates(cublasHandle_t handle, const BatchLayout& layout, const float* hidden,
                            const float* inputs, const float* output_deltas, const float* deltas,
                            float* updates);

// kernels/fused_step_v1.cu, fused_step_v2.cu: the fused step (fused_plan.hpp for the launch).
struct FusedStepArguments {
  FusedLaunch launch;  // fused_launch(B, H) for v1, fused_v2_launch(B, H, T) for v2
  std::uint64_t seed = 0;
  const std::uint64_t* step_number = nullptr;  // device memory: the step to run
  const float* weights = nullptr;              // W0 | Wh | W1
  float* slots = nullptr;                      // blocks x W partial sums
  double* slot_loss = nullptr;                 // blocks
  unsigned long long* slot_exact = nullptr;    // blocks
  float* outputs = nullptr;                    // T x B, or null
  StepTotals* totals = nullptr;                // first_prediction
};

// Generates the batch on the device, forward, backward and the block's partial update, for
// H in {8, 16, 32, 64}, T in {2, 4, 8, 16, 32}; throws std::invalid_argument otherwise.
void launch_fused_step_v1(int hidden, int bits, const FusedStepArguments& args,
                          cudaStream_t stream);

// v2 (fused_step_v2.cu, fused_v2_block.hpp), for the (H, T) of fused_v2_supported; throws
// std::invalid_argument otherwise. prepare_fused_step_v2 sets the kernel's shared-memory limit:
// call it once before the first launch (and before capturing one into a graph).
void prepare_fused_step_v2(int hidden, int bits);
void launch_fused_step_v2(int hidden, int bits, const FusedStepArguments& args,
                          cudaStream_t stream);

// The fused step kernels as function pointers, for cudaFuncGetAttributes and the occupancy
// calculator (launch_costs.cu); null for an (H, T) the version has no kernel for. v2's needs
// prepare_fused_step_v2 first.
const void* fused_step_v1_kernel_pointer(int hidden, int bits);
const void* fused_step_v2_kernel_pointer(int hidden, int bits);

// Sums the slots in block order into updates (the mean update), weights += lr · updates when
// `apply`, and the loss and exact totals as launch_step_metrics does.
void launch_fused_reduce(int hidden, const FusedLaunch& launch, float lr, bool apply,
                         const float* slots, const double* slot_loss,
                         const unsigned long long* slot_exact, float* updates, float* weights,
                         StepTotals* totals, cudaStream_t stream);

// The device's batch of step `step` (2 x B, as encode_batch), made by the fused kernel's code.
void launch_fused_generate_batch(std::uint64_t seed, std::uint64_t step, int bits,
                                 std::int64_t batch, std::uint32_t* operands, cudaStream_t stream);

}  // namespace carry::cuda
