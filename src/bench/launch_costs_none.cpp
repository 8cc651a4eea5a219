// launch_costs_none.cpp: measure_launch_costs in builds without CUDA: it explains why it cannot.
#include <string>

#include "carry/errors.hpp"
#include "carry/launch_costs.hpp"

namespace carry {

LaunchCosts measure_launch_costs(int repeats) {
  if (repeats < 1 || repeats > kMaxLaunchRepeats) {
    throw UserError("--repeats must be between 1 and " + std::to_string(kMaxLaunchRepeats));
  }
  throw UserError(
      "carry time-launch needs the cuda backend, and this carry was built without CUDA "
      "(configured without nvcc, or with -DCARRY_ENABLE_CUDA=OFF)");
}

}  // namespace carry
