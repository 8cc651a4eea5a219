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

namespace {
[[noreturn]] void throw_diverged(std::int64_t steps_done, const std::string& what, double lr) {
  throw DivergenceError(steps_done, "training diverged at step " + std::to_string(steps_done) +
                                        ": " + what + "; try a lower --lr (this run used " +
                                        number_text(lr) + ")");
}
}  // namespace

void check_not_diverged(std::int64_t steps_done, double loss, double largest_weight, double lr) {
  if (!std::isfinite(loss)) throw_diverged(steps_done, "the loss is " + number_text(loss), lr);
  check_weights_not_diverged(steps_done, largest_weight, lr);
}

void check_weights_not_diverged(std::int64_t steps_done, double largest_weight, double lr) {
  if (!std::isfinite(largest_weight)) {
    throw_diverged(steps_done, "a weight is " + number_text(largest_weight), lr);
  }
  if (largest_weight > kLargestUsefulWeight) {
    throw_diverged(steps_done,
                   "a weight reached " + number_text(largest_weight) +
                       ", past 709.78 where the sigmoid is stuck at 0 or 1",
                   lr);
  }
}

}  // namespace carry
