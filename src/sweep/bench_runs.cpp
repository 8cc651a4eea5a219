// bench_runs.cpp: see bench_runs.hpp.
#include "carry/sweep/bench_runs.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "carry/flops.hpp"
#include "carry/sweep/engine.hpp"
#include "carry/sweep/lanes_worker.hpp"
#include "carry/sweep/statistics.hpp"

namespace carry::sweep {

namespace {
// Every run of a one-setting grid, in seed order, through the engine; their records.
std::vector<RunRecord> run_setting(const TrainConfig& config, const SweepSettings& settings,
                                   const std::vector<std::int64_t>& seeds,
                                   const EngineOptions& options) {
  SweepGrid grid;
  grid.hidden = {config.hidden};
  grid.batch = {config.batch};
  grid.lr = {config.lr};
  grid.seeds = seeds;
  validate(settings, grid);
  std::vector<RunSpec> runs;
  for (std::int64_t i = 0; i < grid.runs(); ++i) runs.push_back(run_of(grid, i));
  std::vector<RunRecord> records;
  make_engine(settings, options)
      ->run(
          runs, [&](const FinishedRun& run) { records.push_back(run.record); },
          [] { return false; });
  return records;
}

int cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}
}  // namespace

void measure_time_to_accuracy(const TrainConfig& config, const TargetPlan& plan,
                              BenchRecord& record) {
  SweepSettings settings;
  settings.backend = config.backend;
  settings.bits = config.bits;
  settings.steps = plan.max_steps;
  settings.until_accuracy = 1.0;
  settings.check_every = plan.check_every;
  EngineOptions options;
  options.workers =
      config.backend == "reference" ? (config.threads > 0 ? config.threads : cores()) : 1;
  options.threads_per_run = config.threads;
  options.max_training_seconds = plan.max_seconds;
  options.lanes_over_runs = false;  // each run's seconds its own, comparable with one run's
  const std::vector<RunRecord> records = run_setting(config, settings, plan.seeds, options);

  std::vector<double> steps;
  std::vector<double> seconds;
  std::int64_t most_steps = 0;
  for (const RunRecord& r : records) {
    most_steps = std::max(most_steps, r.steps);
    if (!r.reached) continue;
    steps.push_back(static_cast<double>(r.steps));
    seconds.push_back(r.training_seconds);
  }
  record.target_measured = true;
  record.target_runs = static_cast<int>(records.size());
  record.target_successes = static_cast<int>(steps.size());
  record.target_reached = record.target_successes == record.target_runs;
  if (steps.empty()) {  // the cap that came first
    record.steps_to_target = record.steps_to_target_q1 = record.steps_to_target_q3 =
        static_cast<double>(most_steps);
    record.seconds_to_target = 0.0;
    for (const RunRecord& r : records) {
      record.seconds_to_target = std::max(record.seconds_to_target, r.training_seconds);
    }
    return;
  }
  const Quartiles step_quartiles = quartiles(steps);
  record.steps_to_target = step_quartiles.median;
  record.steps_to_target_q1 = step_quartiles.q1;
  record.steps_to_target_q3 = step_quartiles.q3;
  record.seconds_to_target = quartiles(seconds).median;
}

BenchRecord measure_sweep_throughput(const TrainConfig& config, std::int64_t steps_per_run,
                                     const std::string& single_run_variant, bool lanes_over_runs,
                                     int repeats) {
  SweepSettings settings;
  settings.backend = config.backend;
  settings.bits = config.bits;
  settings.steps = steps_per_run;
  settings.until_accuracy = 0.0;  // every run trains all its steps
  settings.check_every = steps_per_run;
  EngineOptions options;
  options.workers = config.threads > 0 ? config.threads : cores();
  options.threads_per_run = 1;
  options.lanes_over_runs = lanes_over_runs;
  // A repeat is one run per worker, or per lane slot: every worker busy from start to end.
  const std::int64_t slots =
      lanes_over_runs && config.batch <= kLanesMaxBatch ? 16 / config.batch : 1;
  const std::int64_t runs = options.workers * slots;
  std::vector<double> samples_per_s;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    std::vector<std::int64_t> seeds;
    for (std::int64_t k = 0; k < runs; ++k) seeds.push_back(repeat * runs + k);
    const auto start = std::chrono::steady_clock::now();
    run_setting(config, settings, seeds, options);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    samples_per_s.push_back(static_cast<double>(runs * steps_per_run * config.batch) / wall);
  }

  BenchRecord record;
  record.backend = config.backend;
  record.variant = (slots > 1 ? "sweep-lanes-" : "sweep-") + single_run_variant;
  record.batch = config.batch;
  record.hidden = config.hidden;
  record.bits = config.bits;
  record.lr = config.lr;
  record.threads = options.workers;
  record.steps = steps_per_run;
  record.repeats = repeats;
  record.samples_per_s = quartiles(samples_per_s).median;
  record.steps_per_s = record.samples_per_s / static_cast<double>(config.batch);
  record.gflops =
      record.samples_per_s * training_flops_per_sample(config.hidden, config.bits) / 1e9;
  return record;
}

}  // namespace carry::sweep
