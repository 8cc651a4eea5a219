// multi_run_engine.hpp: many independent training runs on one GPU at once: the engine for a
// sweep's runs on a GPU (`carry time-sweep --backend cuda` uses it). No CUDA syntax: builds
// without CUDA get an engine that says so.
//
// Runs of one shape (H, T, and the threads per block its batch B takes) share launches of the
// multi-run kernel (kernels/multi_run_v1.cu, src/backends/cuda/multi_run_block.hpp): one block per
// run, each launch a chunk of steps of every unfinished run, with no host round trip per step.
// Every run is a real run: its steps are those of `carry train` (the same batches, SGD on the batch
// mean; in float32, not bit-identical to another backend), its checks fall where `carry train`
// evaluates (after every multiple of report_every and after the last step), and it stops at the
// first check whose exact-match accuracy on the whole evaluation set reaches until_accuracy, as
// decided by the host's float64 evaluation (evaluate.hpp): the device decides in float32 where its
// error bound makes the answer certain and pauses the run for the host's evaluation where it does
// not. Shapes without a kernel (H outside the compiled list, T above 13) run one after another on
// the per-run cuda trainer, with a note. See docs/cuda-sweep.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/parameters.hpp"
#include "carry/trainer.hpp"

namespace carry::multi_run {

struct RunOutcome {
  std::string engine;     // "cuda-multi-run" (the kernel) or "cuda-per-run" (fallback)
  bool reached = false;   // a check reached until_accuracy (steps_done is then the target)
  bool diverged = false;  // stopped by the divergence guard after steps_done steps
  std::int64_t steps_done = 0;
  std::uint64_t final_exact = 0;       // exact pairs at the last check (0 when diverged)
  std::uint64_t evaluation_pairs = 0;  // the evaluation set's size
  // `carry eval`'s other figures for the final weights, when known: the fraction of (pair, bit)
  // places right, and the mean over the pairs of ½ Σ_t (y_t - out_t)². The multi-run kernel's
  // last walk gives them (the loss from its float32 outputs, relative error ~1e-6) unless it
  // stopped below wrong bits or met uncertain bits; the host's evaluation gives the bits then.
  std::optional<double> final_bit_accuracy;
  std::optional<double> final_loss;
  double step_loss = 0.0;  // mean training loss of the steps since the previous check
  Parameters weights;      // after steps_done steps
  // The run's share of the engine's time: each launch's wall time split evenly among the runs it
  // advanced, plus the host's evaluations of this run.
  double seconds = 0.0;
  std::int64_t checks = 0;         // evaluations (device and per-run engine)
  std::int64_t confirmations = 0;  // of them, re-evaluated by the host in float64
  std::int64_t disagreements = 0;  // confirmations the device's certain answers contradicted
};

// Which checks the host evaluates again besides the uncertain ones.
enum class HostConfirmation {
  uncertain,    // only where the device's float32 answer is not certain (the default)
  passes,       // also every pass (one float64 evaluation per successful run)
  every_check,  // every check (an audit of the device's decisions; slow)
};

struct Options {
  std::int64_t steps_per_launch = 0;  // 0: chosen by the engine
  HostConfirmation confirm = HostConfirmation::uncertain;
  int host_threads = 0;  // for the host's evaluations; 0: every core
  // Tests: every output within this of 0.5 counts as uncertain, so the host decides (0: none).
  float margin_floor = 0.0f;
};

struct Totals {
  std::int64_t runs_on_kernel = 0;  // trained by the multi-run kernel
  std::int64_t runs_per_run = 0;    // by the per-run fallback
  std::int64_t launches = 0;
  std::int64_t confirmations = 0;
  std::int64_t disagreements = 0;
  double device_seconds = 0.0;      // wall time of the launches
  double host_check_seconds = 0.0;  // wall time of the host's evaluations
  bool interrupted = false;         // stop_requested() ended it; unfinished runs not reported
  std::vector<std::string> notes;   // one per shape that ran on the per-run engine
};

// Called once per finished run, with its index in the runs given, in the order runs finish.
using RunFinished = std::function<void(std::size_t index, const RunOutcome& outcome)>;

// Trains every run of `runs` on the first GPU. Each run is the TrainConfig `carry train` would
// get (checked by validate(): UserError): bits, hidden, batch, lr, seed, steps (at most),
// report_every (the steps between checks) and until_accuracy; backend, threads and kernel are
// ignored. `stop_requested` is polled between launches (a few times a second at most); once it
// returns true the runs in flight are abandoned and the totals say `interrupted`. Throws
// UserError when there is no usable GPU or this carry was built without CUDA.
Totals train_runs_on_gpu(const std::vector<TrainConfig>& runs, const Options& options,
                         const RunFinished& on_run_finished,
                         const std::function<bool()>& stop_requested = {});

// Makes the trainer of one run alone: make_trainer (backends.hpp) for any backend; the engine's
// own fallback uses the cuda backend's make_cuda_trainer.
using TrainerMaker =
    std::function<std::unique_ptr<Trainer>(const TrainConfig& config, const Parameters& initial)>;

// One run on its own, through run_training on the trainer `make` gives (its checks every
// report_every steps, as the multi-run engine's): the per-run fallback, and the comparison the
// tests and benchmarks make. The outcome's engine is `engine`.
RunOutcome train_run_alone(const TrainConfig& config, const std::string& engine,
                           const TrainerMaker& make);

}  // namespace carry::multi_run
