// gpu_probe.hpp: is there a GPU this build of carry can use, and if not, why not.
// Safe to call on any machine: without a driver or device it reports the reason.
#pragma once

#include <string>

namespace carry {

struct GpuStatus {
  bool usable = false;
  std::string description;  // the GPU's name and capability, or why none is usable
};

GpuStatus probe_gpu();

}  // namespace carry
