// training_loop.hpp: runs a trainer for a number of steps, evaluating and reporting as it goes.
#pragma once

#include <cstdint>
#include <functional>

#include "carry/config.hpp"
#include "carry/evaluate.hpp"
#include "carry/trainer.hpp"

namespace carry {

struct TrainingReport {
  std::int64_t steps_done = 0;
  std::int64_t samples_seen = 0;
  double mean_loss = 0.0;       // mean of the step losses since the previous report
  double exact_accuracy = 0.0;  // on the evaluation set, after this step
  double samples_per_s = 0.0;   // training only, since the previous report
  StepResult last_step;         // carries the example shown in the report
};

struct TrainingOutcome {
  std::int64_t steps_done = 0;
  bool interrupted = false;         // hooks.stop_requested() ended the run early
  double training_seconds = 0.0;    // the steps alone
  double evaluation_seconds = 0.0;  // the evaluations made for reports
  bool target_reached = false;      // config.until_accuracy was reached (and is > 0)
  // Exact matches only (Counting::exact_only); empty (set.size 0) when interrupted before any
  // report.
  Evaluation final_evaluation;
};

// What a caller may attach to the loop besides reports.
struct TrainingHooks {
  std::function<void(const TrainingReport&)> on_report;
  // After every step that did not diverge, with the steps done so far (periodic checkpoints).
  std::function<void(std::int64_t steps_done)> after_step;
  // Polled after every step; once it returns true the loop ends before its next report or step
  // (a signal arrived). The outcome then says `interrupted`.
  std::function<bool()> stop_requested;
  // When set, each report's evaluation is replaced by this: whether the weights reach
  // config.until_accuracy (evaluation.hpp's ExactMatchCheck answers that exactly as the
  // evaluation would, often after a few pairs). No report is made then (on_report is not called)
  // and final_evaluation stays empty; the run stops at the same step as with the evaluation.
  std::function<bool(const Parameters&)> reaches_target;
};

// Runs config.steps steps starting at step `first_step` (0 for a new run). Every
// config.report_every steps, and after the last, evaluates (exact matches only: all a report
// shows) and calls `on_report`; stops early once the exact-match accuracy reaches
// config.until_accuracy (when that is above 0).
//
// After every step the divergence guard (divergence.hpp) checks the step's loss and the
// weights, and throws DivergenceError if either has blown up.
TrainingOutcome run_training(Trainer& trainer, const TrainConfig& config, std::int64_t first_step,
                             const TrainingHooks& hooks);
TrainingOutcome run_training(Trainer& trainer, const TrainConfig& config, std::int64_t first_step,
                             const std::function<void(const TrainingReport&)>& on_report);

}  // namespace carry
