// divergence_test.cpp: the divergence guard stops a run whose loss or weights blew up, names the
// step and suggests a lower learning rate, and a diverged run never reaches its checkpoint.
#include "carry/divergence.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "carry/backends.hpp"
#include "carry/checkpoint.hpp"
#include "carry/parameters.hpp"
#include "carry/periodic_checkpoint.hpp"
#include "carry/training_loop.hpp"
#include "temp_folder.hpp"

namespace carry {
namespace {

std::string divergence_message(std::int64_t steps, double loss, double weight) {
  try {
    check_not_diverged(steps, loss, weight, 1e30);
  } catch (const DivergenceError& error) {
    EXPECT_EQ(error.steps_done(), steps);
    return error.what();
  }
  return "";
}

TEST(Divergence, HealthyStepsPass) {
  EXPECT_NO_THROW(check_not_diverged(1, 0.5, 0.0, 4.0));
  EXPECT_NO_THROW(check_not_diverged(1, 0.0, 50.0, 4.0));
  EXPECT_NO_THROW(check_not_diverged(1, 4.0, kLargestUsefulWeight, 4.0));
}

TEST(Divergence, NonFiniteOrSaturatingValuesStopTheRun) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();
  const std::string nan_loss = divergence_message(7, nan, 1.0);
  EXPECT_NE(nan_loss.find("training diverged at step 7: the loss is nan"), std::string::npos)
      << nan_loss;
  EXPECT_NE(nan_loss.find("try a lower --lr (this run used 1e+30)"), std::string::npos) << nan_loss;
  EXPECT_NE(divergence_message(8, 1.0, infinity).find("a weight is inf"), std::string::npos);
  EXPECT_NE(divergence_message(9, 1.0, nan).find("a weight is nan"), std::string::npos);
  EXPECT_NE(divergence_message(10, 1.0, 1.57e29).find("a weight reached 1.57e+29"),
            std::string::npos);
  EXPECT_NE(divergence_message(11, 1.0, std::nextafter(kLargestUsefulWeight, 1e300)), "");
}

TEST(Divergence, LargestMagnitudeSeesEveryWeight) {
  Parameters params = Parameters::zeros(3);
  params.wh[4] = -7.0;
  EXPECT_EQ(largest_magnitude(params), 7.0);
  params.w1[2] = -std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isinf(largest_magnitude(params)));
  params.w0[0] = std::numeric_limits<double>::quiet_NaN();  // NaN first, infinity later
  EXPECT_TRUE(std::isnan(largest_magnitude(params)));
}

TEST(Divergence, AHugeLearningRateStopsTrainingAtItsFirstStep) {
  TrainConfig config;
  config.backend = "reference";
  config.lr = 1e30;
  config.until_accuracy = 0.0;
  const auto trainer = make_trainer(config, numpy_initial_parameters(0u, config.hidden));
  try {
    run_training(*trainer, config, 0, nullptr);
    ADD_FAILURE() << "lr 1e30 trained without diverging";
  } catch (const DivergenceError& error) {
    EXPECT_EQ(error.steps_done(), 1);
  }
}

// A backend whose weights turn to NaN at step `bad_step`.
class BreakingTrainer final : public Trainer {
 public:
  explicit BreakingTrainer(std::int64_t bad_step) : bad_step_(bad_step) {}
  std::string backend_name() const override { return "reference"; }
  StepResult train_step(std::uint64_t step) override {
    params_.w0[0] = static_cast<double>(step) + 1.0;
    if (static_cast<std::int64_t>(step) + 1 >= bad_step_) params_.wh[1] = std::nan("");
    return StepResult{};
  }
  Parameters parameters() const override { return params_; }

 private:
  std::int64_t bad_step_;
  Parameters params_ = Parameters::zeros(2);
};

using DivergenceFiles = testing::TempFolder;

TEST_F(DivergenceFiles, TheLastGoodCheckpointIsKept) {
  TrainConfig config;
  config.backend = "reference";
  config.hidden = 2;
  config.steps = 100;
  config.until_accuracy = 0.0;
  BreakingTrainer trainer(/*bad_step=*/13);
  PeriodicCheckpoint periodic(path("model.json"), 5, config);
  TrainingHooks hooks;
  hooks.after_step = [&](std::int64_t steps_done) { periodic.after_step(trainer, steps_done); };
  try {
    run_training(trainer, config, 0, hooks);
    ADD_FAILURE() << "NaN weights went unnoticed";
  } catch (const DivergenceError& error) {
    EXPECT_EQ(error.steps_done(), 13);
    EXPECT_NE(std::string(error.what()).find("at step 13: a weight is nan"), std::string::npos);
  }
  EXPECT_EQ(periodic.last_saved_step(), 10);
  const Checkpoint kept = load_checkpoint(path("model.json"));
  EXPECT_EQ(kept.steps_done, 10);
  EXPECT_EQ(kept.params.w0[0], 10.0);
}

}  // namespace
}  // namespace carry
