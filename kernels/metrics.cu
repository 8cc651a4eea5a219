// metrics.cu: the loss and exact-match count of a step, reduced on the device; the kernels, then
// the launchers. CUB stays in this file.
//
// Shapes: B batch, T bits; the layout is src/backends/cuda/device_layout.hpp.
//   L_s     = Σ_t ½(y_t - out_t)²   in double, from the float32 outputs
//   exact_s = 1 when round(out_t) = y_t for every t (out_t > 0.5, as numpy rounds 0.5 down)
// The batch totals are cub::DeviceReduce::Sum calls: CUB documents them as run-to-run
// deterministic on the same GPU for the same input size (fixed tiling, no atomics), and the
// exact-match count is an integer sum, exact in any order. A one-thread kernel then adds the
// step's mean loss to the running sum the host collects at reports, so no step waits for the host.
#include <cub/device/device_reduce.cuh>

#include <algorithm>

#include "cuda_check.hpp"
#include "device_layout.hpp"
#include "kernels.hpp"

namespace carry::cuda {

namespace {

constexpr int kThreadsPerBlock = 128;

// outputs: 1 x K. Writes sample_loss[s], sample_exact[s], and totals->first_prediction (s = 0).
__global__ void sample_metrics_kernel(BatchLayout layout,
                                      const std::uint32_t* __restrict__ operands,
                                      const float* __restrict__ outputs,
                                      double* __restrict__ sample_loss,
                                      std::uint32_t* __restrict__ sample_exact,
                                      StepTotals* __restrict__ totals) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= layout.batch) return;
  const std::uint32_t a = operand_a(operands, s);
  const std::uint32_t b = operand_b(operands, layout.batch, s);
  double loss = 0.0;
  bool exact = true;
  unsigned long long predicted = 0;
  for (int t = 0; t < layout.bits; ++t) {
    const float out = outputs[layout.position(t, s)];
    const int y = target_bit(a, b, t);
    const double error = y - static_cast<double>(out);
    loss += 0.5 * error * error;
    const int bit = out > 0.5f ? 1 : 0;
    predicted |= static_cast<unsigned long long>(bit) << t;
    exact = exact && bit == y;
  }
  sample_loss[s] = loss;
  sample_exact[s] = exact ? 1u : 0u;
  if (s == 0) totals->first_prediction = predicted;
}

// One thread: the step's mean loss joins the sums the host collects.
__global__ void accumulate_totals_kernel(std::int64_t batch, StepTotals* totals) {
  totals->pending_mean_loss_sum += totals->step_loss_sum / static_cast<double>(batch);
  totals->pending_steps += 1;
}

}  // namespace

std::size_t step_metrics_scratch_bytes(std::int64_t batch) {
  check_layout(BatchLayout{kMinBits, 1, batch}, "step_metrics_scratch_bytes");
  const int items = static_cast<int>(batch);  // B <= 2^26
  std::size_t loss_bytes = 0;
  std::size_t exact_bytes = 0;
  CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, loss_bytes, static_cast<const double*>(nullptr),
                                    static_cast<double*>(nullptr), items));
  CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, exact_bytes,
                                    static_cast<const std::uint32_t*>(nullptr),
                                    static_cast<unsigned long long*>(nullptr), items));
  return std::max(loss_bytes, exact_bytes);
}

void launch_step_metrics(const BatchLayout& layout, const std::uint32_t* operands,
                         const float* outputs, double* sample_loss, std::uint32_t* sample_exact,
                         void* scratch, std::size_t scratch_bytes, StepTotals* totals,
                         cudaStream_t stream) {
  check_layout(layout, "launch_step_metrics");
  const std::size_t needed = step_metrics_scratch_bytes(layout.batch);
  if (scratch == nullptr || scratch_bytes < needed) {
    throw std::invalid_argument("launch_step_metrics: scratch needs " + std::to_string(needed) +
                                " bytes, got " + std::to_string(scratch_bytes));
  }
  sample_metrics_kernel<<<blocks_for(layout.batch, kThreadsPerBlock), kThreadsPerBlock, 0,
                          stream>>>(layout, operands, outputs, sample_loss, sample_exact, totals);
  CUDA_CHECK(cudaGetLastError());
  const int items = static_cast<int>(layout.batch);
  std::size_t bytes = scratch_bytes;
  CUDA_CHECK(
      cub::DeviceReduce::Sum(scratch, bytes, sample_loss, &totals->step_loss_sum, items, stream));
  bytes = scratch_bytes;
  CUDA_CHECK(
      cub::DeviceReduce::Sum(scratch, bytes, sample_exact, &totals->step_exact, items, stream));
  accumulate_totals_kernel<<<1, 1, 0, stream>>>(layout.batch, totals);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
