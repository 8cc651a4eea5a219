// gpu_probe_none.cpp: probe_gpu() for builds without CUDA (no nvcc, or CARRY_ENABLE_CUDA=OFF).
#include "carry/gpu_probe.hpp"

namespace carry {

GpuStatus probe_gpu() {
  return GpuStatus{false, "this carry was built without CUDA"};
}

}  // namespace carry
