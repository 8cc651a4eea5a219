// engine.hpp: what trains a sweep's runs. An engine takes the runs in the order they should start
// and hands back each finished run (its record and final weights); what happens to them (records,
// resume, shards, summaries, plots) does not depend on the engine, and every run ends with the
// weights `carry train` gives it on the same backend (bit for bit).
//
// The engines here train each run on its own trainer, one run per worker at a time:
//   "cpu"           the cpu backend; one worker per core, each a single-threaded trainer reused
//                   from run to run (results never depend on the thread count)
//   "cpu-lanes"     the cpu backend's batches up to 8: up to 16 / B runs side by side in the
//                   lanes of one vector pass (cpu_lanes.hpp), bit for bit the runs alone
//   "reference"     the float64 reference, likewise
//   "cuda-per-run"  the cuda backend, one run after another on the GPU
// and one trains them all at once: "cuda-multi-run", a GPU kernel with a block per run
// (multi_run_sweep_engine.hpp), the default for the cuda backend.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "carry/parameters.hpp"
#include "carry/sweep/run_record.hpp"

namespace carry::sweep {

struct EngineOptions {
  int workers = 0;          // runs trained at once (cpu and reference); 0: one per core
  int threads_per_run = 1;  // cpu backend threads within a run
  // A run that has trained this long without reaching its target ends at its next check, as
  // not reached (carry bench's --target-seconds); 0: no limit. Runs in lanes have none.
  double max_training_seconds = 0.0;
  // cpu backend, batches up to 8: runs side by side in the lanes ("cpu-lanes"), else each alone.
  bool lanes_over_runs = true;
  // cuda backend: every run together in the multi-run kernel ("cuda-multi-run",
  // multi_run_sweep_engine.hpp), else one run after another on the cuda trainer ("cuda-per-run",
  // bit for bit `carry train --backend cuda`). A time limit needs the per-run engine.
  bool gpu_runs_together = true;
};

struct FinishedRun {
  RunRecord record;
  Parameters weights;  // the final weights
};

class SweepEngine {
 public:
  virtual ~SweepEngine() = default;
  // What the records say trained them.
  virtual std::string name() const = 0;
  virtual int workers() const = 0;
  // Trains `runs`, starting them in this order, and calls `finished` once per finished run, one
  // call at a time, from the engine's threads. Once `stop` returns true no run starts, and runs
  // in flight are abandoned: never passed to `finished`. An exception from a run or from
  // `finished` stops every worker and is rethrown here.
  virtual void run(const std::vector<RunSpec>& runs,
                   const std::function<void(const FinishedRun&)>& finished,
                   const std::function<bool()>& stop) = 0;
};

// The engine for settings.backend (resolved). Throws UserError when the backend cannot run here.
std::unique_ptr<SweepEngine> make_engine(const SweepSettings& settings,
                                         const EngineOptions& options);

}  // namespace carry::sweep
