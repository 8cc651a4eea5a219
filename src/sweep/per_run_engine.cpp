// per_run_engine.cpp: the engines that give each run a trainer of its own (engine.hpp): workers
// pull the next run from a shared counter, so every core stays busy until the last runs, and
// each keeps its trainer (the cpu backend's buffers and threads) and its pair order for the
// checks from run to run.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "carry/cpu_trainer.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "sweep/engine.hpp"
#include "sweep/train_run.hpp"

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

class PerRunEngine final : public SweepEngine {
 public:
  PerRunEngine(const SweepSettings& settings, const EngineOptions& options)
      : settings_(settings), options_(options) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    workers_ = options.workers > 0 ? options.workers : cores;
    if (settings.backend == "cuda") workers_ = 1;  // one GPU, one run at a time
    name_ = settings.backend == "cuda" ? "cuda-per-run" : settings.backend;
  }

  std::string name() const override { return name_; }
  int workers() const override { return workers_; }

  void run(const std::vector<RunSpec>& runs,
           const std::function<void(const FinishedRun&)>& finished,
           const std::function<bool()>& stop) override {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex mutex;  // finished() one call at a time; first_error
    const std::function<bool()> stop_or_failed = [&] { return failed.load() || stop(); };

    auto work = [&] {
      try {
        ExactMatchCheck check(settings_.bits);
        ReusedTrainer trainer;
        while (!stop_or_failed()) {
          const std::size_t k = next.fetch_add(1);
          if (k >= runs.size()) return;
          const RunSpec& spec = runs[k];
          const TrainConfig config = run_config(settings_, spec, options_.threads_per_run);
          const Parameters initial =
              numpy_initial_parameters(static_cast<std::uint32_t>(spec.seed), spec.hidden);
          Trainer& t = trainer.start(config, initial);
          const std::optional<FinishedRun> result =
              train_run(t, config, settings_, spec, name_, options_.max_training_seconds, check,
                        stop_or_failed);
          if (!result) return;
          const std::lock_guard<std::mutex> lock(mutex);
          if (failed.load()) return;
          finished(*result);
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
      }
    };
    const int threads = static_cast<int>(std::min<std::size_t>(workers_, runs.size()));
    std::vector<std::thread> pool;
    for (int w = 1; w < threads; ++w) pool.emplace_back(work);
    if (threads > 0) work();
    for (std::thread& thread : pool) thread.join();
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
  return std::make_unique<PerRunEngine>(settings, options);
}

}  // namespace carry::sweep
