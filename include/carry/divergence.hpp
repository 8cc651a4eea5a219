// divergence.hpp: the guard that stops a run whose loss or weights have blown up.
//
// In this network a too-large learning rate rarely produces NaN: the sigmoids saturate first,
// and the weights grow to about 0.16 * lr in one step (1.6e29 for --lr 1e30) while staying
// finite. So a weight counts as blown up when it is not finite or when its magnitude exceeds
// ln(DBL_MAX) ≈ 709.78: past it, exp() of an input carried by that weight alone overflows, the
// sigmoid is exactly 0 or 1, no gradient flows back, and training can never recover. Healthy
// runs stay below 50 even at lr 256.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace carry {

constexpr double kLargestUsefulWeight = 709.782712893384;  // ln(DBL_MAX)

// Training stopped because it diverged; the command line exits with status 3.
class DivergenceError : public std::runtime_error {
 public:
  DivergenceError(std::int64_t steps_done, const std::string& message)
      : std::runtime_error(message), steps_done_(steps_done) {}
  std::int64_t steps_done() const { return steps_done_; }

 private:
  std::int64_t steps_done_;
};

// Throws DivergenceError naming the step and suggesting a lower learning rate when `loss` is
// not finite, or `largest_weight` (max |w| after the step) is not finite or exceeds
// kLargestUsefulWeight.
void check_not_diverged(std::int64_t steps_done, double loss, double largest_weight, double lr);
// The same for the weights alone (their loss not known yet: a queued backend's, before a report).
void check_weights_not_diverged(std::int64_t steps_done, double largest_weight, double lr);

}  // namespace carry
