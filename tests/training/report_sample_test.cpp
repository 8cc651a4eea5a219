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

// A 10-bit reference run (its reports on a sample) of `steps` steps, reporting every `every`.
struct TenBitRun {
  TrainConfig config;
  std::vector<TrainingReport> reports;
  TrainingOutcome outcome;
  Parameters final_weights;

  TenBitRun(std::int64_t steps, std::int64_t every, double until_accuracy, std::int64_t batch) {
    config.backend = "reference";
    config.bits = 10;
    config.batch = batch;
    config.steps = steps;
    config.report_every = every;
    config.until_accuracy = until_accuracy;
    ReferenceTrainer trainer(config, numpy_initial_parameters(0, config.hidden));
    outcome =
        run_training(trainer, config, 0, [&](const TrainingReport& r) { reports.push_back(r); });
    final_weights = trainer.parameters();
  }
};

TEST(ReportSample, TheFinalFigureIsOnTheFullSet) {
  const TenBitRun run(60, 20, 0.0, 32);
  const TrainingOutcome& outcome = run.outcome;
  EXPECT_EQ(run.reports.size(), 3u);
  EXPECT_EQ(outcome.final_evaluation.set.size, evaluation_set(10).size);
  EXPECT_EQ(outcome.final_evaluation_step, 60);
  const Evaluation full = evaluate(run.final_weights, 10, 0, Counting::exact_only);
  EXPECT_EQ(outcome.final_evaluation.exact_correct, full.exact_correct);
}

TEST(ReportSample, ATargetReachedOnTheSampleIsConfirmedOnTheFullSet) {
  const TenBitRun run(3000, 50, 0.05, 64);
  const TrainingOutcome& outcome = run.outcome;
  ASSERT_TRUE(outcome.target_reached) << "not reached in 3000 steps";
  EXPECT_GE(run.reports.back().exact_accuracy, 0.05);
  EXPECT_EQ(outcome.final_evaluation.set.size, evaluation_set(10).size);
  EXPECT_GE(outcome.final_evaluation.exact_accuracy(), 0.05);
  EXPECT_EQ(outcome.final_evaluation_step, outcome.steps_done);
}

}  // namespace
}  // namespace carry
