// sgd.cu: the SGD update W += lr · mean update, over W0 | Wh | W1 at once (2H + H² + H floats);
// the kernel, then its launcher. The update is -∂L/∂W (the seed's synapse_*_update), hence +=.
#include "cuda_check.hpp"
#include "kernels.hpp"

namespace carry::cuda {

namespace {

constexpr int kThreadsPerBlock = 256;

__global__ void sgd_kernel(int count, float lr, const float* __restrict__ updates,
                           float* __restrict__ weights) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < count) weights[k] += lr * updates[k];
}

}  // namespace

void launch_sgd(int count, float lr, const float* updates, float* weights, cudaStream_t stream) {
  if (count < 1) throw std::invalid_argument("launch_sgd: count must be at least 1");
  sgd_kernel<<<blocks_for(count, kThreadsPerBlock), kThreadsPerBlock, 0, stream>>>(
      count, lr, updates, weights);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
