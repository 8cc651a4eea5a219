// sweep_gpu_engine_test.cpp: label `cpu`. The sweep engine of `carry sweep --backend cuda`
// (multi_run_sweep_engine.hpp) with the multi-run engine running the kernel's block program on the
// CPU (tests/backends/cuda/multi_run_model.hpp) in place of the GPU: every run of a small grid is
// reported once, as a record of engine "cuda-multi-run" whose steps, outcome and final weights are
// those of the same run trained alone by run_training on the kernel's arithmetic (so it stops
// where `carry train --report-every C` would stop those weights), with the final figures of the
// host's float64 evaluation; a stop before the first launch records nothing; and without a GPU
// `make_engine` refuses the cuda backend with one line.
#include "carry/sweep/multi_run_sweep_engine.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/evaluate.hpp"
#include "carry/parameters.hpp"
#include "carry/training_loop.hpp"
#include "carry/verification.hpp"
#include "multi_run_device.hpp"
#include "multi_run_model.hpp"

namespace carry::sweep {
namespace {

// The multi-run engine with the kernel's block program on the CPU for every group.
multi_run::Totals train_on_model(const std::vector<TrainConfig>& runs,
                                 const multi_run::Options& options,
                                 const multi_run::RunFinished& on_run_finished,
                                 const std::function<bool()>& stop_requested) {
  multi_run::Options model_options = options;
  model_options.steps_per_launch = 100;
  return multi_run::train_runs(
      runs, model_options,
      [](int hidden, int bits, int threads) -> std::unique_ptr<multi_run::Device> {
        return std::make_unique<testing::ModelDevice>(hidden, bits, threads);
      },
      [](const TrainConfig&) -> multi_run::RunOutcome {
        ADD_FAILURE() << "every shape of this grid has a kernel";
        return {};
      },
      on_run_finished, stop_requested);
}

SweepSettings small_settings() {
  SweepSettings settings;
  settings.backend = "cuda";
  settings.bits = 6;
  settings.steps = 400;
  settings.until_accuracy = 1.0;
  settings.check_every = 10;
  return settings;
}

std::vector<RunSpec> small_grid() {
  SweepGrid grid;
  grid.hidden = {4, 8};
  grid.batch = {16};
  grid.lr = {4.0};
  grid.seeds = {0, 1, 2};
  std::vector<RunSpec> runs;
  for (std::int64_t i = 0; i < grid.runs(); ++i) runs.push_back(run_of(grid, i));
  return runs;
}

TEST(SweepGpuEngine, EachRecordIsTheRunTrainedAloneOnTheKernelsArithmetic) {
  const SweepSettings settings = small_settings();
  const std::vector<RunSpec> runs = small_grid();
  const std::unique_ptr<SweepEngine> engine = make_multi_run_sweep_engine(settings, train_on_model);
  EXPECT_EQ(engine->name(), "cuda-multi-run");
  std::map<std::int64_t, FinishedRun> finished;
  engine->run(
      runs,
      [&](const FinishedRun& run) {
        EXPECT_EQ(finished.count(run.record.run.index), 0u) << "reported twice";
        finished.emplace(run.record.run.index, run);
      },
      [] { return false; });
  ASSERT_EQ(finished.size(), runs.size());
  int reached = 0;
  for (const RunSpec& spec : runs) {
    const FinishedRun& run = finished.at(spec.index);
    const RunRecord& record = run.record;
    EXPECT_EQ(record.engine, "cuda-multi-run");
    EXPECT_EQ(key_of(record.run), key_of(spec));
    EXPECT_TRUE(same_settings(record.settings, settings));
    // The same run alone, through the training loop, on the kernel's arithmetic.
    const TrainConfig config = run_config(settings, spec, 1);
    testing::ModelStepper alone(
        config, numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden));
    const TrainingOutcome outcome = run_training(alone, config, 0, TrainingHooks{});
    EXPECT_EQ(record.reached, outcome.target_reached) << describe(key_of(spec));
    EXPECT_EQ(record.steps, outcome.steps_done) << describe(key_of(spec));
    EXPECT_FALSE(record.diverged);
    EXPECT_EQ(flatten(run.weights), flatten(alone.parameters())) << describe(key_of(spec));
    // The final figures are the host's float64 evaluation of those weights.
    const Evaluation evaluation = evaluate(run.weights, settings.bits, 1);
    ASSERT_TRUE(record.final_exact.has_value());
    EXPECT_EQ(*record.final_exact, evaluation.exact_accuracy());
    EXPECT_EQ(record.reached, *record.final_exact >= settings.until_accuracy);
    EXPECT_GE(record.seconds, record.training_seconds);
    reached += record.reached ? 1 : 0;
  }
  EXPECT_GT(reached, 0) << "some run of the grid should learn 6-bit addition in 400 steps";
}

TEST(SweepGpuEngine, AStopBeforeAnyLaunchRecordsNothing) {
  const std::unique_ptr<SweepEngine> engine =
      make_multi_run_sweep_engine(small_settings(), train_on_model);
  int finished = 0;
  engine->run(
      small_grid(), [&](const FinishedRun&) { ++finished; }, [] { return true; });
  EXPECT_EQ(finished, 0);
}

TEST(SweepGpuEngine, WithoutAGpuTheCudaBackendIsRefusedWithOneLine) {
  if (cuda_backend_usable()) GTEST_SKIP() << "a GPU is usable here";
  EngineOptions options;
  try {
    make_engine(small_settings(), options);
    FAIL() << "no GPU, yet an engine was made";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_FALSE(message.empty());
  }
}

}  // namespace
}  // namespace carry::sweep
