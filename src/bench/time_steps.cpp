// time_steps.cpp: time_training_steps (bench.hpp), the measurement behind `carry time-steps`.
// The cuda backend is timed with CUDA events around the timed steps, CPU backends with the steady
// clock; neither evaluates: only training steps are timed.
#include <chrono>
#include <memory>

#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/cuda_backend.hpp"

namespace carry {

namespace {

StepTiming time_cuda(const TrainConfig& config, const Parameters& initial, std::int64_t warmup) {
  const std::unique_ptr<CudaTrainer> trainer = make_cuda_trainer(config, initial);
  if (warmup > 0) trainer->timed_steps(0, warmup);
  StepTiming timing;
  timing.seconds = trainer->timed_steps(static_cast<std::uint64_t>(warmup), config.steps);
  timing.device = trainer->device_name();
  timing.timer = "cuda-events";
  timing.last_loss = trainer->collect_steps()->last.mean_loss;
  return timing;
}

StepTiming time_host(const TrainConfig& config, const Parameters& initial, std::int64_t warmup) {
  const std::unique_ptr<Trainer> trainer = make_trainer(config, initial);
  for (std::int64_t step = 0; step < warmup; ++step) trainer->train_step(step);
  StepTiming timing;
  const auto start = std::chrono::steady_clock::now();
  StepResult last;
  for (std::int64_t i = 0; i < config.steps; ++i) {
    last = trainer->train_step(static_cast<std::uint64_t>(warmup + i));
  }
  timing.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  timing.device = "cpu";
  timing.timer = "steady-clock";
  timing.last_loss = last.mean_loss;
  return timing;
}

}  // namespace

StepTiming time_training_steps(const TrainConfig& config, std::int64_t warmup) {
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  return config.backend == "cuda" ? time_cuda(config, initial, warmup)
                                  : time_host(config, initial, warmup);
}

}  // namespace carry
