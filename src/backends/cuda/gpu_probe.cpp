// gpu_probe.cpp: probe_gpu() for CUDA builds (plain C++ against the CUDA runtime; builds without
// CUDA have cuda_backend_none.cpp's). Asks the runtime (which loads the driver itself, so this
// links and starts without one) for a device this build's code can run on.
#include <cuda_runtime_api.h>

#include <string>

#include "carry/gpu_probe.hpp"

namespace carry {

namespace {
// The oldest compute capability this build has code for (machine code or PTX).
constexpr int kOldestCapability = CARRY_OLDEST_CUDA_ARCH;

std::string reason_for(cudaError_t error) {
  switch (error) {
    case cudaErrorInsufficientDriver:
      return "no usable NVIDIA driver (the driver is missing or older than this CUDA runtime)";
    case cudaErrorNoDevice:
      return "no CUDA device found";
    default:
      return std::string("CUDA reports: ") + cudaGetErrorString(error);
  }
}
}  // namespace

GpuStatus probe_gpu() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return GpuStatus{false, reason_for(error)};
  }
  if (count == 0) return GpuStatus{false, reason_for(cudaErrorNoDevice)};
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess) {
    return GpuStatus{false, reason_for(cudaGetLastError())};
  }
  const int capability = properties.major * 10 + properties.minor;
  const std::string name =
      std::string(properties.name) + " (sm_" + std::to_string(capability) + ")";
  if (capability < kOldestCapability) {
    return GpuStatus{false,
                     name + " is older than this build's sm_" + std::to_string(kOldestCapability) +
                         "; rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(capability)};
  }
  return GpuStatus{true, name};
}

}  // namespace carry
