// weight_magnitude.cu: the largest |weight| of W0 | Wh | W1 (W = 2H + H² + H floats) on the
// device, for the divergence guard (Trainer::largest_weight_magnitude), with Thrust: one
// transform_reduce instead of copying every weight to the host. Thrust allocates its temporary
// storage and waits for the result, so this runs outside the captured step graphs (whose sums are
// CUB's: metrics.cu); the guard asks at reports, between graph replays.
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/transform_reduce.h>

#include <stdexcept>

#include "cuda_check.hpp"
#include "kernels.hpp"

namespace carry::cuda {

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
  if (count < 1)
    throw std::invalid_argument("largest_magnitude_on_device: count must be at least 1");
  return thrust::transform_reduce(thrust::cuda::par.on(stream), values, values + count, Magnitude{},
                                  0.0f, MaxKeepingNaN{});
}

}  // namespace carry::cuda
