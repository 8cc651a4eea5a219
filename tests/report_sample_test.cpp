// report_sample_test.cpp: long problems' reports evaluate a fixed sample (report_evaluation_set)
// so that evaluation does not swamp training, while the run's final figure and its stop at
// --until-accuracy are on the full evaluation set.
#include <gtest/gtest.h>

#include "carry/evaluate.hpp"
#include "carry/reference_trainer.hpp"
#include "carry/training_loop.hpp"

namespace carry {
namespace {

TEST(ReportSample, ShortProblemsReportOnTheFullSetLongOnesOnASample) {
  for (int bits = 2; bits <= 8; ++bits) {
    EXPECT_EQ(report_evaluation_set(bits).size, evaluation_set(bits).size) << bits;
    EXPECT_TRUE(report_evaluation_set(bits).exhaustive) << bits;
  }
  for (const int bits : {9, 13, 14, 32, 62}) {
    const EvaluationSet sample = report_evaluation_set(bits);
    EXPECT_EQ(sample.size, kReportPairs) << bits;
    EXPECT_FALSE(sample.exhaustive);
    // The first pairs of the full set's own sample generator.
    EXPECT_EQ(sample.problem(77).a, counter_problem(kEvaluationSampleSeed, 0, 77, bits).a);
  }
}

TEST(ReportSample, TheFinalFigureIsOnTheFullSet) {
  TrainConfig config;
  config.backend = "reference";
  config.bits = 10;
  config.hidden = 8;
  config.steps = 60;
  config.report_every = 20;
  config.until_accuracy = 0.0;
  ReferenceTrainer trainer(config, numpy_initial_parameters(0, config.hidden));
  std::vector<TrainingReport> reports;
  const TrainingOutcome outcome =
      run_training(trainer, config, 0, [&](const TrainingReport& r) { reports.push_back(r); });
  EXPECT_EQ(reports.size(), 3u);
  EXPECT_EQ(outcome.final_evaluation.set.size, evaluation_set(10).size);
  EXPECT_EQ(outcome.final_evaluation_step, 60);
  const Evaluation full = evaluate(trainer.parameters(), 10, 0, Counting::exact_only);
  EXPECT_EQ(outcome.final_evaluation.exact_correct, full.exact_correct);
}

TEST(ReportSample, ATargetReachedOnTheSampleIsConfirmedOnTheFullSet) {
  TrainConfig config;
  config.backend = "reference";
  config.bits = 10;
  config.batch = 64;
  config.steps = 3000;
  config.report_every = 50;
  config.until_accuracy = 0.05;
  ReferenceTrainer trainer(config, numpy_initial_parameters(0, config.hidden));
  std::vector<TrainingReport> reports;
  const TrainingOutcome outcome =
      run_training(trainer, config, 0, [&](const TrainingReport& r) { reports.push_back(r); });
  ASSERT_TRUE(outcome.target_reached) << "not reached in 3000 steps";
  EXPECT_GE(reports.back().exact_accuracy, config.until_accuracy);
  EXPECT_EQ(outcome.final_evaluation.set.size, evaluation_set(10).size);
  EXPECT_GE(outcome.final_evaluation.exact_accuracy(), config.until_accuracy);
  EXPECT_EQ(outcome.final_evaluation_step, outcome.steps_done);
}

}  // namespace
}  // namespace carry
