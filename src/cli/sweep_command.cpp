// sweep_command.cpp: `carry sweep`, many training runs (every combination of the listed hidden
// sizes, batches, rates and seeds) into a folder that keeps their records, summary and plots, and
// `carry sweep report DIR...`, the summary of one or more such folders (shards) merged.
// The engine, the folder and the statistics are in src/sweep/; this file reads the options,
// shows progress, and turns signals into a clean stop (exit 130/143, nothing half-recorded).
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/checkpoint.hpp"
#include "carry/errors.hpp"
#include "carry/memory_budget.hpp"
#include "carry/resume.hpp"
#include "carry/signal_guard.hpp"
#include "carry/sweep/engine.hpp"
#include "carry/sweep/plots.hpp"
#include "carry/sweep/summary.hpp"
#include "carry/sweep/sweep_folder.hpp"
#include "carry/trainer.hpp"
#include "carry/value_rules.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "nlohmann/json.hpp"
#include "progress_line.hpp"
#include "typed_options.hpp"
#include "value_lists.hpp"

namespace carry::cli {

namespace {
using namespace carry::sweep;
using Clock = std::chrono::steady_clock;

struct SweepOptions {
  std::string hidden = "16";
  std::string batch = "32";
  std::string lr = "4";
  std::string seeds = "0..9";
  SweepSettings settings;
  int threads = 0;
  std::string cuda_engine = "multi-run";  // --backend cuda: multi-run or per-run
  std::string out;
  bool extend = false;
  std::string shard;
  bool save_weights = false;
  bool quiet = false;
  std::vector<std::string> report_folders;
  std::string report_out;
};

Shard parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  const std::string form = "--shard must be K/N with 0 <= K < N (got '" + shown(text) + "')";
  if (slash == std::string::npos) throw UserError(form);
  // Each side by the value rules (decimal digits), then the relation between them.
  Shard shard;
  try {
    shard = Shard{read_integer(text.substr(0, slash), "--shard's K", {}),
                  read_integer(text.substr(slash + 1), "--shard's N", {})};
  } catch (const UserError&) {
    throw UserError(form);
  }
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) throw UserError(form);
  return shard;
}

SweepGrid parse_grid(const SweepOptions& o) {
  SweepGrid grid;
  for (std::int64_t h : parse_integer_list(o.hidden, "--hidden", 1, kMaxHidden)) {
    grid.hidden.push_back(static_cast<int>(h));
  }
  grid.batch = parse_integer_list(o.batch, "--batch", 1, kMaxBatch);
  grid.lr_auto = o.lr == "auto";
  if (!grid.lr_auto) grid.lr = parse_real_list(o.lr, "--lr");
  grid.seeds = parse_integer_list(o.seeds, "--seeds", 0, kMaxSeed);
  return grid;
}

void make_folder(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) throw UserError("cannot create " + path + ": " + error.message());
}

double cpu_seconds() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

std::string weights_path(const std::string& folder, const RunSpec& run) {
  return folder + "/weights/h" + std::to_string(run.hidden) + "-b" + std::to_string(run.batch) +
         "-lr" + nlohmann::json(run.lr).dump() + "-s" + std::to_string(run.seed) + ".json";
}

std::string duration_text(double seconds) {
  char text[32];
  if (seconds < 100) {
    std::snprintf(text, sizeof text, "%.0f s", seconds);
  } else if (seconds < 6000) {
    std::snprintf(text, sizeof text, "%.0f min", seconds / 60);
  } else {
    std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  }
  return text;
}

// The summary, plots and table of `records`, written into `folder`.
void write_outputs(const std::string& folder, const std::vector<RunRecord>& records,
                   const SweepSettings& settings, bool quiet) {
  const std::vector<SettingSummary> rows = summarize(records);
  write_summary(folder, rows, settings);
  if (!quiet) std::printf("%s", summary_table(rows).c_str());
  std::printf("summary written to %s/summary.csv and summary.json\n", folder.c_str());
  const std::string problem = render_sweep_plots(folder, rows, sweep_title(settings));
  if (problem.empty()) {
    std::printf("plots: %s/success_rate.png, steps_to_target.png and steps_distribution.png\n",
                folder.c_str());
  } else {
    std::printf("plots not drawn (%s/plots.gp is written): %s\n", folder.c_str(), problem.c_str());
  }
}

// Counts finished runs for the progress line; the engine calls finished() one at a time.
struct Tally {
  std::mutex mutex;
  std::condition_variable changed;
  std::int64_t done = 0;
  bool over = false;
};

