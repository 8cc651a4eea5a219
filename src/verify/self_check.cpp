// self_check.cpp: see self_check.hpp.
#include "carry/self_check.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include "carry/backends.hpp"
#include "carry/errors.hpp"
#include "carry/trainer.hpp"

namespace carry {

namespace {

// The command that shows every tensor of this configuration's steps.
std::string verify_command(const TrainConfig& config, std::int64_t samples) {
  std::string command = "carry verify";
  if (config.kernel != "chain") command += " --kernel " + config.kernel;
  command += " --hidden " + std::to_string(config.hidden) + " --bits " +
             std::to_string(config.bits) + " --batch " + std::to_string(samples) + " --seed " +
             std::to_string(config.seed) + " --lr " + message_number(config.lr);
  return command;
}

// The failed tensor with the largest error against its tolerance, or null when all passed.
const TensorCheck* worst_failure(const StepCheck& check) {
  const TensorCheck* worst = nullptr;
  for (const TensorCheck& tensor : check.tensors) {
    if (tensor.passed()) continue;
    if (worst == nullptr || !(tensor.worst_ratio <= worst->worst_ratio)) worst = &tensor;
  }
  return worst;
}

std::string what_disagreed(const StepCheck& check) {
  if (const TensorCheck* tensor = worst_failure(check)) {
    std::string text = tensor->name;
    if (tensor->elements > 1) text += "[" + std::to_string(tensor->worst_index) + "]";
    text += " is off by " + message_number(tensor->worst_error) + " against a tolerance of " +
            message_number(tensor->worst_tolerance);
    if (std::isfinite(tensor->worst_ratio))
      text += " (" + message_number(tensor->worst_ratio) + "x)";
    if (tensor->failures > 1) {
      text += ", " + std::to_string(tensor->failures) + " of its " +
              std::to_string(tensor->elements) + " elements beyond theirs";
    }
    return text;
  }
  if (!check.exact_ok) {
    return std::to_string(check.exact_actual) + " problems are exactly right where the reference " +
           "has " + std::to_string(check.exact_expected) + " (" + std::to_string(check.ambiguous) +
           " within their tolerance of 0.5)";
  }
  return "the answer to the first problem differs from the reference's beyond outputs within "
         "their tolerance of 0.5";
}

using Clock = std::chrono::steady_clock;

}  // namespace

std::int64_t self_check_slice(int hidden, int bits) {
  const double per_problem = double(bits) * double(hidden + 2) * double(hidden + 2);
  const double affordable = std::floor(kSelfCheckWork / per_problem);
  return static_cast<std::int64_t>(
      std::clamp(affordable, double(kSelfCheckMinSamples), double(kSelfCheckMaxSamples)));
}

SelfCheckResult self_check_step(DetailedStepper& stepper, const TrainConfig& config,
                                std::uint64_t step) {
  SelfCheckResult result;
  result.step = step;
  result.samples = config.batch;
  const Parameters weights = stepper.parameters();  // float32 values, exact in float64
  const StepDetail actual = stepper.run_step(step, true);
  // Put the weights back (exactly: they are the backend's own values), so the run that follows
  // starts where it would have without the check.
  stepper.set_parameters(weights);
  const ReferenceStep expected = reference_step_with_tolerances(
      weights, make_batch(config, step), config.bits, config.lr, config.threads);
  result.check = check_step(static_cast<std::int64_t>(step), actual, expected);
  result.passed = result.check.passed();
  if (!result.passed) result.failure = self_check_failure_line(result, config);
  return result;
}

std::string self_check_failure_line(const SelfCheckResult& result, const TrainConfig& config) {
  const std::string where = "at step " + std::to_string(result.step) + " (" +
                            std::to_string(result.samples) + " problems, H " +
                            std::to_string(config.hidden) + ", T " + std::to_string(config.bits) +
                            ", " + config.kernel + " kernels), ";
  return "the cuda backend's self-check against the float64 reference failed " + where +
         what_disagreed(result.check) + "; run `" + verify_command(config, result.samples) +
         "` for the details (--no-self-check skips this check)";
}

namespace {

SelfCheckResult timed_self_check(const TrainConfig& config, std::int64_t samples,
                                 std::uint64_t step,
                                 const std::function<SelfCheckResult()>& check) {
  const Clock::time_point start = Clock::now();
  SelfCheckResult result;
  try {
    result = check();
  } catch (const std::exception& error) {
    result = SelfCheckResult{};
    result.step = step;
    result.samples = samples;
    result.failure = "the cuda backend's self-check failed: step " + std::to_string(step) + " on " +
                     std::to_string(samples) + " problems stopped with: " + error.what() +
                     "; run `" + verify_command(config, samples) +
                     "` for the details (--no-self-check skips this check)";
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace

SelfCheckResult self_check_run_trainer(DetailedStepper& run, const TrainConfig& config,
                                       std::uint64_t first_step) {
  return timed_self_check(config, config.batch, first_step,
                          [&] { return self_check_step(run, config, first_step); });
}

SelfCheckResult self_check_slice_trainer(const TrainConfig& config, const Parameters& initial,
                                         std::uint64_t first_step, const TrainerFactory& make) {
  TrainConfig slice = config;
  slice.batch = std::min<std::int64_t>(config.batch, self_check_slice(config.hidden, config.bits));
  return timed_self_check(config, slice.batch, first_step, [&] {
    const std::unique_ptr<Trainer> trainer = make(slice, initial);
    auto* stepper = dynamic_cast<DetailedStepper*>(trainer.get());
    if (stepper == nullptr) throw std::logic_error("a trainer that cannot show its steps");
    return self_check_step(*stepper, slice, first_step);
  });
}

CheckedTrainer make_checked_trainer(TrainConfig& config, const std::string& requested_backend,
                                    const Parameters& initial, std::uint64_t first_step,
                                    bool run_check, const TrainerFactory& make) {
  CheckedTrainer result;
  if (config.backend != "cuda" || !run_check) {
    result.trainer = make(config, initial);
    return result;
  }
  if (config.batch > self_check_slice(config.hidden, config.bits)) {
    // Checked on a trainer of its own, made and released before the run's takes its memory.
    result.check = self_check_slice_trainer(config, initial, first_step, make);
    if (result.check->passed) result.trainer = make(config, initial);
  } else {
    result.trainer = make(config, initial);
    auto* stepper = dynamic_cast<DetailedStepper*>(result.trainer.get());
    if (stepper == nullptr) throw std::logic_error("the cuda trainer cannot show its steps");
    result.check = self_check_run_trainer(*stepper, config, first_step);
  }
  if (result.check->passed) return result;
  if (requested_backend != "auto") throw SelfCheckFailure(result.check->failure);
  result.trainer.reset();  // its GPU memory first
  config.backend = best_cpu_backend();
  result.trainer = make(config, initial);
  result.warning = result.check->failure + "; training on " + config.backend + " instead";
  return result;
}

}  // namespace carry
