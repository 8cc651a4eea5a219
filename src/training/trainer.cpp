// trainer.cpp: see trainer.hpp (the backends themselves are made by backends.hpp).
#include "carry/trainer.hpp"

namespace carry {

std::vector<AdditionProblem> make_batch(const TrainConfig& config, std::uint64_t step) {
  std::vector<AdditionProblem> batch(static_cast<std::size_t>(config.batch));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i] = counter_problem(static_cast<std::uint64_t>(config.seed), step, i, config.bits);
  }
  return batch;
}

}  // namespace carry
