// verify_command.cpp: `carry verify`, the cuda backend against the float64 reference, step by
// step, within derived float32 tolerances (verification.hpp). Exit status 0 when everything
// agrees, 1 when something does not, 2 when there is no GPU (or a bad option).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "carry/atomic_file.hpp"
#include "carry/backends.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/gpu_probe.hpp"
#include "carry/memory_budget.hpp"
#include "carry/verification.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

struct VerifyOptions {
  TrainConfig config;
  std::string json_path;
};

const char* const kTensorOrder[] = {"outputs", "loss", "dW0", "dWh", "dW1", "W"};

void print_header() {
  std::printf("%-6s", "step");
  for (const char* name : kTensorOrder) std::printf("  %-17s", name);
  std::printf("  %8s  %s\n", "err/tol", "exact (gpu/ref)");
  std::printf("%-6s", "");
  for (std::size_t k = 0; k < std::size(kTensorOrder); ++k)
    std::printf("  %-17s", "max abs  max rel");
  std::printf("\n");
}

void print_step(const StepCheck& check) {
  std::printf("%-6lld", static_cast<long long>(check.step));
  for (const TensorCheck& tensor : check.tensors) {
    std::printf("  %8.1e %8.1e", tensor.max_abs_error, tensor.max_rel_error);
  }
  std::printf("  %8.3f  %llu/%llu%s%s\n", check.worst_ratio(),
              static_cast<unsigned long long>(check.exact_actual),
              static_cast<unsigned long long>(check.exact_expected),
              check.exact_ok && check.prediction_ok ? "" : " (beyond ambiguous outputs)",
              check.passed() ? "" : "  FAIL");
  std::fflush(stdout);
}

nlohmann::json to_json(const VerifyOutcome& outcome, const TrainConfig& config,
                       const std::string& device) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepCheck& check : outcome.steps) {
    nlohmann::json tensors = nlohmann::json::object();
    for (const TensorCheck& tensor : check.tensors) {
      tensors[tensor.name] = {{"max_abs_error", tensor.max_abs_error},
                              {"max_rel_error", tensor.max_rel_error},
                              {"worst_error_over_tolerance", tensor.worst_ratio},
                              {"failures", tensor.failures},
                              {"elements", tensor.elements}};
    }
    steps.push_back({{"step", check.step},
                     {"passed", check.passed()},
                     {"exact_gpu", check.exact_actual},
                     {"exact_reference", check.exact_expected},
                     {"ambiguous_samples", check.ambiguous},
                     {"tensors", tensors}});
  }
  double worst = 0.0;
  for (const StepCheck& check : outcome.steps) worst = std::max(worst, check.worst_ratio());
  return {{"device", device},
          {"bits", config.bits},
          {"hidden", config.hidden},
          {"batch", config.batch},
          {"lr", config.lr},
          {"seed", config.seed},
          {"steps", config.steps},
          {"passed", outcome.passed()},
          {"worst_error_over_tolerance", worst},
          {"replay_identical", outcome.replay_identical},
          {"replay_max_difference", outcome.replay_max_difference},
          {"drift_max_abs", outcome.drift_max_abs},
          {"drift_max_rel", outcome.drift_max_rel},
          {"per_step", steps}};
}

void run_verify(VerifyOptions& options) {
  TrainConfig& config = options.config;
  config.backend = "cuda";
  validate_run(config);
  if (!options.json_path.empty()) check_writable(options.json_path);  // before the work
  if (!cuda_backend_built()) {
    throw UserError("carry verify checks the cuda backend, and this carry was built without CUDA");
  }
  const GpuStatus gpu = probe_gpu();
  if (!gpu.usable) throw UserError("carry verify needs a GPU: no usable GPU: " + gpu.description);
  check_batch_fits(config, verification_memory_need(config), available_memory_bytes());

  const CudaKernelChoice choice = choose_cuda_kernel(config.kernel, config.hidden, config.bits);
  std::printf("carry verify: cuda (%s kernel) on %s against the float64 reference\n",
              choice.kernel.c_str(), gpu.description.c_str());
  std::printf("%d bits, %d hidden, batch %lld, lr %g, seed %lld, %lld steps\n", config.bits,
              config.hidden, static_cast<long long>(config.batch), config.lr,
              static_cast<long long>(config.seed), static_cast<long long>(config.steps));
  std::printf(
      "each step starts both from the GPU's weights; tolerance = 2 x first-order float32 error "
      "bound, gamma(n) = min(n, 4 sqrt n) 2^-24 per sum of n terms\n\n");
  print_header();
  const VerifyOutcome outcome = verify_backend(
      [&](const Parameters& initial) -> std::unique_ptr<DetailedStepper> {
        return make_cuda_trainer(config, initial);
      },
      config, print_step);

  double worst = 0.0;
  std::int64_t failed_steps = 0;
  for (const StepCheck& check : outcome.steps) {
    worst = std::max(worst, check.worst_ratio());
    failed_steps += check.passed() ? 0 : 1;
  }
  std::printf(
      "\nlockstep: %lld of %lld steps within tolerance (largest error %.3g of its "
      "tolerance)\n",
      static_cast<long long>(config.steps - failed_steps), static_cast<long long>(config.steps),
      worst);
  if (outcome.replay_identical) {
    std::printf(
        "replay: the pipelined run's final weights are bit-identical to the lockstep run's\n");
  } else {
    std::printf(
        "replay: the pipelined run's final weights DIFFER from the lockstep run's "
        "(max %.3g)\n",
        outcome.replay_max_difference);
  }
  std::printf(
      "drift from the float64 trajectory after %lld steps: max abs %.3g, max rel %.3g "
      "(information, not judged)\n",
      static_cast<long long>(config.steps), outcome.drift_max_abs, outcome.drift_max_rel);
  std::printf("%s\n", outcome.passed() ? "PASS" : "FAIL");
  flush_standard_output();

  if (!options.json_path.empty()) {
    write_file_atomically(options.json_path,
                          to_json(outcome, config, gpu.description).dump(1) + "\n");
  }
  if (!outcome.passed()) throw CommandStatus{1};
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  TrainConfig& c = options->config;
  c.batch = 256;
  c.steps = 20;
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check the cuda backend against the float64 reference (exit 0 agree, 1 differ, 2 no GPU)");
  add_integer(verify, "--batch", c.batch, {1, kMaxBatch}, "Problems per step");
  add_integer(verify, "--steps", c.steps, {1}, "Steps to compare");
  add_integer(verify, "--hidden", c.hidden, {1, kMaxHidden}, "Hidden units");
  add_integer(verify, "--bits", c.bits, {kMinBits, kMaxTrainBits}, "Bits per problem");
  add_integer(verify, "--seed", c.seed, {0, kMaxSeed}, "Seed for the weights and the batches");
  add_real(verify, "--lr", c.lr, kAboveZero, "Learning rate");
  add_choice(verify, "--kernel", c.kernel, cuda_kernel_names(), kCudaKernelHelp);
  add_integer(verify, "--threads", c.threads, {0, kMaxThreads},
              "Threads of the float64 side (0 = all cores; results do not depend on it)");
  add_path(verify, "--json", options->json_path, "Also write the figures to this JSON file");
  verify->callback([options] { run_verify(*options); });
}

}  // namespace carry::cli
