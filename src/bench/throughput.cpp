// throughput.cpp: times training steps of one backend at one batch size (see bench.hpp).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/cpu_trainer.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/flops.hpp"

namespace carry {

namespace {
using Clock = std::chrono::steady_clock;

// Linux keeps the resident-set high-water mark in /proc/self/status (VmHWM); writing 5 to
// /proc/self/clear_refs resets it, so each measurement sees its own peak.
void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0.0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(4096, '\n');
  }
  return 0.0;
}

// Seconds for `steps` training steps: CUDA events on the GPU (the steps run asynchronously);
// otherwise a steady clock, stopped once the backend has finished every queued step.
double seconds_for(Trainer& trainer, std::uint64_t& next_step, std::int64_t steps) {
  if (auto* gpu = dynamic_cast<CudaTrainer*>(&trainer)) {
    // The elapsed time, the GPU's idle gaps included: what a run sees (time-steps also reports
    // the GPU's work alone and the host's drawing).
    const double seconds = gpu->timed_steps(next_step, steps).elapsed_seconds;
    next_step += static_cast<std::uint64_t>(steps);
    return seconds;
  }
  const Clock::time_point start = Clock::now();
  for (std::int64_t k = 0; k < steps; ++k) trainer.train_step(next_step++);
  trainer.collect_steps();
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

BenchRecord measure_throughput(const TrainConfig& config, const ThroughputPlan& plan) {
  reset_peak_rss();
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  const std::unique_ptr<Trainer> trainer = make_trainer(config, initial);
  std::uint64_t next_step = 0;
  const double warmup = seconds_for(*trainer, next_step, plan.warmup_steps);
  const double per_step = std::max(warmup / std::max(plan.warmup_steps, 1), 1e-9);
  const auto steps =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(plan.seconds_per_repeat / per_step));
  std::vector<double> seconds;
  for (int r = 0; r < plan.repeats; ++r) seconds.push_back(seconds_for(*trainer, next_step, steps));
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];

  BenchRecord record;
  record.backend = trainer->backend_name();
  record.variant = "float64";
  record.threads = 1;
  if (const auto* cpu = dynamic_cast<const CpuTrainer*>(trainer.get())) {
    record.variant = "float32-" + cpu->isa();
    record.threads = cpu->threads();
  }
  record.device = cpu_model_name();
  if (const auto* gpu = dynamic_cast<const CudaTrainer*>(trainer.get())) {
    // chain: per-position kernels, cuBLAS updates; fused: one kernel a step (fused_step_v1.cu)
    record.variant =
        "float32-" + choose_cuda_kernel(config.kernel, config.hidden, config.bits).kernel;
    record.threads = 0;
    record.device = gpu->device_name();
  }
  record.batch = config.batch;
  record.hidden = config.hidden;
  record.bits = config.bits;
  record.lr = config.lr;
  record.steps = steps;
  record.repeats = plan.repeats;
  record.steps_per_s = static_cast<double>(steps) / median;
  record.samples_per_s = record.steps_per_s * static_cast<double>(config.batch);
  record.gflops =
      record.samples_per_s * training_flops_per_sample(config.hidden, config.bits) / 1e9;
  record.peak_rss_mib = peak_rss_mib();
  record.commit = build_commit();
  return record;
}

}  // namespace carry
