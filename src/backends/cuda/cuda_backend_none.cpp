// cuda_backend_none.cpp: the cuda backend of builds without CUDA: it explains why it cannot run.
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"

namespace carry {

bool cuda_backend_built() {
  return false;
}

bool cuda_backend_usable() {
  return false;
}

std::unique_ptr<CudaTrainer> make_cuda_trainer(const TrainConfig&, const Parameters&) {
  throw UserError(
      "--backend cuda: this carry was built without CUDA (configured without nvcc, or with "
      "-DCARRY_ENABLE_CUDA=OFF)");
}

}  // namespace carry
