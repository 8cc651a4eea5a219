// train_run.cpp: see train_run.hpp.
#include "carry/sweep/train_run.hpp"

#include <algorithm>
#include <chrono>

#include "carry/divergence.hpp"
#include "carry/training_loop.hpp"

namespace carry::sweep {

namespace {
using Clock = std::chrono::steady_clock;
}

std::optional<FinishedRun> train_run(Trainer& trainer, const TrainConfig& config,
                                     const SweepSettings& settings, const RunSpec& run,
                                     const std::string& engine, double max_training_seconds,
                                     ExactMatchCheck& check, const std::function<bool()>& stop) {
  const Clock::time_point start = Clock::now();
  RunRecord record;
  record.run = run;
  record.settings = settings;
  record.engine = engine;

  TrainingHooks hooks;
  hooks.stop_requested = stop;
  hooks.reaches_target = [&](const Parameters& params) {
    return check.reaches(params, config.until_accuracy);
  };
  // Segments of check_every steps, each ending with the check that `carry train` makes at that
  // step, so a time limit can end a run at a check; the checks fall on the same steps as in
  // one loop over all the steps (multiples of C, and the last step).
  TrainConfig segment = config;
  std::int64_t steps_done = 0;
  while (!record.reached && steps_done < config.steps) {
    segment.steps = std::min(config.report_every, config.steps - steps_done);
    TrainingOutcome outcome;
    try {
      outcome = run_training(trainer, segment, steps_done, hooks);
    } catch (const DivergenceError& error) {
      record.diverged = true;
      steps_done = error.steps_done();
      break;
    }
    if (outcome.interrupted) return std::nullopt;
    steps_done = outcome.steps_done;
    record.training_seconds += outcome.training_seconds;
    record.reached = outcome.target_reached;
    if (max_training_seconds > 0.0 && record.training_seconds >= max_training_seconds) break;
  }
  record.steps = steps_done;
  return finished_run(record, trainer.parameters(), start);
}

FinishedRun finished_run(RunRecord record, Parameters weights, Clock::time_point started) {
  const Evaluation final_evaluation = evaluate(weights, record.settings.bits, 1);
  record.final_exact = final_evaluation.exact_accuracy();
  record.final_bit_accuracy = final_evaluation.bit_accuracy();
  record.final_loss = final_evaluation.mean_loss();
  record.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return FinishedRun{std::move(record), std::move(weights)};
}

}  // namespace carry::sweep
