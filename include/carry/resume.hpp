// resume.hpp: from a training run to its checkpoint and back, so that a run stopped and resumed
// ends exactly where it would have ended without stopping.
//
// A batched run's whole state is its weights, its config (bits, hidden, batch, seed, lr) and the
// steps done. SGD keeps nothing else, and sample i of step k is a pure function of (seed, k, i)
// (problem.hpp), so the data generator's position is the step count itself. Resuming the same
// weights at step steps_done on the same backend therefore reproduces the rest of the run bit for
// bit. --seed-compat runs draw from numpy's sequential MT19937 stream instead, whose position
// the checkpoint does not hold, so they are not resumable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carry/checkpoint.hpp"
#include "carry/config.hpp"

namespace carry {

// The checkpoint of a batched run after `steps_done` steps (config.backend must be resolved).
Checkpoint checkpoint_of_run(const TrainConfig& config, const Parameters& params,
                             std::int64_t steps_done);

// The config that continues `checkpoint` (read from `source`, named in messages).
//   bits, hidden, batch, seed: always the checkpoint's. An option in `given` (its command-line
//     name, "--batch") whose value in `requested` differs is refused with UserError: it would
//     make a different run, not a continuation.
//   lr: `requested.lr` when "--lr" is in `given` (from then on the run differs from an
//     uninterrupted one; lowering the rate of a run about to diverge is a reason to resume),
//     otherwise the checkpoint's.
//   backend: `requested.backend` when "--backend" is in `given`, otherwise the checkpoint's,
//     which must be one of `backends`, those this build has (available_backends()).
//   steps, report_every, until_accuracy: `requested`'s (they say how long to go on, not how).
// Refuses checkpoints written by --seed-compat.
TrainConfig config_to_resume(const Checkpoint& checkpoint, const std::string& source,
                             const TrainConfig& requested, const std::vector<std::string>& given,
                             const std::vector<std::string>& backends);

// Whether a run's last step number, steps_done + steps, and its sample count, that times
// batch, fit in a signed 64-bit integer.
bool run_length_fits(std::int64_t steps_done, std::int64_t steps, std::int64_t batch);
// Refuses (UserError, naming --steps and --batch) a run for which run_length_fits is false.
void check_run_length(const TrainConfig& config, std::int64_t steps_done);

}  // namespace carry
