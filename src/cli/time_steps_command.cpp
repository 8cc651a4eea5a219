// time_steps_command.cpp: `carry time-steps` (not listed in --help), the time of training steps
// of one backend at one batch size as one JSON line, for scripts (scripts/gpu-check.sh's sweep).
// The cuda backend is timed with CUDA events around the timed steps (after warm-up steps); CPU
// backends with the steady clock. Neither evaluates: only training steps are timed.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/fused_plan.hpp"
#include "carry/memory_budget.hpp"
#include "carry/resume.hpp"
#include "carry/trainer.hpp"
#include "cli/commands.hpp"
#include "cli/typed_options.hpp"

namespace carry::cli {

namespace {

struct TimeStepsOptions {
  TrainConfig config;
  std::int64_t warmup = 20;
};

struct Timing {
  double seconds = 0.0;
  std::string device;
  std::string timer;
  double last_loss = 0.0;
};

Timing time_cuda(const TrainConfig& config, const Parameters& initial, std::int64_t warmup) {
  const std::unique_ptr<CudaTrainer> trainer = make_cuda_trainer(config, initial);
  if (warmup > 0) trainer->timed_steps(0, warmup);
  Timing timing;
  timing.seconds = trainer->timed_steps(static_cast<std::uint64_t>(warmup), config.steps);
  timing.device = trainer->device_name();
  timing.timer = "cuda-events";
  timing.last_loss = trainer->collect_steps()->last.mean_loss;
  return timing;
}

Timing time_host(const TrainConfig& config, const Parameters& initial, std::int64_t warmup) {
  const std::unique_ptr<Trainer> trainer = make_trainer(config, initial);
  for (std::int64_t step = 0; step < warmup; ++step) trainer->train_step(step);
  Timing timing;
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

void run_time_steps(TimeStepsOptions& options) {
  TrainConfig& config = options.config;
  validate(config);
  config.backend = resolve_backend(config.backend);
  // The steps' numbers and samples must fit in 64 bits, the batch in memory.
  if (!run_length_fits(options.warmup, config.steps, config.batch)) {
    throw UserError("--warmup " + std::to_string(options.warmup) + " and --steps " +
                    std::to_string(config.steps) + " of --batch " + std::to_string(config.batch) +
                    " would pass 2^63 - 1 steps or samples; ask for fewer steps");
  }
  check_batch_fits(config, available_memory_bytes());
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  const Timing timing = config.backend == "cuda" ? time_cuda(config, initial, options.warmup)
                                                 : time_host(config, initial, options.warmup);
  const double samples = static_cast<double>(config.steps) * static_cast<double>(config.batch);
  const nlohmann::json line = {
      {"backend", config.backend},
      {"kernel", config.backend == "cuda"
                     ? choose_cuda_kernel(config.kernel, config.hidden, config.bits).kernel
                     : std::string("-")},
      {"device", timing.device},
      {"bits", config.bits},
      {"hidden", config.hidden},
      {"batch", config.batch},
      {"warmup_steps", options.warmup},
      {"steps", config.steps},
      {"seconds", timing.seconds},
      {"samples_per_s", samples / timing.seconds},
      {"step_us", timing.seconds * 1e6 / static_cast<double>(config.steps)},
      {"timer", timing.timer},
      {"last_loss", timing.last_loss}};
  std::printf("%s\n", line.dump().c_str());
}

}  // namespace

void add_time_steps_command(CLI::App& app) {
  auto options = std::make_shared<TimeStepsOptions>();
  TrainConfig& c = options->config;
  c.batch = 1024;
  c.steps = 200;
  CLI::App* command = app.add_subcommand("time-steps", "Time training steps; prints one JSON line");
  command->group("");  // unlisted: a tool for scripts such as scripts/gpu-check.sh
  add_choice(command, "--backend", c.backend, backend_names(), "auto, cuda, cpu or reference");
  add_integer(command, "--batch", c.batch, {1, kMaxBatch}, "Problems per step");
  add_integer(command, "--steps", c.steps, {1}, "Timed steps");
  add_integer(command, "--warmup", options->warmup, {0}, "Untimed steps first");
  add_integer(command, "--hidden", c.hidden, {1, kMaxHidden}, "Hidden units");
  add_integer(command, "--bits", c.bits, {kMinBits, kMaxTrainBits}, "Bits per problem");
  add_real(command, "--lr", c.lr, kAboveZero, "Learning rate");
  add_integer(command, "--seed", c.seed, {0, kMaxSeed}, "Seed");
  add_choice(command, "--kernel", c.kernel, cuda_kernel_names(), kCudaKernelHelp);
  command->callback([options] { run_time_steps(*options); });
}

}  // namespace carry::cli
