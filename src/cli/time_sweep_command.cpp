// time_sweep_command.cpp: `carry time-sweep` (not listed in --help): the wall time of a sweep of
// --runs runs of one setting (seeds first-seed, first-seed + 1, ...), trained to --until-accuracy
// with a check every --check-every steps, as one JSON line for scripts
// (scripts/gpu-check-sweep.sh). --backend cuda runs the multi-run engine (train_runs_on_gpu);
// --backend cpu or reference runs each run alone through run_training (train_run_alone), one run
// per thread on --threads threads (0: every core), the figure to hold the GPU's against.
//
// Shapes: H hidden, T bits, B batch per run; samples = Σ over runs of steps done × B.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "carry/backends.hpp"
#include "carry/errors.hpp"
#include "carry/gpu_probe.hpp"
#include "carry/multi_run_engine.hpp"
#include "carry/worker_threads.hpp"
#include "commands.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

using multi_run::HostConfirmation;
using multi_run::RunOutcome;

struct TimeSweepOptions {
  TrainConfig run;
  std::int64_t runs = 10000;
  std::string backend = "cuda";
  std::string confirm = "uncertain";
  std::int64_t check_every = 10;
  std::int64_t steps_per_launch = 0;
  int threads = 0;
};

HostConfirmation confirmation(const std::string& name) {
  if (name == "uncertain") return HostConfirmation::uncertain;
  if (name == "passes") return HostConfirmation::passes;
  if (name == "every-check") return HostConfirmation::every_check;
  throw UserError("--confirm must be uncertain, passes or every-check (got '" + name + "')");
}

struct SweepTally {
  std::mutex mutex;
  std::int64_t reached = 0;
  std::int64_t diverged = 0;
  std::int64_t steps = 0;
  std::int64_t confirmations = 0;
  std::int64_t disagreements = 0;
  std::vector<std::int64_t> steps_to_target;
  std::string engine;

  void add(const RunOutcome& outcome) {
    std::lock_guard<std::mutex> lock(mutex);
    reached += outcome.reached ? 1 : 0;
    diverged += outcome.diverged ? 1 : 0;
    steps += outcome.steps_done;
    confirmations += outcome.confirmations;
    disagreements += outcome.disagreements;
    if (outcome.reached) steps_to_target.push_back(outcome.steps_done);
    if (engine.empty()) engine = outcome.engine;
  }
};

// Each run alone on the host backend, one per thread.
void run_alone_on_threads(const std::vector<TrainConfig>& runs, int threads, SweepTally& tally) {
  const std::size_t workers =
      std::min<std::size_t>(threads > 0 ? static_cast<std::size_t>(threads)
                                        : std::max(1u, std::thread::hardware_concurrency()),
                            runs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k = next++; k < runs.size(); k = next++) {
      tally.add(multi_run::train_run_alone(runs[k], runs[k].backend + "-per-run", make_trainer));
    }
  };
  run_on_threads(static_cast<int>(workers), [&](int) { work(); });
}

