// train_run.hpp: one run of a sweep on a trainer, through the same training loop as `carry
// train` (training_loop.hpp), so it stops at the same step with the same weights as
// `carry train --report-every C` (C = the sweep's --check-every). The loop's checks ask
// ExactMatchCheck, which gives the evaluation's verdict, usually after a few pairs; the record's
// final figures come from a full evaluation of the final weights.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "carry/evaluate.hpp"
#include "carry/sweep/engine.hpp"
#include "carry/trainer.hpp"

namespace carry::sweep {

// Trains `run` on `trainer`, which holds the run's initial weights and `config`
// (run_config(settings, run, ...)). Nothing when `stop` returned true before the run finished.
// A run that diverges is finished: its record says so (`carry train` would exit with status 3).
std::optional<FinishedRun> train_run(Trainer& trainer, const TrainConfig& config,
                                     const SweepSettings& settings, const RunSpec& run,
                                     const std::string& engine, double max_training_seconds,
                                     ExactMatchCheck& check, const std::function<bool()>& stop);

// A run that ended with `weights`: its record completed with the final evaluation (every pair
// of the evaluation set, float64) and the seconds since `started`.
FinishedRun finished_run(RunRecord record, Parameters weights,
                         std::chrono::steady_clock::time_point started);

}  // namespace carry::sweep
