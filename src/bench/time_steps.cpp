// time_steps.cpp: time_training_steps (bench.hpp), the measurement behind `carry time-steps`.
// On cuda, `seconds` is the GPU's work alone (CUDA events just before and after each step's graph,
// summed), `elapsed_seconds` the whole stretch with the GPU's idle gaps, and the host's batch
// drawing is timed apart (the chain). CPU backends use the steady clock (elapsed = seconds).
// Neither evaluates: only training steps are timed.
#include <chrono>
#include <memory>

#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/cuda_backend.hpp"

namespace carry {

namespace {

TrainingStepsTiming time_cuda(const TrainConfig& config, const Parameters& initial,
                              std::int64_t warmup) {
  const std::unique_ptr<CudaTrainer> trainer = make_cuda_trainer(config, initial);
  if (warmup > 0) trainer->timed_steps(0, warmup);
  const StepTiming steps = trainer->timed_steps(static_cast<std::uint64_t>(warmup), config.steps);
  TrainingStepsTiming timing;
  timing.seconds = steps.gpu_seconds;
  timing.elapsed_seconds = steps.elapsed_seconds;
  if (steps.host_draws) timing.host_draw_seconds = steps.host_draw_seconds;
  timing.device = trainer->device_name();
  timing.timer = "cuda-events";
  timing.last_loss = trainer->collect_steps()->last.mean_loss;
  return timing;
}

TrainingStepsTiming time_host(const TrainConfig& config, const Parameters& initial,
                              std::int64_t warmup) {
  const std::unique_ptr<Trainer> trainer = make_trainer(config, initial);
  for (std::int64_t step = 0; step < warmup; ++step) trainer->train_step(step);
  TrainingStepsTiming timing;
  const auto start = std::chrono::steady_clock::now();
  StepResult last;
  for (std::int64_t i = 0; i < config.steps; ++i) {
    last = trainer->train_step(static_cast<std::uint64_t>(warmup + i));
  }
  timing.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  timing.elapsed_seconds = timing.seconds;
  timing.device = "cpu";
  timing.timer = "steady-clock";
  timing.last_loss = last.mean_loss;
  return timing;
}

}  // namespace

TrainingStepsTiming time_training_steps(const TrainConfig& config, std::int64_t warmup) {
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  return config.backend == "cuda" ? time_cuda(config, initial, warmup)
                                  : time_host(config, initial, warmup);
}

}  // namespace carry
