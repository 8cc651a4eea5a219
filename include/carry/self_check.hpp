// self_check.hpp: the check that guards every cuda run. Before `carry train` trains on the cuda
// backend, the run's first step is computed once on the GPU, without applying it, and compared
// with the float64 reference from the same weights on the same problems, with `carry verify`'s
// lockstep comparison and derived tolerances (verification.hpp). Only if every tensor agrees does
// the run start; otherwise --backend cuda stops (exit status 1) and --backend auto trains on the
// CPU, each with one line naming the tensor, its error and its tolerance. `--no-self-check`
// skips it. docs/self-check.md has the details and the cost.
//
// Shapes: B batch, T bits, H hidden. The check compares S = self_check_slice(H, T) problems, the
// first S of the step's batch (all B when B <= S): a run of B <= S is checked on its own trainer
// (its weights put back after the step, so the run that follows is exactly the unchecked one);
// a larger one on a trainer of the same backend for S problems a step, made and released first.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "carry/config.hpp"
#include "carry/parameters.hpp"
#include "carry/step_detail.hpp"
#include "carry/verification.hpp"

namespace carry {

// The problems compared: at most kSelfCheckMaxSamples and at least kSelfCheckMinSamples, as many
// as kSelfCheckWork multiply-adds of the float64 step allow (about T·(H+2)² a problem), so that
// the reference costs under 10 ms at the default H and T and about 0.3 s at H 256, T 32 (one
// thread).
constexpr std::int64_t kSelfCheckMaxSamples = 1024;
constexpr std::int64_t kSelfCheckMinSamples = 32;
constexpr double kSelfCheckWork = 16777216.0;  // 2^24
std::int64_t self_check_slice(int hidden, int bits);

struct SelfCheckResult {
  bool passed = false;
  std::uint64_t step = 0;    // the step compared (the run's first)
  std::int64_t samples = 0;  // the problems compared
  StepCheck check;           // tensor by tensor (empty when the step itself failed)
  double seconds = 0.0;      // the whole check: GPU step, float64 step, comparison
  std::string failure;       // one line naming what disagreed; empty when passed
};

// Step `step` of `stepper` (which draws config.batch problems a step, the run's first
// config.batch) without its update, against the reference from the stepper's current weights.
SelfCheckResult self_check_step(DetailedStepper& stepper, const TrainConfig& config,
                                std::uint64_t step);

// The one line for a failed check (`failure` above): the tensor with the largest error against
// its tolerance, with both, or the exact-match count that differs, and where to look next.
std::string self_check_failure_line(const SelfCheckResult& result, const TrainConfig& config);

// Makes the trainer of config.backend (resolved) from `initial`; for "cuda" a DetailedStepper.
using TrainerFactory =
    std::function<std::unique_ptr<Trainer>(const TrainConfig& config, const Parameters& initial)>;

// The check of a run's first step `first_step` (weights `initial`): on the run's own trainer (for
// config.batch <= the slice; the weights are put back after), or on a trainer of the slice's
// size from `make`, made and released here. Timed; a step that throws (a CUDA error) counts as a
// failure, its message in the line.
SelfCheckResult self_check_run_trainer(DetailedStepper& run, const TrainConfig& config,
                                       std::uint64_t first_step);
SelfCheckResult self_check_slice_trainer(const TrainConfig& config, const Parameters& initial,
                                         std::uint64_t first_step, const TrainerFactory& make);

// A failed check with --backend cuda: `carry train` exits with status 1 and this one line.
class SelfCheckFailure : public std::runtime_error {
 public:
  explicit SelfCheckFailure(const std::string& line) : std::runtime_error(line) {}
};

struct CheckedTrainer {
  std::unique_ptr<Trainer> trainer;
  std::optional<SelfCheckResult> check;  // the check that ran, if one did
  std::string warning;                   // set when --backend auto fell back to the CPU
};

// What `carry train` trains with. config.backend is resolved; `requested_backend` is what the
// user asked for ("auto", "cuda", ...). Makes the trainer with `make`; on the cuda backend, unless
// `run_check` is false, checks first: a batch above the slice on a slice trainer before the run's
// trainer is made (so the two never hold GPU memory at once), a smaller one on the run's trainer.
// When the check fails: with "auto" no GPU trainer is kept, config.backend becomes the best CPU
// backend, its trainer is made and the result's warning holds the failure line; otherwise throws
// SelfCheckFailure.
CheckedTrainer make_checked_trainer(TrainConfig& config, const std::string& requested_backend,
                                    const Parameters& initial, std::uint64_t first_step,
                                    bool run_check, const TrainerFactory& make);

}  // namespace carry
