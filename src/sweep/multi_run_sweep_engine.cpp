// multi_run_sweep_engine.cpp: see multi_run_sweep_engine.hpp.
#include "carry/sweep/multi_run_sweep_engine.hpp"

#include <chrono>
#include <utility>

#include "carry/sweep/train_run.hpp"

namespace carry::sweep {

namespace {

using Clock = std::chrono::steady_clock;

class MultiRunSweepEngine final : public SweepEngine {
 public:
  MultiRunSweepEngine(SweepSettings settings, RunsTrainer train_runs)
      : settings_(std::move(settings)), train_runs_(std::move(train_runs)) {}

  std::string name() const override { return "cuda-multi-run"; }
  int workers() const override { return 1; }  // one GPU; its launches hold every run

  void run(const std::vector<RunSpec>& runs,
           const std::function<void(const FinishedRun&)>& finished,
           const std::function<bool()>& stop) override {
    std::vector<TrainConfig> configs;
    configs.reserve(runs.size());
    for (const RunSpec& spec : runs) configs.push_back(run_config(settings_, spec, 1));
    multi_run::Options options;  // the host confirms the device's uncertain checks only
    train_runs_(
        configs, options,
        [&](std::size_t index, const multi_run::RunOutcome& outcome) {
          RunRecord record;
          record.run = runs[index];
          record.settings = settings_;
          record.engine = outcome.engine;
          record.reached = outcome.reached;
          record.diverged = outcome.diverged;
          record.steps = outcome.steps_done;
          record.training_seconds = outcome.seconds;
          // The run's wall time: its share of the launches, then the final evaluation (the same
          // float64 evaluation of the final weights as every engine's records).
          const Clock::time_point started =
              Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(outcome.seconds));
          finished(finished_run(std::move(record), outcome.weights, started));
        },
        stop);
  }

 private:
  SweepSettings settings_;
  RunsTrainer train_runs_;
};

}  // namespace

std::unique_ptr<SweepEngine> make_multi_run_sweep_engine(const SweepSettings& settings,
                                                         RunsTrainer train_runs) {
  return std::make_unique<MultiRunSweepEngine>(settings, std::move(train_runs));
}

}  // namespace carry::sweep
