// self_check_test.cpp: label `cpu`. The check that guards every cuda run (self_check.hpp), with
// the CPU float32 model of the cuda step (float32_stepper.hpp) standing in for the GPU: a step
// done right passes and leaves the run exactly as it was; a wrong one is named in one line (its
// tensor, error and tolerance, the `carry verify` command); --backend cuda then stops with exit
// status 1, --backend auto trains on the CPU instead; --no-self-check and CPU backends run no
// check. Shapes: B batch, T bits, H hidden.
#include "carry/self_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "carry/backends.hpp"
#include "carry/trainer.hpp"
#include "failure_report.hpp"
#include "float32_stepper.hpp"

namespace carry {
namespace {

using testing::Float32CpuStepper;

TrainConfig cuda_config(std::int64_t batch = 32) {
  TrainConfig config;  // the defaults of `carry train`: H 16, T 8, lr 4
  config.backend = "cuda";
  config.batch = batch;
  config.seed = 3;
  return config;
}

Parameters initial_of(const TrainConfig& config) {
  return numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
}

// 1% off in one element of ΔWh: far beyond its float32 tolerance.
void wrong_update(std::uint64_t, StepDetail& detail) {
  detail.mean_update.wh[17] *= 1.01;
}

// Stands in for make_trainer: "cuda" is the float32 CPU model (wrong when `tamper` is set), the
// CPU backends are the real ones. Records the batch of every cuda trainer it makes.
struct FakeBackends {
  std::function<void(std::uint64_t, StepDetail&)> tamper;
  std::vector<std::int64_t> cuda_batches;
  TrainerFactory factory() {
    return
        [this](const TrainConfig& config, const Parameters& initial) -> std::unique_ptr<Trainer> {
          if (config.backend != "cuda") return make_trainer(config, initial);
          cuda_batches.push_back(config.batch);
          auto stepper = std::make_unique<Float32CpuStepper>(config, initial);
          stepper->tamper = tamper;
          return stepper;
        };
  }
};

TEST(SelfCheck, AStepDoneRightPassesAndLeavesTheWeightsAsTheyWere) {
  const TrainConfig config = cuda_config();
  Float32CpuStepper stepper(config, initial_of(config));
  const Parameters before = stepper.parameters();
  const SelfCheckResult result = self_check_step(stepper, config, 0);
  EXPECT_TRUE(result.passed);
  EXPECT_TRUE(result.failure.empty()) << result.failure;
  EXPECT_EQ(result.samples, 32);
  EXPECT_EQ(result.check.tensors.size(), 6u);  // outputs, loss, dW0, dWh, dW1, W
  EXPECT_LT(result.check.worst_ratio(), 1.0);
  EXPECT_EQ(flatten(stepper.parameters()), flatten(before));
}

TEST(SelfCheck, AWrongStepIsNamedInOneLine) {
  const TrainConfig config = cuda_config();
  Float32CpuStepper stepper(config, initial_of(config));
  stepper.tamper = wrong_update;
  const SelfCheckResult result = self_check_step(stepper, config, 0);
  EXPECT_FALSE(result.passed);
  const std::string& line = result.failure;
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(line.find("self-check against the float64 reference failed at step 0 (32 problems, "
                      "H 16, T 8, chain kernels)"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("dWh[17] is off by "), std::string::npos) << line;
  EXPECT_NE(line.find(" against a tolerance of "), std::string::npos) << line;
  EXPECT_NE(line.find("run `carry verify --hidden 16 --bits 8 --batch 32 --seed 3 --lr 4` for "
                      "the details (--no-self-check skips this check)"),
            std::string::npos)
      << line;
  // The error quoted is the element's own, against its own tolerance.
  const TensorCheck& dwh = result.check.tensors[3];
  ASSERT_EQ(dwh.name, "dWh");
  EXPECT_EQ(dwh.worst_index, 17u);
  EXPECT_GT(dwh.worst_error, dwh.worst_tolerance);
  EXPECT_NEAR(dwh.worst_ratio, dwh.worst_error / dwh.worst_tolerance, 1e-12 * dwh.worst_ratio);
}

TEST(SelfCheck, ADifferentExactCountIsNamed) {
  const TrainConfig config = cuda_config();
  Float32CpuStepper stepper(config, initial_of(config));
  stepper.tamper = [](std::uint64_t, StepDetail& detail) { detail.exact_correct += 5; };
  const SelfCheckResult result = self_check_step(stepper, config, 0);
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.failure.find("problems are exactly right where the reference has"),
            std::string::npos)
      << result.failure;
}

TEST(SelfCheck, TheSliceIsAffordableAndNeverEmpty) {
  EXPECT_EQ(self_check_slice(16, 8), kSelfCheckMaxSamples);
  EXPECT_EQ(self_check_slice(256, 32), kSelfCheckMinSamples);
  for (int hidden : {1, 16, 64, 256}) {
    for (int bits : {2, 8, 32}) {
      const std::int64_t slice = self_check_slice(hidden, bits);
      EXPECT_GE(slice, kSelfCheckMinSamples);
      EXPECT_LE(slice, kSelfCheckMaxSamples);
      // Within the work budget unless at the floor.
      if (slice > kSelfCheckMinSamples) {
        EXPECT_LE(double(slice) * bits * (hidden + 2) * (hidden + 2), kSelfCheckWork);
      }
    }
  }
}

TEST(SelfCheck, ALargeBatchIsCheckedOnASliceTrainerMadeAndReleasedFirst) {
  TrainConfig config = cuda_config(5000);
  FakeBackends backends;
  const CheckedTrainer checked =
      make_checked_trainer(config, "cuda", initial_of(config), 7, true, backends.factory());
  ASSERT_TRUE(checked.check.has_value());
  EXPECT_TRUE(checked.check->passed) << checked.check->failure;
  EXPECT_EQ(checked.check->samples, self_check_slice(16, 8));
  EXPECT_EQ(checked.check->step, 7u);
  EXPECT_GT(checked.check->seconds, 0.0);
  // The slice's trainer first, then the run's.
  EXPECT_EQ(backends.cuda_batches, (std::vector<std::int64_t>{self_check_slice(16, 8), 5000}));
  EXPECT_EQ(checked.trainer->backend_name(), "float32-cpu-model");
}

TEST(SelfCheck, AFailedSliceCheckMakesNoGpuTrainerForTheRun) {
  TrainConfig config = cuda_config(5000);
  FakeBackends backends;
  backends.tamper = wrong_update;
  const CheckedTrainer checked =
      make_checked_trainer(config, "auto", initial_of(config), 0, true, backends.factory());
  EXPECT_EQ(backends.cuda_batches, std::vector<std::int64_t>{self_check_slice(16, 8)});
  EXPECT_EQ(checked.trainer->backend_name(), best_cpu_backend());
}

TEST(SelfCheck, AStepThatThrowsFailsTheCheckWithItsMessage) {
  const TrainConfig config = cuda_config();
  Float32CpuStepper run(config, initial_of(config));
  run.tamper = [](std::uint64_t, StepDetail&) {
    throw std::runtime_error("CUDA error: no kernel image is available");
  };
  const SelfCheckResult result = self_check_run_trainer(run, config, 0);
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.failure.find("stopped with: CUDA error: no kernel image is available"),
            std::string::npos)
      << result.failure;
  EXPECT_EQ(result.failure.find('\n'), std::string::npos);
}

TEST(SelfCheck, CudaStopsWithExitStatusOneAndOneLine) {
  TrainConfig config = cuda_config();
  FakeBackends backends;
  backends.tamper = wrong_update;
  try {
    make_checked_trainer(config, "cuda", initial_of(config), 0, true, backends.factory());
    FAIL() << "a wrong step was trained on";
  } catch (const SelfCheckFailure&) {
    std::ostringstream err;
    EXPECT_EQ(cli::report_failure(std::current_exception(), err), 1);
    const std::string text = err.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_EQ(text.rfind("carry: error: the cuda backend's self-check against the float64 "
                         "reference failed at step 0",
                         0),
              0u)
        << text;
    EXPECT_NE(text.find("dWh[17] is off by"), std::string::npos) << text;
  }
}

TEST(SelfCheck, AutoFallsBackToTheBestCpuBackendWithAWarning) {
  TrainConfig config = cuda_config();
  FakeBackends backends;
  backends.tamper = wrong_update;
  const CheckedTrainer checked =
      make_checked_trainer(config, "auto", initial_of(config), 0, true, backends.factory());
  EXPECT_EQ(config.backend, best_cpu_backend());
  ASSERT_NE(checked.trainer, nullptr);
  EXPECT_EQ(checked.trainer->backend_name(), best_cpu_backend());
  ASSERT_TRUE(checked.check.has_value());
  EXPECT_FALSE(checked.check->passed);
  EXPECT_EQ(checked.warning,
            checked.check->failure + "; training on " + best_cpu_backend() + " instead");
  EXPECT_EQ(checked.warning.find('\n'), std::string::npos);
  // And it trains there from the run's initial weights (as that backend holds them).
  EXPECT_EQ(flatten(checked.trainer->parameters()),
            flatten(make_trainer(config, initial_of(config))->parameters()));
}

TEST(SelfCheck, APassingCheckTrainsOnTheCheckedTrainerExactlyAsWithoutIt) {
  FakeBackends backends;
  TrainConfig checked_config = cuda_config();
  CheckedTrainer checked = make_checked_trainer(checked_config, "cuda", initial_of(checked_config),
                                                0, true, backends.factory());
  ASSERT_TRUE(checked.check.has_value());
  EXPECT_TRUE(checked.check->passed);
  EXPECT_TRUE(checked.warning.empty());
  EXPECT_EQ(checked_config.backend, "cuda");
  EXPECT_EQ(backends.cuda_batches, std::vector<std::int64_t>{32});  // the run's own trainer
  TrainConfig plain_config = cuda_config();
  CheckedTrainer plain = make_checked_trainer(plain_config, "cuda", initial_of(plain_config), 0,
                                              false, backends.factory());
  EXPECT_FALSE(plain.check.has_value());
  for (std::uint64_t step = 0; step < 5; ++step) {
    checked.trainer->train_step(step);
    plain.trainer->train_step(step);
  }
  EXPECT_EQ(flatten(checked.trainer->parameters()), flatten(plain.trainer->parameters()));
}

TEST(SelfCheck, NoCheckWhenSkippedOrOnTheCpu) {
  FakeBackends backends;
  backends.tamper = wrong_update;
  TrainConfig skipped = cuda_config();
  EXPECT_FALSE(
      make_checked_trainer(skipped, "cuda", initial_of(skipped), 0, false, backends.factory())
          .check.has_value());
  TrainConfig cpu = cuda_config();
  cpu.backend = "reference";
  EXPECT_FALSE(make_checked_trainer(cpu, "reference", initial_of(cpu), 0, true, backends.factory())
                   .check.has_value());
  EXPECT_EQ(backends.cuda_batches, std::vector<std::int64_t>{32});  // only the skipped one
}

}  // namespace
}  // namespace carry
