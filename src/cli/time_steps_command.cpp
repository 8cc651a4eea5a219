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
#include "commands.hpp"

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
  if (config.steps < 1) throw UserError("--steps must be at least 1");
  if (options.warmup < 0) throw UserError("--warmup must be 0 or more");
  config.backend = resolve_backend(config.backend);
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
  command->add_option("--backend", c.backend, "auto, cuda, cpu or reference")
      ->capture_default_str();
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
