// step_expectations.hpp: what every test that holds a fast step against the float64 reference
// expects (verification.hpp's check_step): each tensor within its float32 tolerance, and the
// exact-match count and sample 0's answer equal up to outputs within their tolerance of 0.5; and
// the configuration such tests start from, the two-step check every backend gets, and the
// bit-identical rerun every cuda trainer gets. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "carry/config.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/step_detail.hpp"
#include "carry/trainer.hpp"
#include "carry/verification.hpp"

namespace carry::testing {

inline void expect_step_passes(const StepCheck& check, const std::string& what) {
  for (const TensorCheck& tensor : check.tensors) {
    EXPECT_TRUE(tensor.passed()) << what << ": " << tensor.name << " " << tensor.failures << " of "
                                 << tensor.elements << " over tolerance, worst error/tolerance "
                                 << tensor.worst_ratio << " at " << tensor.worst_index
                                 << ", max abs " << tensor.max_abs_error;
  }
  EXPECT_TRUE(check.exact_ok) << what << ": exact " << check.exact_actual << " vs "
                              << check.exact_expected << " (" << check.ambiguous << " ambiguous)";
  EXPECT_TRUE(check.prediction_ok) << what;
}

// verify_backend's outcome over `steps` steps: every lockstep step within tolerance, and the
// pipelined replay bit-identical.
inline void expect_verify_passes(const VerifyOutcome& outcome, std::size_t steps,
                                 const std::string& what) {
  ASSERT_EQ(outcome.steps.size(), steps) << what;
  for (const StepCheck& check : outcome.steps) {
    expect_step_passes(check, what + " step " + std::to_string(check.step));
  }
  EXPECT_TRUE(outcome.replay_identical)
      << what << ": max difference " << outcome.replay_max_difference;
}

// Steps 7 and 8 of config from the stepper's current weights, each against the reference from
// the same weights: step 7 applies its update and must match within tolerance; step 8 (the other
// input slot of a double-buffered backend) does not apply it, and the weights must stay. Returns
// step 7's largest error as a fraction of its tolerance.
inline double expect_slot_steps_match(DetailedStepper& stepper, const TrainConfig& config,
                                      const std::string& what) {
  double worst = 0.0;
  for (std::uint64_t step : {7u, 8u}) {
    const bool apply = step == 7;
    const Parameters start = stepper.parameters();
    const StepDetail actual = stepper.run_step(step, apply);
    if (apply) {
      const ReferenceStep expected =
          reference_step_with_tolerances(start, make_batch(config, step), config.bits, config.lr);
      const StepCheck check = check_step(static_cast<std::int64_t>(step), actual, expected);
      expect_step_passes(check, what);
      worst = check.worst_ratio();
    } else {
      EXPECT_EQ(flatten(actual.weights_after), flatten(start)) << what;
      EXPECT_EQ(flatten(stepper.parameters()), flatten(start)) << what;
    }
  }
  return worst;
}

// Two trainers made alike: 50 queued steps, then one step run in detail, must agree bit for bit
// (the collected losses, the last answer, the weights, the outputs, the update, the exact count).
// And each trainer's largest weight, reduced on the GPU, is the host's maximum of its weights.
inline void expect_identical_runs(CudaTrainer& first, CudaTrainer& second,
                                  const std::string& what) {
  for (std::uint64_t step = 0; step < 50; ++step) {
    first.train_step(step);
    second.train_step(step);
  }
  const CollectedSteps a = *first.collect_steps();
  const CollectedSteps b = *second.collect_steps();
  EXPECT_EQ(a.loss_sum, b.loss_sum) << what;
  EXPECT_EQ(a.last.mean_loss, b.last.mean_loss) << what;
  EXPECT_EQ(a.last.example_prediction, b.last.example_prediction) << what;
  EXPECT_EQ(flatten(first.parameters()), flatten(second.parameters())) << what;
  EXPECT_EQ(first.largest_weight_magnitude(), largest_magnitude(first.parameters())) << what;
  const StepDetail x = first.run_step(50, true);
  const StepDetail y = second.run_step(50, true);
  EXPECT_EQ(x.outputs, y.outputs) << what;
  EXPECT_EQ(flatten(x.mean_update), flatten(y.mean_update)) << what;
  EXPECT_EQ(x.mean_loss, y.mean_loss) << what;
  EXPECT_EQ(x.exact_correct, y.exact_correct) << what;
}

// A cuda run of the given kernel and size, lr 4 (the batch-size rule's value from B 16 on).
inline TrainConfig cuda_test_config(const std::string& kernel, int bits, int hidden,
                                    std::int64_t batch, std::int64_t seed = 0) {
  TrainConfig config;
  config.backend = "cuda";
  config.kernel = kernel;
  config.bits = bits;
  config.hidden = hidden;
  config.batch = batch;
  config.seed = seed;
  config.lr = 4.0;
  return config;
}

}  // namespace carry::testing
