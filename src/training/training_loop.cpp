// training_loop.cpp: see training_loop.hpp.
#include "carry/training_loop.hpp"

#include <chrono>
#include <utility>

#include "carry/divergence.hpp"
#include "carry/resume.hpp"

namespace carry {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

TrainingOutcome run_training(Trainer& trainer, const TrainConfig& config, std::int64_t first_step,
                             const std::function<void(const TrainingReport&)>& on_report) {
  TrainingHooks hooks;
  hooks.on_report = on_report;
  return run_training(trainer, config, first_step, hooks);
}

TrainingOutcome run_training(Trainer& trainer, const TrainConfig& config, std::int64_t first_step,
                             const TrainingHooks& hooks) {
  check_run_length(config, first_step);
  const EvaluationSet full_set = evaluation_set(config.bits);
  const EvaluationSet report_set = report_evaluation_set(config.bits);
  const bool sampled_reports = report_set.size != full_set.size;
  // The run's figure on the full set, timed with the reports' evaluations.
  auto evaluate_fully = [&](const Parameters& params) {
    const Clock::time_point evaluation_start = Clock::now();
    Evaluation evaluation = evaluate(params, full_set, 0, Counting::exact_only);
    return std::make_pair(std::move(evaluation), seconds_since(evaluation_start));
  };
  TrainingOutcome outcome;
  outcome.steps_done = first_step;
  double loss_since_report = 0.0;
  std::int64_t steps_since_report = 0;
  double seconds_since_report = 0.0;
  const RunSchedule schedule(config, first_step);
  for (std::int64_t step = first_step; step < schedule.last_step(); ++step) {
    const Clock::time_point start = Clock::now();
    StepResult result = trainer.train_step(static_cast<std::uint64_t>(step));
    const bool report_due = schedule.check_due(step + 1);
    // An asynchronous backend finishes its queued steps here, inside the timed region.
    const std::optional<CollectedSteps> collected =
        report_due ? trainer.collect_steps() : std::nullopt;
    const double step_seconds = seconds_since(start);
    outcome.training_seconds += step_seconds;
    seconds_since_report += step_seconds;
    loss_since_report += result.mean_loss;
    ++steps_since_report;
    outcome.steps_done = step + 1;
    if (!trainer.queues_steps()) {
      check_not_diverged(outcome.steps_done, result.mean_loss, trainer.largest_weight_magnitude(),
                         config.lr);
    }
    if (hooks.after_step) hooks.after_step(outcome.steps_done);
    if (hooks.stop_requested && hooks.stop_requested()) {
      outcome.interrupted = true;
      break;
    }

    if (!report_due) continue;
    if (collected) {
      loss_since_report = collected->loss_sum;
      result = collected->last;
    }
    const Parameters params = trainer.parameters();
    if (trainer.queues_steps()) {
      // The queued steps' losses are known now; the last one stands for them.
      check_not_diverged(outcome.steps_done, result.mean_loss, largest_magnitude(params),
                         config.lr);
    }
    const Clock::time_point evaluation_start = Clock::now();
    if (hooks.reaches_target) {
      const bool reached = schedule.has_target() && hooks.reaches_target(params);
      outcome.evaluation_seconds += seconds_since(evaluation_start);
      loss_since_report = 0.0;
      steps_since_report = 0;
      seconds_since_report = 0.0;
      if (reached) {
        outcome.target_reached = true;
        break;
      }
      continue;
    }
    const Evaluation reported = evaluate(params, report_set, 0, Counting::exact_only);
    outcome.evaluation_seconds += seconds_since(evaluation_start);
    outcome.final_evaluation = reported;
    outcome.final_evaluation_step = sampled_reports ? -1 : outcome.steps_done;

    TrainingReport report;
    report.steps_done = outcome.steps_done;
    report.samples_seen = outcome.steps_done * config.batch;
    report.mean_loss = loss_since_report / static_cast<double>(steps_since_report);
    report.exact_accuracy = reported.exact_accuracy();
    report.samples_per_s =
        static_cast<double>(steps_since_report * config.batch) / seconds_since_report;
    report.last_step = result;
    if (hooks.on_report) hooks.on_report(report);
    loss_since_report = 0.0;
    steps_since_report = 0;
    seconds_since_report = 0.0;
    if (schedule.reaches(report.exact_accuracy)) {
      // A sample that reaches the target is confirmed on the full set before the run stops.
      if (sampled_reports) {
        auto [full, seconds] = evaluate_fully(params);
        outcome.evaluation_seconds += seconds;
        outcome.final_evaluation = std::move(full);
        outcome.final_evaluation_step = outcome.steps_done;
      }
      if (schedule.reaches(outcome.final_evaluation.exact_accuracy())) {
        outcome.target_reached = true;
        break;
      }
    }
  }
  // The final figure is on the full set, after the last step: a run with no steps, or whose
  // last report was on a sample.
  if (!outcome.interrupted && outcome.final_evaluation_step != outcome.steps_done) {
    auto [full, seconds] = evaluate_fully(trainer.parameters());
    outcome.evaluation_seconds += seconds;
    outcome.final_evaluation = std::move(full);
    outcome.final_evaluation_step = outcome.steps_done;
  }
  return outcome;
}

}  // namespace carry
