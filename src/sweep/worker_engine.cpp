// worker_engine.cpp: the engines of engine.hpp. Workers pull the next run from a shared counter,
// so every core stays busy until the last runs; each keeps its trainer (the cpu backend's
// buffers and threads) and its pair order for the checks from run to run. On the cpu backend a
// worker puts runs of batches up to kLanesMaxBatch side by side in its kernel's lanes
// (lanes_worker.hpp), starting the next run as soon as a slot frees; a run of another shape
// waits until the lanes are empty.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "carry/backends.hpp"
#include "carry/cpu_trainer.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/sweep/engine.hpp"
#include "carry/sweep/lanes_worker.hpp"
#include "carry/sweep/multi_run_sweep_engine.hpp"
#include "carry/sweep/train_run.hpp"
#include "carry/worker_threads.hpp"

namespace carry::sweep {

namespace {

// A worker's trainer: the cpu backend's is restarted for each run, others are made anew.
class ReusedTrainer {
 public:
  Trainer& start(const TrainConfig& config, const Parameters& initial) {
    if (auto* cpu = dynamic_cast<CpuTrainer*>(trainer_.get())) {
      cpu->restart(config, initial);
      return *cpu;
    }
    trainer_.reset();  // a GPU run frees its memory before the next allocates
    trainer_ = make_trainer(config, initial);
    return *trainer_;
  }

 private:
  std::unique_ptr<Trainer> trainer_;
};

class WorkerEngine final : public SweepEngine {
 public:
  WorkerEngine(const SweepSettings& settings, const EngineOptions& options)
      : settings_(settings), options_(options) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    workers_ = options.workers > 0 ? options.workers : cores;
    if (settings.backend == "cuda") workers_ = 1;  // one GPU, one run at a time
    name_ = settings.backend == "cuda" ? "cuda-per-run" : settings.backend;
  }

  std::string name() const override { return name_; }
  int workers() const override { return workers_; }

  // Lanes over runs for the cpu backend's small batches (two runs or more to a pass).
  bool uses_lanes(const RunSpec& run) const {
    return options_.lanes_over_runs && settings_.backend == "cpu" && run.batch <= kLanesMaxBatch &&
           settings_.steps > 0;
  }

  void run(const std::vector<RunSpec>& runs,
           const std::function<void(const FinishedRun&)>& finished,
           const std::function<bool()>& stop) override {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex mutex;  // finished() one call at a time; first_error
    const std::function<bool()> stop_or_failed = [&] { return failed.load() || stop(); };

    auto deliver = [&](const FinishedRun& run) {
      const std::lock_guard<std::mutex> lock(mutex);
      if (!failed.load()) finished(run);
    };
    auto pull = [&]() -> const RunSpec* {
      const std::size_t k = next.fetch_add(1);
      return k < runs.size() ? &runs[k] : nullptr;
    };
    auto work = [&] {
      try {
        ExactMatchCheck check(settings_.bits);
        ReusedTrainer trainer;
        std::unique_ptr<LanesWorker> lanes;
        const RunSpec* held = nullptr;  // pulled, waiting for the lanes to empty or free a slot
        while (!stop_or_failed()) {
          // Start what can start: runs of their own at once, lanes runs while a slot is free.
          while (true) {
            const RunSpec* spec = held != nullptr ? held : pull();
            held = nullptr;
            if (spec == nullptr) break;
            const bool in_lanes = uses_lanes(*spec);
            if (lanes && lanes->busy() &&
                (!in_lanes || !lanes->fits(*spec) || !lanes->has_free_slot())) {
              held = spec;
              break;
            }
            if (in_lanes) {
              if (!lanes || !lanes->fits(*spec)) {
                lanes = std::make_unique<LanesWorker>(settings_, *spec, check);
              }
              lanes->start(*spec);
              continue;
            }
            const TrainConfig config = run_config(settings_, *spec, options_.threads_per_run);
            Trainer& t = trainer.start(
                config,
                numpy_initial_parameters(static_cast<std::uint32_t>(spec->seed), spec->hidden));
            const std::optional<FinishedRun> result =
                train_run(t, config, settings_, *spec, name_, options_.max_training_seconds, check,
                          stop_or_failed);
            if (!result) return;  // stopped: the run is abandoned
            deliver(*result);
            if (stop_or_failed()) return;
          }
          if (!lanes || !lanes->busy()) return;  // nothing left to pull
          lanes->step(deliver);
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
      }
    };
    const int threads = static_cast<int>(std::min<std::size_t>(workers_, runs.size()));
    if (threads > 0) run_on_threads(threads, [&](int) { work(); });
    if (first_error) std::rethrow_exception(first_error);
  }

 private:
  SweepSettings settings_;
  EngineOptions options_;
  int workers_ = 1;
  std::string name_;
};

}  // namespace

std::unique_ptr<SweepEngine> make_engine(const SweepSettings& settings,
                                         const EngineOptions& options) {
  if (settings.backend == "cpu" && cpu_backend_isa().empty()) {
    throw UserError(
        "the cpu backend needs a processor with AVX2 and FMA (use --backend reference)");
  }
  if (settings.backend == "cuda" && !cuda_backend_usable()) {
    // make_cuda_trainer says why (no driver, no device, an old GPU, a build without CUDA).
    TrainConfig probe;
    probe.backend = "cuda";
    probe.bits = settings.bits;
    probe.batch = 1;
    make_cuda_trainer(probe, Parameters::zeros(1));
    throw UserError("--backend cuda: no usable GPU");
  }
  if (settings.backend == "cuda" && options.gpu_runs_together &&
      options.max_training_seconds <= 0.0) {
    return make_multi_run_sweep_engine(settings);
  }
  return std::make_unique<WorkerEngine>(settings, options);
}

}  // namespace carry::sweep
