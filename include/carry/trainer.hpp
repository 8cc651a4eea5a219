// trainer.hpp: the interface every backend implements, and the choice of backend by name.
//
// A trainer owns the weights and the state a backend keeps between steps. Step k (0-based)
// trains on the counter-based batch (seed, k): every backend sees the same problems.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/parameters.hpp"
#include "carry/problem.hpp"

namespace carry {

struct StepResult {
  double mean_loss = 0.0;                // (1/B) Σ_b 0.5 Σ_t (y - out)^2, before the update
  AdditionProblem example;               // the batch's first problem
  std::uint64_t example_prediction = 0;  // the network's answer to it, before the update
};

// What the steps queued since the previous collection came to (asynchronous backends).
struct CollectedSteps {
  double loss_sum = 0.0;  // Σ of the steps' mean losses
  StepResult last;        // the last step's result
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual std::string backend_name() const = 0;
  // One SGD step on batch `step`: W += lr * mean update over the batch.
  virtual StepResult train_step(std::uint64_t step) = 0;
  // The current weights, as float64.
  virtual Parameters parameters() const = 0;
  // Asynchronous backends (cuda) queue each step and return a provisional StepResult (loss and
  // prediction 0); collect_steps() waits for the queued steps and returns what they came to.
  // Synchronous backends keep this default: what train_step returned is final.
  virtual std::optional<CollectedSteps> collect_steps() { return std::nullopt; }
  // max |weight| (NaN or infinity when a weight is), which the divergence guard checks after
  // every step. A backend that keeps its weights elsewhere (a GPU) may override this with
  // something cheaper than copying them all out.
  virtual double largest_weight_magnitude() const { return largest_magnitude(parameters()); }
  // True for backends whose train_step only queues the step (cuda): their losses and weights are
  // known at collect_steps(), so the divergence guard checks them at reports, not every step.
  virtual bool queues_steps() const { return false; }
};

// The batch of step `step`: problems (seed, step, 0 .. batch - 1).
std::vector<AdditionProblem> make_batch(const TrainConfig& config, std::uint64_t step);

// Every value --backend takes: auto, cuda, cpu, reference (whether this machine can run one is
// resolve_backend's to say).
const std::vector<std::string>& backend_names();
// The backends this build knows, best first.
std::vector<std::string> available_backends();
// "auto" becomes the best usable backend; an unknown name throws UserError listing the known.
std::string resolve_backend(const std::string& requested);

std::unique_ptr<Trainer> make_trainer(const TrainConfig& config, const Parameters& initial);

}  // namespace carry
