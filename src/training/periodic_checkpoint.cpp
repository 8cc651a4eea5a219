// periodic_checkpoint.cpp: see periodic_checkpoint.hpp.
#include "carry/periodic_checkpoint.hpp"

#include <utility>

#include "carry/checkpoint.hpp"
#include "carry/divergence.hpp"
#include "carry/resume.hpp"

namespace carry {

PeriodicCheckpoint::PeriodicCheckpoint(std::string path, std::int64_t every, TrainConfig config)
    : path_(std::move(path)), every_(every), config_(std::move(config)) {}

void PeriodicCheckpoint::after_step(const Trainer& trainer, std::int64_t steps_done) {
  if (every_ <= 0 || steps_done % every_ != 0) return;
  const Parameters params = trainer.parameters();
  // The training loop's divergence guard sees a queued backend's steps only at reports, so what
  // is about to replace the last good checkpoint is checked here, on every backend.
  check_weights_not_diverged(steps_done, largest_magnitude(params), config_.lr);
  save_checkpoint(path_, checkpoint_of_run(config_, params, steps_done));
  last_saved_step_ = steps_done;
}

}  // namespace carry
