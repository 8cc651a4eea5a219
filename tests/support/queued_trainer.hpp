// queued_trainer.hpp: a fake backend that queues its steps, as cuda does, for the CPU tests of
// the training loop and of what it saves. Step k's loss is k + 1 and its prediction 1000 + k,
// both known only when collected; its weights after `steps_done` steps are
// weights_after(steps_done) (zeros unless set). H hidden. Test code only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "carry/trainer.hpp"

namespace carry::testing {

class QueuedTrainer : public Trainer {
 public:
  explicit QueuedTrainer(int hidden) : hidden_(hidden) {}
  std::string backend_name() const override { return "queued"; }
  StepResult train_step(std::uint64_t step) override {
    pending_loss_ += static_cast<double>(step + 1);
    last_step_ = step;
    steps_done_ = step + 1;
    return StepResult{0.0, AdditionProblem{step, 1}, 0};  // provisional
  }
  std::optional<CollectedSteps> collect_steps() override {
    ++collections;
    CollectedSteps collected;
    collected.loss_sum = pending_loss_;
    collected.last = StepResult{static_cast<double>(last_step_ + 1), AdditionProblem{last_step_, 1},
                                1000 + last_step_};
    pending_loss_ = 0.0;
    return collected;
  }
  Parameters parameters() const override {
    return weights_after ? weights_after(steps_done_) : Parameters::zeros(hidden_);
  }
  bool queues_steps() const override { return true; }

  std::function<Parameters(std::uint64_t steps_done)> weights_after;
  int collections = 0;

 private:
  int hidden_;
  double pending_loss_ = 0.0;
  std::uint64_t last_step_ = 0;
  std::uint64_t steps_done_ = 0;
};

}  // namespace carry::testing
