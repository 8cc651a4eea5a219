// time_steps_command.cpp: `carry time-steps` (not listed in --help), the time of training steps
// of one backend at one batch size as one JSON line, for scripts (scripts/gpu-check.sh's sweep).
// The measurement is the bench's (time_training_steps, src/bench/time_steps.cpp). On cuda,
// `seconds` and samples_per_s are the GPU's work alone, elapsed_* the whole stretch with the GPU's
// idle gaps, and host_draw_* the host's batch drawing (the chain; null for the fused kernels,
// which draw on the GPU), with `paced_by` naming the slower.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/memory_budget.hpp"
#include "carry/resume.hpp"
#include "commands.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

struct TimeStepsOptions {
  TrainConfig config;
  std::int64_t warmup = 20;
};

// samples / seconds, or null for no time at all.
nlohmann::json rate(double samples, double seconds) {
  return seconds > 0.0 ? nlohmann::json(samples / seconds) : nlohmann::json(nullptr);
}

void run_time_steps(TimeStepsOptions& options) {
  TrainConfig& config = options.config;
  validate_run(config);
  config.backend = resolve_backend(config.backend);
  // The steps' numbers and samples must fit in 64 bits, the batch in memory.
  if (!run_length_fits(options.warmup, config.steps, config.batch)) {
    throw UserError("--warmup " + std::to_string(options.warmup) + " and --steps " +
                    std::to_string(config.steps) + " of --batch " + std::to_string(config.batch) +
                    " would pass 2^63 - 1 steps or samples; ask for fewer steps");
  }
  check_batch_fits(config, training_memory_need(config), available_memory_bytes());
  const TrainingStepsTiming timing = time_training_steps(config, options.warmup);
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
