// periodic_checkpoint_test.cpp: --checkpoint-every saves exactly every N steps, a complete
// checkpoint each time, with no temporary file left behind.
#include "carry/periodic_checkpoint.hpp"

#include <gtest/gtest.h>

#include "carry/backends.hpp"
#include "carry/checkpoint.hpp"
#include "carry/parameters.hpp"
#include "carry/training_loop.hpp"
#include "temp_folder.hpp"

namespace carry {
namespace {

using PeriodicCheckpointFiles = testing::TempFolder;

TrainConfig config_of(std::int64_t steps) {
  TrainConfig config;
  config.backend = "reference";
  config.hidden = 4;
  config.batch = 3;
  config.steps = steps;
  config.until_accuracy = 0.0;
  return config;
}

TEST_F(PeriodicCheckpointFiles, SavesEveryNStepsWhatTheTrainerHoldsThen) {
  const TrainConfig config = config_of(25);
  const auto trainer = make_trainer(config, numpy_initial_parameters(0u, config.hidden));
  PeriodicCheckpoint periodic(path("model.json"), 10, config);
  std::vector<std::int64_t> saved_steps;
  TrainingHooks hooks;
  hooks.after_step = [&](std::int64_t steps_done) {
    periodic.after_step(*trainer, steps_done);
    if (periodic.last_saved_step() == steps_done) {
      const Checkpoint checkpoint = load_checkpoint(path("model.json"));
      saved_steps.push_back(checkpoint.steps_done);
      EXPECT_EQ(checkpoint.params.wh, trainer->parameters().wh);
      EXPECT_EQ(checkpoint.batch, 3);
    }
  };
  run_training(*trainer, config, 0, hooks);
  EXPECT_EQ(saved_steps, (std::vector<std::int64_t>{10, 20}));
  EXPECT_EQ(listing(), "model.json ");
}

TEST_F(PeriodicCheckpointFiles, ZeroNeverSaves) {
  const TrainConfig config = config_of(5);
  const auto trainer = make_trainer(config, numpy_initial_parameters(0u, config.hidden));
  PeriodicCheckpoint periodic(path("model.json"), 0, config);
  for (std::int64_t step = 1; step <= 5; ++step) periodic.after_step(*trainer, step);
  EXPECT_EQ(periodic.last_saved_step(), -1);
  EXPECT_EQ(listing(), "");
}

}  // namespace
}  // namespace carry
