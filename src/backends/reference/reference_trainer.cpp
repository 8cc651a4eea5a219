// reference_trainer.cpp: see reference_trainer.hpp.
#include "carry/reference_trainer.hpp"

#include "carry/reference.hpp"

namespace carry {

ReferenceTrainer::ReferenceTrainer(const TrainConfig& config, Parameters initial)
    : config_(config), params_(std::move(initial)) {}

StepResult ReferenceTrainer::train_step(std::uint64_t step) {
  const std::vector<AdditionProblem> batch = make_batch(config_, step);
  const BatchUpdate update = reference_batch_update(params_, batch, config_.bits);
  add_scaled(params_, update.mean_update, config_.lr);
  return StepResult{update.mean_loss, batch.front(), update.first_prediction};
}

MemoryNeed reference_memory_need(const TrainConfig&) {
  MemoryNeed need;
  need.bytes_per_sample = sizeof(AdditionProblem);
  return need;
}

}  // namespace carry
