// cuda_trainer_test.cpp: label `gpu`. The whole cuda backend through its public interface, against
// the float64 reference: one step at odd sizes, 100 steps in lockstep plus the pipelined replay,
// bit-identical reruns, the collected losses, weights in and out, the largest weight reduced on
// the GPU, the batch-too-large error, and training to full accuracy. Skips without a GPU (fails
// with CARRY_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/training_loop.hpp"
#include "carry/verification.hpp"
#include "gpu_test_support.hpp"
#include "step_expectations.hpp"

namespace carry {
namespace {

using testing::expect_step_passes;

TrainConfig cuda_config(int bits, int hidden, std::int64_t batch, std::int64_t seed = 0) {
  return testing::cuda_test_config("chain", bits, hidden, batch, seed);
}

std::unique_ptr<CudaTrainer> make(const TrainConfig& config) {
  return testing::make_seeded_cuda_trainer(config);
}

TEST(CudaTrainer, OneStepMatchesTheReferenceAtOddSizes) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  double worst = 0.0;
  for (std::int64_t batch : {1, 3, 1000, 65537}) {
    for (int hidden : {1, 7, 16, 64}) {
      for (int bits : {2, 8, 16}) {
        if (batch * bits * hidden * hidden > (std::int64_t{1} << 28)) continue;  // reference time
        const std::string what = "B " + std::to_string(batch) + " H " + std::to_string(hidden) +
                                 " T " + std::to_string(bits);
        const TrainConfig config = cuda_config(bits, hidden, batch, bits + hidden);
        const auto trainer = make(config);
        worst = std::max(worst, testing::expect_slot_steps_match(*trainer, config, what));
      }
    }
  }
  std::printf("largest error, as a fraction of its tolerance: %.3g\n", worst);
}

TEST(CudaTrainer, HundredStepsMatchTheReference) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  TrainConfig config = cuda_config(8, 16, 256);
  config.steps = 100;
  const VerifyOutcome outcome = verify_backend(
      [&](const Parameters& initial) -> std::unique_ptr<DetailedStepper> {
        return make_cuda_trainer(config, initial);
      },
      config);
  testing::expect_verify_passes(outcome, 100, "chain");
  std::printf("drift from float64 after 100 steps: max abs %.3g, max rel %.3g\n",
              outcome.drift_max_abs, outcome.drift_max_rel);
}

TEST(CudaTrainer, TwoRunsAreBitIdentical) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (const TrainConfig& config : {cuda_config(8, 7, 1000, 3), cuda_config(16, 16, 65537, 4)}) {
    testing::expect_identical_runs(*make(config), *make(config), "chain");
  }
}

// A NaN weight makes the GPU's largest weight NaN, as the host's, so the divergence guard sees it.
TEST(CudaTrainer, ALargestWeightOfNaNIsNaN) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const auto trainer = make(cuda_config(8, 5, 10));
  Parameters params = Parameters::zeros(5);
  params.wh[7] = std::numeric_limits<double>::quiet_NaN();
  params.w1[2] = -3.0;
  trainer->set_parameters(params);
  EXPECT_TRUE(std::isnan(trainer->largest_weight_magnitude()));
  params.wh[7] = 2.5;
  trainer->set_parameters(params);
  EXPECT_EQ(trainer->largest_weight_magnitude(), 3.0);
}

TEST(CudaTrainer, CollectedLossesAreTheStepLosses) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const TrainConfig config = cuda_config(8, 16, 300, 9);
  const auto pipelined = make(config);
  const auto stepped = make(config);
  double loss_sum = 0.0;
  StepDetail last;
  for (std::uint64_t step = 0; step < 12; ++step) {
    const StepResult provisional = pipelined->train_step(step);
    EXPECT_EQ(provisional.example.a, counter_problem(9, step, 0, 8).a);
    last = stepped->run_step(step, true);
    loss_sum += last.mean_loss;
  }
  const CollectedSteps collected = *pipelined->collect_steps();
  EXPECT_EQ(collected.loss_sum, loss_sum);
  EXPECT_EQ(collected.last.mean_loss, last.mean_loss);
  EXPECT_EQ(collected.last.example_prediction, last.first_prediction);
  EXPECT_EQ(collected.last.example.a, counter_problem(9, 11, 0, 8).a);
  // Collecting again starts from nothing.
  EXPECT_EQ(pipelined->collect_steps()->loss_sum, 0.0);
}

TEST(CudaTrainer, WeightsGoInAndComeOutExactly) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const TrainConfig config = cuda_config(8, 5, 10);
  const auto trainer = make(config);
  Parameters params = Parameters::zeros(5);
  float value = -1.75f;
  for (std::vector<double>* tensor : {&params.w0, &params.wh, &params.w1}) {
    for (double& w : *tensor) w = value += 0.3125f;  // float32 values
  }
  trainer->set_parameters(params);
  EXPECT_EQ(flatten(trainer->parameters()), flatten(params));
  EXPECT_THROW(trainer->set_parameters(Parameters::zeros(6)), UserError);
}

TEST(CudaTrainer, TooLargeABatchNamesTheLargestThatFits) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const TrainConfig config = cuda_config(32, 256, kMaxBatch);
  try {
    make(config);
    FAIL() << "a batch of 2^26 at H 256, T 32 (about 4 TiB) was accepted";
  } catch (const UserError& error) {
    const std::string message = error.what();
    const std::string marker = "the largest batch that fits is ";
    const std::size_t at = message.find(marker);
    ASSERT_NE(at, std::string::npos) << message;
    const long long largest = std::stoll(message.substr(at + marker.size()));
    EXPECT_GT(largest, 0) << message;
    EXPECT_LT(largest, kMaxBatch) << message;
    EXPECT_NE(message.find("--batch 67108864 needs"), std::string::npos) << message;
  }
}

TEST(CudaTrainer, TrainsToFullAccuracyWithTheDefaults) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  TrainConfig config;  // the defaults of `carry train`
  config.backend = "cuda";
  const auto trainer = make(config);
  const TrainingOutcome outcome = run_training(*trainer, config, 0, nullptr);
  EXPECT_TRUE(outcome.target_reached)
      << "after " << outcome.steps_done << " steps: " << outcome.final_evaluation.exact_accuracy();
}

TEST(CudaTrainer, TimedStepsTakeTime) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const auto trainer = make(cuda_config(8, 16, 4096));
  const StepTiming timing = trainer->timed_steps(0, 20);
  EXPECT_EQ(timing.steps, 20);
  EXPECT_GT(timing.gpu_seconds, 0.0);
  EXPECT_LT(timing.elapsed_seconds, 10.0);
  // The GPU's work is inside the elapsed stretch; the host drew every batch.
  EXPECT_LE(timing.gpu_seconds, timing.elapsed_seconds + 1e-4);  // events' resolution
  EXPECT_TRUE(timing.host_draws);
  EXPECT_GT(timing.host_draw_seconds, 0.0);
  EXPECT_NE(trainer->device_name().find("sm_"), std::string::npos);
}

}  // namespace
}  // namespace carry
