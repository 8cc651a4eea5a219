// async_training_loop_test.cpp: label `cpu`. The training loop with a backend that queues its
// steps (as cuda does): reports carry the collected losses and the last step's example, and the
// loop collects once per report, never per step.
#include <gtest/gtest.h>

#include <vector>

#include "carry/training_loop.hpp"
#include "queued_trainer.hpp"

namespace carry {
namespace {

using testing::QueuedTrainer;

// `steps` steps of H 2, T 4, a report every 4 steps, none of them stopping the run.
TrainConfig queued_config(std::int64_t steps) {
  TrainConfig config;
  config.hidden = 2;
  config.bits = 4;
  config.steps = steps;
  config.report_every = 4;
  config.until_accuracy = 0.0;
  return config;
}

TEST(AsyncTrainingLoop, ReportsCarryTheCollectedLossesAndTheLastExample) {
  const TrainConfig config = queued_config(10);
  QueuedTrainer trainer(config.hidden);
  std::vector<TrainingReport> reports;
  const TrainingOutcome outcome =
      run_training(trainer, config, 0, [&](const TrainingReport& r) { reports.push_back(r); });
  EXPECT_EQ(outcome.steps_done, 10);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(trainer.collections, 3);
  EXPECT_DOUBLE_EQ(reports[0].mean_loss, (1 + 2 + 3 + 4) / 4.0);
  EXPECT_DOUBLE_EQ(reports[1].mean_loss, (5 + 6 + 7 + 8) / 4.0);
  EXPECT_DOUBLE_EQ(reports[2].mean_loss, (9 + 10) / 2.0);
  EXPECT_EQ(reports[0].last_step.example.a, 3u);
  EXPECT_EQ(reports[0].last_step.example_prediction, 1003u);
  EXPECT_EQ(reports[2].last_step.example_prediction, 1009u);
  EXPECT_EQ(reports[2].steps_done, 10);
}

TEST(AsyncTrainingLoop, ResumedRunsReportAtTheSameSteps) {
  const TrainConfig config = queued_config(5);
  QueuedTrainer trainer(config.hidden);
  std::vector<std::int64_t> reported_at;
  run_training(trainer, config, 6,
               [&](const TrainingReport& r) { reported_at.push_back(r.steps_done); });
  EXPECT_EQ(reported_at, (std::vector<std::int64_t>{8, 11}));
  EXPECT_EQ(trainer.collections, 2);
}

}  // namespace
}  // namespace carry