// Trains `runs` on `engine` in a thread of its own while this one shows the progress line (on a
// terminal); `finished` gets each finished run. Returns how many finished; rethrows the engine's
// error.
std::int64_t train_with_progress(SweepEngine& engine, const std::vector<RunSpec>& runs,
                                 const std::function<void(const FinishedRun&)>& finished,
                                 const StopSignalGuard& signals) {
  Tally tally;
  std::exception_ptr error;
  std::thread trainer([&] {
    try {
      engine.run(
          runs,
          [&](const FinishedRun& run) {
            finished(run);
            const std::lock_guard<std::mutex> lock(tally.mutex);
            ++tally.done;
          },
          [&] { return signals.stop_requested(); });
    } catch (...) {
      error = std::current_exception();
    }
    const std::lock_guard<std::mutex> lock(tally.mutex);
    tally.over = true;
    tally.changed.notify_all();
  });
  const ProgressLine progress;
  const Clock::time_point start = Clock::now();
  const auto total = static_cast<std::int64_t>(runs.size());
  std::int64_t done = 0;
  {
    std::unique_lock<std::mutex> lock(tally.mutex);
    while (!tally.over) {
      tally.changed.wait_for(lock, std::chrono::milliseconds(500));
      if (!progress.live() || tally.over) continue;
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const double rate = static_cast<double>(tally.done) / std::max(seconds, 1e-9);
      char line[160];
      std::snprintf(line, sizeof line, "sweep: %lld of %lld runs, %.3g runs/s, %s left",
                    static_cast<long long>(tally.done), static_cast<long long>(total), rate,
                    tally.done > 0 ? duration_text((total - tally.done) / rate).c_str() : "?");
      progress.show(line);
    }
    done = tally.done;
  }
  trainer.join();
  progress.clear();
  if (error) std::rethrow_exception(error);
  return done;
}

void print_plan(const SweepOptions& options, const SweepGrid& grid, const Shard& shard,
                const OpenSweep& open, const SweepEngine& engine) {
  const auto pending = static_cast<std::int64_t>(open.pending.size());
  std::printf("sweep into %s: %lld runs", options.out.c_str(),
              static_cast<long long>(open.runs_in_shard));
  if (!shard.whole()) {
    std::printf(" (shard %lld/%lld of %lld)", static_cast<long long>(shard.index),
                static_cast<long long>(shard.count), static_cast<long long>(grid.runs()));
  }
  std::printf(", %lld recorded, %lld to run on %s with %d worker%s\n",
              static_cast<long long>(open.runs_in_shard - pending), static_cast<long long>(pending),
              engine.name().c_str(), engine.workers(), engine.workers() == 1 ? "" : "s");
  std::fflush(stdout);
}

void run_sweep(const SweepOptions& options) {
  if (options.out.empty()) throw UserError("--out DIR is required: the folder of the sweep");
  SweepSettings settings = options.settings;
  const SweepGrid grid = parse_grid(options);
  const Shard shard = options.shard.empty() ? Shard{} : parse_shard(options.shard);
  settings.backend = resolve_backend(settings.backend);
  validate(settings, grid);
  EngineOptions engine_options;
  engine_options.workers = options.threads;
  engine_options.gpu_runs_together = options.cuda_engine == "multi-run";
  const std::unique_ptr<SweepEngine> engine = make_engine(settings, engine_options);
  check_sweep_memory(settings, grid, engine->workers(), available_memory_bytes());
  OpenSweep open = open_sweep(options.out, settings, grid, shard, options.extend);
  if (options.save_weights) make_folder(options.out + "/weights");
  print_plan(options, grid, shard, open, *engine);

  // From here a signal stops the sweep at the runs in flight, which are not recorded.
  const StopSignalGuard signals;
  const Clock::time_point start = Clock::now();
  const double cpu_start = cpu_seconds();
  std::vector<RunRecord> records = std::move(open.records);
  const std::int64_t recorded = static_cast<std::int64_t>(records.size());
  const std::int64_t done = train_with_progress(
      *engine, open.pending,
      [&](const FinishedRun& run) {
        if (options.save_weights && !run.record.diverged) {
          const TrainConfig config = run_config(settings, run.record.run, 1);
          save_checkpoint(weights_path(options.out, run.record.run),
                          checkpoint_of_run(config, run.weights, run.record.steps));
        }
        open.appender->append(run.record);
        records.push_back(run.record);
      },
      signals);
  open.appender->sync();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;

  if (signals.stop_requested()) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "carry: stopped by %s; %lld of this sweep's %lld runs are recorded in %s/%s "
                 "(run the same command again to continue)\n",
                 signal_name(signals.signal_number()),
                 static_cast<long long>(open.runs_in_shard -
                                        static_cast<std::int64_t>(open.pending.size()) + done),
                 static_cast<long long>(open.runs_in_shard), options.out.c_str(), kRecordsFile);
    throw ExitRequest(exit_status_for_signal(signals.signal_number()));
  }
  std::printf("%lld runs trained in %.1f s of wall time (%.1f s of CPU time); %lld runs in %s/%s\n",
              static_cast<long long>(done), wall, cpu, static_cast<long long>(recorded + done),
              options.out.c_str(), kRecordsFile);
  write_outputs(options.out, records, open.manifest.settings, options.quiet);
}

