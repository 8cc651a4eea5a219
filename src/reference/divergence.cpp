// divergence.cpp: see divergence.hpp.
#include "carry/divergence.hpp"

#include <cmath>
#include <cstdio>

#include "carry/errors.hpp"

namespace carry {

namespace {
[[noreturn]] void throw_diverged(std::int64_t steps_done, const std::string& what, double lr) {
  throw DivergenceError(steps_done, "training diverged at step " + std::to_string(steps_done) +
                                        ": " + what + "; try a lower --lr (this run used " +
                                        message_number(lr) + ")");
}
}  // namespace

void check_not_diverged(std::int64_t steps_done, double loss, double largest_weight, double lr) {
  if (!std::isfinite(loss)) throw_diverged(steps_done, "the loss is " + message_number(loss), lr);
  check_weights_not_diverged(steps_done, largest_weight, lr);
}

void check_weights_not_diverged(std::int64_t steps_done, double largest_weight, double lr) {
  if (!std::isfinite(largest_weight)) {
    throw_diverged(steps_done, "a weight is " + message_number(largest_weight), lr);
  }
  if (largest_weight > kLargestUsefulWeight) {
    throw_diverged(steps_done,
                   "a weight reached " + message_number(largest_weight) +
                       ", past 709.78 where the sigmoid is stuck at 0 or 1",
                   lr);
  }
}

}  // namespace carry
