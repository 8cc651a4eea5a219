// cuda_backend_none.cpp: the cuda backend of builds without CUDA (no nvcc, or
// -DCARRY_ENABLE_CUDA=OFF): no GPU is usable, and it explains why it cannot run. Its planning
// code (device_layout.cpp, fused_plan.cpp) is built either way.
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/gpu_probe.hpp"

namespace carry {

GpuStatus probe_gpu() {
  return GpuStatus{false, "this carry was built without CUDA"};
}

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