void run_report(const SweepOptions& options) {
  const std::vector<std::string>& folders = options.report_folders;
  std::string out = options.report_out;
  if (out.empty()) {
    if (folders.size() > 1) {
      throw UserError("--out DIR is required to merge several folders (where to write)");
    }
    out = folders.front();
  }
  const MergedSweeps merged = merge_sweep_folders(folders);
  make_folder(out);
  const auto runs = static_cast<std::int64_t>(merged.records.size());
  std::printf("%lld runs from %zu folder%s: %lld of the grid's %lld", static_cast<long long>(runs),
              folders.size(), folders.size() == 1 ? "" : "s", static_cast<long long>(runs),
              static_cast<long long>(merged.grid_runs));
  if (runs < merged.grid_runs) {
    std::printf(" (%lld not yet run)", static_cast<long long>(merged.grid_runs - runs));
  }
  std::printf("\n");
  write_outputs(out, merged.records, merged.settings, options.quiet);
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto options = std::make_shared<SweepOptions>();
  SweepSettings& s = options->settings;
  s.backend = "auto";
  CLI::App* sweep = app.add_subcommand(
      "sweep", "Train every combination of hidden sizes, batches, rates and seeds; summarise");
  sweep->add_option("--hidden", options->hidden, "Hidden sizes: a list (2,3,4) or range (1..8)")
      ->capture_default_str();
  sweep->add_option("--batch", options->batch, "Batch sizes, a list or range")
      ->capture_default_str();
  sweep->add_option("--lr", options->lr, "Learning rates, a list, or auto (bench's rule by batch)")
      ->capture_default_str();
  sweep->add_option("--seeds", options->seeds, "Seeds, a list or range (0..99)")
      ->capture_default_str();
  add_integer(sweep, "--bits", s.bits, {kMinBits, kMaxTrainBits}, "Bits per problem");
  add_integer(sweep, "--steps", s.steps, {1}, "Most steps per run");
  add_real(sweep, "--until-accuracy", s.until_accuracy, {0.0, true, 1.0, true},
           "A run stops once its exact-match accuracy reaches this (0 = never)");
  add_integer(sweep, "--check-every", s.check_every, {1},
              "Steps between accuracy checks (as train's --report-every)");
  add_choice(sweep, "--backend", s.backend, backend_names(),
             "auto, cpu, reference or cuda (runs one at a time)");
  add_integer(sweep, "--threads", options->threads, {0, kMaxThreads},
              "Runs trained at once (0 = one per core)");
  add_choice(sweep, "--cuda-engine", options->cuda_engine, {"multi-run", "per-run"},
             "--backend cuda: multi-run (every run at once, a block per run) or per-run (one "
             "after another, each bit for bit carry train --backend cuda)");
  add_path(sweep, "--out", options->out, "The sweep's folder (records, summary, plots)");
  sweep->add_flag("--extend", options->extend, "Add this grid's runs to a folder holding another");
  sweep->add_option("--shard", options->shard,
                    "K/N: run only the runs i with i mod N = K (0 <= K < N) of the grid");
  sweep->add_flag("--save-weights", options->save_weights,
                  "Keep each run's checkpoint in DIR/weights/");
  sweep->add_flag("--quiet", options->quiet, "No table of the summary");

  CLI::App* report =
      sweep->add_subcommand("report", "Merge sweep folders (shards) into one summary and plots");
  report->add_option("folders", options->report_folders, "Sweep folders")->required();
  add_path(report, "--out", options->report_out,
           "Where to write (default: the folder, when only one is given)");
  report->add_flag("--quiet", options->quiet, "No table of the summary");
  report->callback([options] { run_report(*options); });
  sweep->require_subcommand(0, 1);
  sweep->callback([options, report] {
    if (report->parsed()) return;
    run_sweep(*options);
  });
}

}  // namespace carry::cli