void run_time_sweep(const TimeSweepOptions& options) {
  // The options' ranges and choices are their parsers' (typed_options.hpp).
  const HostConfirmation confirm = confirmation(options.confirm);
  // Each run as `carry train` would be told: its checks every --check-every steps.
  std::vector<TrainConfig> runs(static_cast<std::size_t>(options.runs), options.run);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    runs[k].seed = options.run.seed + static_cast<std::int64_t>(k);
    runs[k].report_every = options.check_every;
    runs[k].backend = options.backend;
    runs[k].threads = 1;
  }
  if (runs.back().seed > kMaxSeed) throw UserError("--first-seed + --runs passes 2^32 - 1");
  for (const TrainConfig& run : runs) validate(run);
  SweepTally tally;
  multi_run::Totals totals;
  std::string device = "cpu";
  const auto start = std::chrono::steady_clock::now();
  if (options.backend == "cuda") {
    multi_run::Options engine;
    engine.confirm = confirm;
    engine.steps_per_launch = options.steps_per_launch;
    engine.host_threads = options.threads;
    totals = multi_run::train_runs_on_gpu(
        runs, engine, [&](std::size_t, const RunOutcome& outcome) { tally.add(outcome); });
    device = probe_gpu().description;
  } else {
    run_alone_on_threads(runs, options.threads, tally);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(tally.steps_to_target.begin(), tally.steps_to_target.end());
  const auto quantile = [&](double q) -> nlohmann::json {
    if (tally.steps_to_target.empty()) return nullptr;
    return tally.steps_to_target[static_cast<std::size_t>(
        q * static_cast<double>(tally.steps_to_target.size() - 1) + 0.5)];
  };
  const double samples = static_cast<double>(tally.steps) * static_cast<double>(options.run.batch);
  const nlohmann::ordered_json line = {{"backend", options.backend},
                                       {"engine", tally.engine},
                                       {"device", device},
                                       {"runs", options.runs},
                                       {"hidden", options.run.hidden},
                                       {"bits", options.run.bits},
                                       {"batch", options.run.batch},
                                       {"lr", options.run.lr},
                                       {"check_every", options.check_every},
                                       {"until_accuracy", options.run.until_accuracy},
                                       {"reached", tally.reached},
                                       {"diverged", tally.diverged},
                                       {"steps_to_target_median", quantile(0.5)},
                                       {"steps_to_target_q1", quantile(0.25)},
                                       {"steps_to_target_q3", quantile(0.75)},
                                       {"seconds", seconds},
                                       {"runs_per_s", static_cast<double>(options.runs) / seconds},
                                       {"samples", samples},
                                       {"samples_per_s", samples / seconds},
                                       {"launches", totals.launches},
                                       {"device_seconds", totals.device_seconds},
                                       {"host_check_seconds", totals.host_check_seconds},
                                       {"confirmations", tally.confirmations},
                                       {"disagreements", tally.disagreements},
                                       {"runs_per_run_engine", totals.runs_per_run}};
  std::printf("%s\n", line.dump().c_str());
  for (const std::string& note : totals.notes)
    std::fprintf(stderr, "carry: note: %s\n", note.c_str());
}

}  // namespace

void add_time_sweep_command(CLI::App& app) {
  auto options = std::make_shared<TimeSweepOptions>();
  TrainConfig& run = options->run;
  CLI::App* command = app.add_subcommand(
      "time-sweep", "Time a sweep of runs of one setting to their target; prints one JSON line");
  command->group("");  // unlisted: a tool for scripts such as scripts/gpu-check-sweep.sh
  add_choice(command, "--backend", options->backend, {"cuda", "cpu", "reference"},
             "cuda (the multi-run engine), cpu or reference");
  add_integer(command, "--runs", options->runs, {1, 1000000},
              "Runs (seeds first-seed, first-seed + 1, ...)");
  add_integer(command, "--first-seed", run.seed, {0, kMaxSeed}, "Seed of the first run");
  add_integer(command, "--hidden", run.hidden, {1, kMaxHidden}, "Hidden units");
  add_integer(command, "--bits", run.bits, {kMinBits, kMaxTrainBits}, "Bits per problem");
  add_integer(command, "--batch", run.batch, {1, kMaxBatch}, "Problems per step of each run");
  add_real(command, "--lr", run.lr, kAboveZero, "Learning rate");
  add_integer(command, "--steps", run.steps, {1}, "Most steps per run");
  add_integer(command, "--check-every", options->check_every, {1}, "Steps between checks");
  add_real(command, "--until-accuracy", run.until_accuracy, {0.0, true, 1.0, true},
           "Exact-match target (0: none)");
  add_choice(command, "--confirm", options->confirm, {"uncertain", "passes", "every-check"},
             "Checks the host re-evaluates: uncertain, passes or every-check");
  add_integer(command, "--steps-per-launch", options->steps_per_launch, {0},
              "Steps per launch (0: chosen by the engine)");
  add_integer(command, "--threads", options->threads, {0, kMaxThreads},
              "Host threads (0: every core)");
  command->callback([options] { run_time_sweep(*options); });
}

}  // namespace carry::cli
