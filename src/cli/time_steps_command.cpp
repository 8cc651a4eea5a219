// time_steps_command.cpp: `carry time-steps` (not listed in --help), the time of training steps
// of one backend at one batch size as one JSON line, for scripts (scripts/gpu-check.sh's sweep).
// On cuda, `seconds` and samples_per_s are the GPU's work alone (CUDA events just before and
// after each step's graph, summed), elapsed_* the whole stretch with the GPU's idle gaps, and
// host_draw_* the host's batch drawing (the chain; null for the fused kernels, which draw on the
// GPU), with `paced_by` naming the slower. CPU backends use the steady clock (elapsed = seconds).
// Neither evaluates: only training steps are timed.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/fused_plan.hpp"
#include "carry/trainer.hpp"
#include "cli/commands.hpp"

namespace carry::cli {

namespace {

struct TimeStepsOptions {
  TrainConfig config;
  std::int64_t warmup = 20;
};

struct Timing {
  double seconds = 0.0;          // what samples_per_s is of: the GPU's work alone on cuda
  double elapsed_seconds = 0.0;  // the whole stretch, the GPU's idle gaps included
  std::optional<double> host_draw_seconds;  // cuda's host-side batch drawing, when it has one
  std::string device;
  std::string timer;
  double last_loss = 0.0;
};

Timing time_cuda(const TrainConfig& config, const Parameters& initial, std::int64_t warmup) {
  const std::unique_ptr<CudaTrainer> trainer = make_cuda_trainer(config, initial);
  if (warmup > 0) trainer->timed_steps(0, warmup);
  const StepTiming steps = trainer->timed_steps(static_cast<std::uint64_t>(warmup), config.steps);
  Timing timing;
  timing.seconds = steps.gpu_seconds;
  timing.elapsed_seconds = steps.elapsed_seconds;
  if (steps.host_draws) timing.host_draw_seconds = steps.host_draw_seconds;
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
  timing.elapsed_seconds = timing.seconds;
  timing.device = "cpu";
  timing.timer = "steady-clock";
  timing.last_loss = last.mean_loss;
  return timing;
}

// samples / seconds, or null for no time at all.
nlohmann::json rate(double samples, double seconds) {
  return seconds > 0.0 ? nlohmann::json(samples / seconds) : nlohmann::json(nullptr);
}

void run_time_steps(TimeStepsOptions& options) {
  TrainConfig& config = options.config;
  validate(config);
  if (config.steps < 1) throw UserError("--steps must be at least 1");
  if (options.warmup < 0) throw UserError("--warmup must be 0 or more");
  config.backend = resolve_backend(config.backend);
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
      {"samples_per_s", rate(samples, timing.seconds)},
      {"step_us", timing.seconds * 1e6 / static_cast<double>(config.steps)},
      {"elapsed_seconds", timing.elapsed_seconds},
      {"elapsed_samples_per_s", rate(samples, timing.elapsed_seconds)},
      {"host_draw_seconds", timing.host_draw_seconds ? nlohmann::json(*timing.host_draw_seconds)
                                                     : nlohmann::json(nullptr)},
      {"host_draw_samples_per_s", timing.host_draw_seconds
                                      ? rate(samples, *timing.host_draw_seconds)
                                      : nlohmann::json(nullptr)},
      // The host draws step k + 1 while the GPU runs step k: the slower of the two sets the pace.
      {"paced_by", timing.host_draw_seconds && *timing.host_draw_seconds > timing.seconds
                       ? "host"
                       : (config.backend == "cuda" ? "gpu" : "cpu")},
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
  command->add_option("--backend", c.backend, "auto, cuda or reference")->capture_default_str();
  command->add_option("--batch", c.batch, "Problems per step")->capture_default_str();
  command->add_option("--steps", c.steps, "Timed steps")->capture_default_str();
  command->add_option("--warmup", options->warmup, "Untimed steps first")->capture_default_str();
  command->add_option("--hidden", c.hidden, "Hidden units, 1..256")->capture_default_str();
  command->add_option("--bits", c.bits, "Bits per problem, 2..32")->capture_default_str();
  command->add_option("--lr", c.lr, "Learning rate")->capture_default_str();
  command->add_option("--seed", c.seed, "Seed")->capture_default_str();
  command->add_option("--kernel", c.kernel, kCudaKernelHelp)->capture_default_str();
  command->callback([options] { run_time_steps(*options); });
}

}  // namespace carry::cli
