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
  double exact_accuracy = 0.0;  // on report_evaluation_set (evaluate.hpp), after this step
  double samples_per_s = 0.0;   // training only, since the previous report
  StepResult last_step;         // carries the example shown in the report
};

struct TrainingOutcome {
  std::int64_t steps_done = 0;
  bool interrupted = false;         // hooks.stop_requested() ended the run early
  double training_seconds = 0.0;    // the steps alone
  double evaluation_seconds = 0.0;  // the evaluations made for reports
  bool target_reached = false;  // config.until_accuracy was reached on the full set (and is > 0)
  // Exact matches only (Counting::exact_only), on the full evaluation set after the last step;
  // when interrupted, the last report's (perhaps on a sample), or empty (set.size 0) before any.
  Evaluation final_evaluation;
  std::int64_t final_evaluation_step = -1;  // the step final_evaluation was made after on the
                                            // full set; -1 if it is a report's sample
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

// When a run checks its accuracy and when it stops, by run_training's rules; also used by loops
// that train many runs at once (a sweep's lanes), so that every run stops at the same step.
class RunSchedule {
 public:
  RunSchedule(const TrainConfig& config, std::int64_t first_step)
      : last_step_(first_step + config.steps),
        check_every_(config.report_every),
        target_(config.until_accuracy) {}
  std::int64_t last_step() const { return last_step_; }
  // Whether the step that brings the run to `steps_done` steps ends with a check (a report).
  bool check_due(std::int64_t steps_done) const {
    return steps_done % check_every_ == 0 || steps_done == last_step_;
  }
  // Whether the run has a target (until_accuracy above 0), and whether an accuracy reaches it.
  bool has_target() const { return target_ > 0.0; }
  bool reaches(double exact_accuracy) const { return has_target() && exact_accuracy >= target_; }

 private:
  std::int64_t last_step_;
  std::int64_t check_every_;
  double target_;
};

// Runs config.steps steps starting at step `first_step` (0 for a new run). Every
// config.report_every steps, and after the last, evaluates report_evaluation_set (exact matches
// only: all a report shows) and calls `on_report`; stops early once the exact-match accuracy
// reaches config.until_accuracy (when that is above 0) on the full evaluation set (a report's
// sample that reaches it is checked on the full set first). Unless interrupted, the outcome's
// final evaluation is of the full set after the last step.
//
// After every step the divergence guard (divergence.hpp) checks the step's loss and the
// weights, and throws DivergenceError if either has blown up.
TrainingOutcome run_training(Trainer& trainer, const TrainConfig& config, std::int64_t first_step,
                             const TrainingHooks& hooks);
TrainingOutcome run_training(Trainer& trainer, const TrainConfig& config, std::int64_t first_step,
                             const std::function<void(const TrainingReport&)>& on_report);

}  // namespace carry
