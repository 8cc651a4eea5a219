// reference_trainer.hpp: the reference backend, float64 plain loops (see reference.hpp).
#pragma once

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

}  // namespace carry
