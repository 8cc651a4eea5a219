// metrics.cu: what the host reads about a run, reduced on the device: a step's loss and
// exact-match count (the kernels, then their launcher), and the weights' largest magnitude. CUB
// and Thrust stay in this file (one compile of their headers): CUB for the step's totals, which
// are captured into the step's graph; Thrust for the largest weight, which runs outside it.
//
// Shapes: B batch, T bits; the layout is src/backends/cuda/device_layout.hpp.
//   L_s     = Σ_t ½(y_t - out_t)²   in double, from the float32 outputs
//   exact_s = 1 when round(out_t) = y_t for every t (out_t > 0.5, as numpy rounds 0.5 down)
// The batch totals are cub::DeviceReduce::Sum calls: CUB documents them as run-to-run
// deterministic on the same GPU for the same input size (fixed tiling, no atomics), and the
// exact-match count is an integer sum, exact in any order. A one-thread kernel then adds the
// step's mean loss to the running sum the host collects at reports, so no step waits for the host.
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/transform_reduce.h>

#include <algorithm>
#include <cub/device/device_reduce.cuh>
#include <stdexcept>

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

// The largest |weight| of W0 | Wh | W1 (W = 2H + H² + H floats), for the divergence guard
// (Trainer::largest_weight_magnitude): one Thrust transform_reduce instead of copying every weight
// to the host. Thrust allocates its temporary storage and waits for the result, so this runs
// outside the captured step graphs (whose sums are CUB's, above); the guard asks at reports,
// between graph replays.
namespace {

struct Magnitude {
  __host__ __device__ float operator()(float value) const { return fabsf(value); }
};

// max, but a NaN on either side wins: one NaN weight makes the result NaN, as on the host
// (largest_magnitude in parameters.hpp). Still associative and commutative, as a reduction needs.
struct MaxKeepingNaN {
  __host__ __device__ float operator()(float a, float b) const { return (a != a || a > b) ? a : b; }
};

}  // namespace

double largest_magnitude_on_device(const float* values, std::int64_t count, cudaStream_t stream) {
  if (count < 1) {
    throw std::invalid_argument("largest_magnitude_on_device: count must be at least 1");
  }
  return thrust::transform_reduce(thrust::cuda::par.on(stream), values, values + count, Magnitude{},
                                  0.0f, MaxKeepingNaN{});
}

}  // namespace carry::cuda
