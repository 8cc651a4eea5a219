// step_detail.hpp: a backend that can show its work. One step's every tensor (outputs, loss,
// mean update, new weights) for `carry verify` and the tests, and weights that can be set, so a
// fast backend can be compared with the float64 reference from identical inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "carry/parameters.hpp"
#include "carry/trainer.hpp"

namespace carry {

// Shapes: B batch, T bits.
struct StepDetail {
  std::vector<double> outputs;         // T x B: outputs[t * B + s] = out_t of sample s
  double mean_loss = 0.0;              // (1/B) Σ_s Σ_t ½(y_t - out_t)^2
  std::uint64_t exact_correct = 0;     // samples of the batch with all T bits right
  std::uint64_t first_prediction = 0;  // the network's answer to sample 0
  Parameters mean_update;              // (1/B) Σ_s update_s (= -∂L/∂W), before any SGD
  Parameters weights_after;            // the weights once the step is done
};

class DetailedStepper : public Trainer {
 public:
  // Replaces the weights (rounded to the backend's precision).
  virtual void set_parameters(const Parameters& params) = 0;
  // Step `step` from the current weights: forward, loss, backward, mean update, and the SGD
  // update when `apply` is true (otherwise the weights stay). Waits for the result.
  virtual StepDetail run_step(std::uint64_t step, bool apply) = 0;
};

}  // namespace carry
