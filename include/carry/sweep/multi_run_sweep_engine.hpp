// multi_run_sweep_engine.hpp: the sweep engine of `carry sweep --backend cuda` (the default
// --cuda-engine multi-run): every run of the sweep handed to the multi-run engine
// (multi_run_engine.hpp), which trains them together on the GPU, a block per run, and stops each
// where `carry train --report-every C` would stop it (C = the sweep's --check-every). Each
// finished run becomes a record like every other engine's: its settings, engine
// ("cuda-multi-run", or "cuda-per-run" for a shape with no kernel), whether and when it reached
// the target, and the final figures from the host's float64 evaluation of its final weights.
//
// Its runs are float32 on the GPU and bit-identical to their own reruns whatever else shares a
// launch, but not to `carry train --backend cuda` (another kernel, another summation order):
// `--cuda-engine per-run` gives that equality, one run at a time.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "carry/multi_run_engine.hpp"
#include "carry/sweep/engine.hpp"

namespace carry::sweep {

// What trains the runs: multi_run::train_runs_on_gpu, or in the tests the same engine on the
// kernel's CPU model.
using RunsTrainer = std::function<multi_run::Totals(
    const std::vector<TrainConfig>& runs, const multi_run::Options& options,
    const multi_run::RunFinished& on_run_finished, const std::function<bool()>& stop_requested)>;

std::unique_ptr<SweepEngine> make_multi_run_sweep_engine(
    const SweepSettings& settings, RunsTrainer train_runs = multi_run::train_runs_on_gpu);

}  // namespace carry::sweep
