// verification_test.cpp: label `cpu`. `carry verify`'s comparison, run against the CPU float32
// model of the cuda backend: it passes a correct float32 step, names the tensor and step of a
// wrong one, and notices a pipelined run that differs from the step-by-step one.
#include "carry/verification.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "carry/trainer.hpp"
#include "float32_stepper.hpp"

namespace carry {
namespace {

using testing::Float32CpuStepper;

TrainConfig small_config() {
  TrainConfig config;
  config.bits = 8;
  config.hidden = 16;
  config.batch = 64;
  config.steps = 30;
  config.lr = 4.0;
  config.seed = 11;
  return config;
}

TEST(Verify, PassesAFloat32ImplementationAndItsReplay) {
  const TrainConfig config = small_config();
  int reported = 0;
  const VerifyOutcome outcome = verify_backend(
      [&](const Parameters& initial) {
        return std::make_unique<Float32CpuStepper>(config, initial);
      },
      config,
      [&](const StepCheck& check) {
        EXPECT_EQ(check.step, reported++);
        EXPECT_EQ(check.tensors.size(), 6u);
      });
  EXPECT_EQ(reported, 30);
  for (const StepCheck& check : outcome.steps) {
    for (const TensorCheck& tensor : check.tensors) {
      EXPECT_TRUE(tensor.passed())
          << "step " << check.step << " " << tensor.name << " " << tensor.worst_ratio;
    }
  }
  EXPECT_TRUE(outcome.replay_identical);
  EXPECT_EQ(outcome.replay_max_difference, 0.0);
  EXPECT_TRUE(outcome.passed());
  // float32 training drifts from float64 but stays close over 30 steps.
  EXPECT_GT(outcome.drift_max_abs, 0.0);
  EXPECT_LT(outcome.drift_max_rel, 1e-2);
}

TEST(Verify, NamesTheStepAndTensorOfAWrongGradient) {
  const TrainConfig config = small_config();
  const VerifyOutcome outcome = verify_backend(
      [&](const Parameters& initial) {
        auto stepper = std::make_unique<Float32CpuStepper>(config, initial);
        stepper->tamper = [](std::uint64_t step, StepDetail& detail) {
          if (step == 5) detail.mean_update.wh[3] *= 1.01;
        };
        return stepper;
      },
      config);
  EXPECT_FALSE(outcome.passed());
  for (const StepCheck& check : outcome.steps) {
    EXPECT_EQ(check.passed(), check.step != 5) << "step " << check.step;
    if (check.step == 5) {
      EXPECT_FALSE(check.tensors[3].passed());
      EXPECT_EQ(check.tensors[3].name, "dWh");
      EXPECT_EQ(check.tensors[3].failures, 1u);
      EXPECT_EQ(check.tensors[3].worst_index, 3u);
    }
  }
}

TEST(Verify, CatchesWrongOutputsLossAndCounts) {
  const TrainConfig config = small_config();
  Float32CpuStepper model(config, numpy_initial_parameters(11u, 16));
  const Parameters start = model.parameters();
  const ReferenceStep expected =
      reference_step_with_tolerances(start, make_batch(config, 0), config.bits, config.lr);
  const StepDetail good = model.run_step(0, true);
  ASSERT_TRUE(check_step(0, good, expected).passed());

  StepDetail bad = good;
  bad.outputs[100] = std::numeric_limits<double>::quiet_NaN();
  TensorCheck outputs = check_step(0, bad, expected).tensors[0];
  EXPECT_FALSE(outputs.passed());
  EXPECT_EQ(outputs.worst_ratio, std::numeric_limits<double>::infinity());

  bad = good;
  bad.mean_loss *= 1.001;
  EXPECT_FALSE(check_step(0, bad, expected).tensors[1].passed());

  bad = good;
  bad.exact_correct = expected.exact_correct + expected.ambiguous_samples + 1;
  EXPECT_FALSE(check_step(0, bad, expected).exact_ok);

  bad = good;
  bad.first_prediction ^= ~expected.first_prediction_ambiguous_bits & 0xFFu;
  EXPECT_FALSE(check_step(0, bad, expected).prediction_ok);

  bad = good;
  bad.weights_after.w1[0] += 1e-3;
  EXPECT_FALSE(check_step(0, bad, expected).tensors[5].passed());
}

// Trains step 3 on step 4's batch in the pipelined path only, as a mixed-up input slot would.
class SlotMixup : public Float32CpuStepper {
 public:
  using Float32CpuStepper::Float32CpuStepper;
  StepResult train_step(std::uint64_t step) override {
    return Float32CpuStepper::train_step(step == 3 ? 4 : step);
  }
};

TEST(Verify, NoticesAPipelinedRunThatDiffers) {
  const TrainConfig config = small_config();
  const VerifyOutcome outcome = verify_backend(
      [&](const Parameters& initial) { return std::make_unique<SlotMixup>(config, initial); },
      config);
  for (const StepCheck& check : outcome.steps) EXPECT_TRUE(check.passed()) << check.step;
  EXPECT_FALSE(outcome.replay_identical);
  EXPECT_GT(outcome.replay_max_difference, 0.0);
  EXPECT_FALSE(outcome.passed());
}

TEST(CheckTensor, ZeroTolerancesNansAndShapes) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(check_tensor("a", {0.0, 1.0}, {0.0, 1.0}, {0.0, 0.0}).passed());
  EXPECT_FALSE(check_tensor("b", {0.0, 1.5}, {0.0, 1.0}, {0.0, 0.0}).passed());
  EXPECT_FALSE(check_tensor("c", {nan}, {1.0}, {10.0}).passed());
  EXPECT_FALSE(check_tensor("d", {1.0}, {1.0, 2.0}, {1.0, 1.0}).passed());
  const TensorCheck check = check_tensor("e", {1.1, 2.0, -3.3}, {1.0, 2.0, -3.0}, {0.2, 0.1, 0.2});
  EXPECT_EQ(check.failures, 1u);
  EXPECT_EQ(check.worst_index, 2u);
  EXPECT_NEAR(check.max_abs_error, 0.3, 1e-12);
  EXPECT_NEAR(check.max_rel_error, 0.1, 1e-12);
  EXPECT_NEAR(check.worst_ratio, 1.5, 1e-12);
}

}  // namespace
}  // namespace carry
