// lanes_worker.cpp: see lanes_worker.hpp.
#include "carry/sweep/lanes_worker.hpp"

#include "carry/divergence.hpp"
#include "carry/sweep/train_run.hpp"

namespace carry::sweep {

namespace {
using Clock = std::chrono::steady_clock;
}

LanesWorker::LanesWorker(const SweepSettings& settings, const RunSpec& shape,
                         ExactMatchCheck& check)
    : settings_(settings),
      lanes_(shape.hidden, settings.bits, shape.batch),
      check_(check),
      slots_(static_cast<std::size_t>(lanes_.slots())) {}

bool LanesWorker::fits(const RunSpec& run) const {
  return run.hidden == lanes_.hidden() && run.batch == lanes_.batch();
}

bool LanesWorker::has_free_slot() const {
  return lanes_.busy_slots() < lanes_.slots();
}

bool LanesWorker::busy() const {
  return lanes_.busy_slots() > 0;
}

void LanesWorker::start(const RunSpec& run) {
  int slot = 0;
  while (lanes_.busy(slot)) ++slot;
  Slot& s = slots_[static_cast<std::size_t>(slot)];
  s.run = run;
  s.config = run_config(settings_, run, 1);
  s.schedule = std::make_unique<RunSchedule>(s.config, 0);
  s.started = Clock::now();
  s.training_seconds = 0.0;
  lanes_.start(slot, s.config,
               numpy_initial_parameters(static_cast<std::uint32_t>(run.seed), run.hidden));
}

void LanesWorker::finish(int slot, bool reached, bool diverged,
                         const std::function<void(FinishedRun&&)>& finished) {
  Slot& s = slots_[static_cast<std::size_t>(slot)];
  RunRecord record;
  record.run = s.run;
  record.settings = settings_;
  record.engine = "cpu-lanes";
  record.reached = reached;
  record.diverged = diverged;
  record.steps = lanes_.steps_done(slot);
  record.training_seconds = s.training_seconds;
  Parameters weights = lanes_.parameters(slot);
  lanes_.stop(slot);
  finished(finished_run(record, std::move(weights), s.started));
}

void LanesWorker::step(const std::function<void(FinishedRun&&)>& finished) {
  const Clock::time_point start = Clock::now();
  lanes_.train_step();
  const double share = std::chrono::duration<double>(Clock::now() - start).count() /
                       static_cast<double>(lanes_.busy_slots());
  for (int slot = 0; slot < lanes_.slots(); ++slot) {
    if (!lanes_.busy(slot)) continue;
    Slot& s = slots_[static_cast<std::size_t>(slot)];
    s.training_seconds += share;
    const std::int64_t steps_done = lanes_.steps_done(slot);
    // As run_training after each step: the divergence guard, then the check when one is due.
    try {
      check_not_diverged(steps_done, lanes_.last_step(slot).mean_loss,
                         lanes_.largest_weight_magnitude(slot), s.config.lr);
    } catch (const DivergenceError&) {
      finish(slot, false, true, finished);
      continue;
    }
    if (!s.schedule->check_due(steps_done)) continue;
    if (s.schedule->has_target() &&
        check_.reaches(lanes_.parameters(slot), s.config.until_accuracy)) {
      finish(slot, true, false, finished);
    } else if (steps_done == s.schedule->last_step()) {
      finish(slot, false, false, finished);
    }
  }
}

}  // namespace carry::sweep
