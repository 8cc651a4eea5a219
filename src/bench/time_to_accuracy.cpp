// time_to_accuracy.cpp: how long training takes to add every 8-bit pair exactly (bench.hpp).
#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/training_loop.hpp"

namespace carry {

void measure_time_to_accuracy(const TrainConfig& config, const TargetPlan& plan,
                              BenchRecord& record) {
  TrainConfig segment = config;
  segment.steps = plan.check_every;
  segment.report_every = plan.check_every;
  segment.until_accuracy = 1.0;
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  const std::unique_ptr<Trainer> trainer = make_trainer(segment, initial);
  record.target_measured = true;
  record.target_reached = false;
  record.steps_to_target = 0;
  record.seconds_to_target = 0.0;
  // Segments of check_every steps, each ending with an exhaustive evaluation, until 100%, the
  // step cap or the time cap.
  while (!record.target_reached && record.steps_to_target < plan.max_steps &&
         record.seconds_to_target < plan.max_seconds) {
    const TrainingOutcome outcome =
        run_training(*trainer, segment, record.steps_to_target, nullptr);
    record.steps_to_target = outcome.steps_done;
    record.seconds_to_target += outcome.training_seconds;
    record.target_reached = outcome.target_reached;
  }
}

}  // namespace carry
