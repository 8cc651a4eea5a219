// divergence.cpp: see divergence.hpp.
#include "carry/divergence.hpp"

#include <cmath>
#include <cstdio>

namespace carry {

namespace {
std::string number_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3g", value);
  return buffer;
}
}  // namespace

void check_not_diverged(std::int64_t steps_done, double loss, double largest_weight, double lr) {
  std::string what;
  if (!std::isfinite(loss)) {
    what = "the loss is " + number_text(loss);
  } else if (!std::isfinite(largest_weight)) {
    what = "a weight is " + number_text(largest_weight);
  } else if (largest_weight > kLargestUsefulWeight) {
    what = "a weight reached " + number_text(largest_weight) +
           ", past 709.78 where the sigmoid is stuck at 0 or 1";
  } else {
    return;
  }
  throw DivergenceError(steps_done, "training diverged at step " + std::to_string(steps_done) +
                                        ": " + what + "; try a lower --lr (this run used " +
                                        number_text(lr) + ")");
}

}  // namespace carry
