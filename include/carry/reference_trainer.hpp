// reference_trainer.hpp: the reference backend, float64 plain loops (see reference.hpp).
#pragma once

#include "carry/memory_budget.hpp"
#include "carry/trainer.hpp"

namespace carry {

class ReferenceTrainer final : public Trainer {
 public:
  ReferenceTrainer(const TrainConfig& config, Parameters initial);
  std::string backend_name() const override { return "reference"; }
  StepResult train_step(std::uint64_t step) override;
  Parameters parameters() const override { return params_; }

 private:
  TrainConfig config_;
  Parameters params_;
};

// What a run of `config` needs of memory besides every run's (memory_budget.hpp): the batch, one
// 16-byte problem per sample.
MemoryNeed reference_memory_need(const TrainConfig& config);

}  // namespace carry
