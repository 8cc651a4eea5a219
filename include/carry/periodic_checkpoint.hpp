// periodic_checkpoint.hpp: saves a run's checkpoint every N steps (--checkpoint-every), so that
// a crash, a kill or a power cut loses at most N steps. Each save replaces the file atomically
// (atomic_file.hpp): the file always holds one complete checkpoint, the old or the new.
#pragma once

#include <cstdint>
#include <string>

#include "carry/config.hpp"
#include "carry/trainer.hpp"

namespace carry {

class PeriodicCheckpoint {
 public:
  // `every` 0 never saves. `config.backend` must be resolved.
  PeriodicCheckpoint(std::string path, std::int64_t every, TrainConfig config);

  // Saves the trainer's weights when steps_done is a multiple of `every`, unless they have
  // diverged (not finite, or beyond divergence.hpp's limit): then throws DivergenceError and the
  // file keeps the last save.
  void after_step(const Trainer& trainer, std::int64_t steps_done);

  // The step of the last save this run made, or -1 if none.
  std::int64_t last_saved_step() const { return last_saved_step_; }

 private:
  std::string path_;
  std::int64_t every_;
  TrainConfig config_;
  std::int64_t last_saved_step_ = -1;
};

}  // namespace carry
