// periodic_save_guard_test.cpp: label `cpu`. A periodic save (--checkpoint-every) never writes
// diverged weights, on any backend: with a backend that queues its steps (as cuda does), whose
// losses the divergence guard sees only at reports, the weights of a blown-up step reach the save
// first; the save refuses them (DivergenceError, as the guard) and the file keeps the last good
// step. Shapes: H hidden.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "carry/backends.hpp"
#include "carry/checkpoint.hpp"
#include "carry/divergence.hpp"
#include "carry/periodic_checkpoint.hpp"
#include "carry/training_loop.hpp"
#include "queued_trainer.hpp"
#include "temp_folder.hpp"

namespace carry {
namespace {

using PeriodicSaveGuard = testing::TempFolder;

TrainConfig queued_config() {
  TrainConfig config;
  config.backend = "reference";  // what the checkpoint records; the trainer is the fake
  config.hidden = 3;
  config.bits = 4;
  config.batch = 8;
  config.lr = 1e30;
  config.steps = 10;
  config.report_every = 50;  // the loop's guard would see step 10 only
  config.until_accuracy = 0.0;
  return config;
}

Parameters filled(int hidden, double value) {
  Parameters params = Parameters::zeros(hidden);
  for (std::vector<double>* tensor : {&params.w0, &params.wh, &params.w1}) {
    for (double& w : *tensor) w = value;
  }
  return params;
}

// Runs the loop with a save after every step; returns the DivergenceError's step, or -1.
std::int64_t run_with_saves(Trainer& trainer, const TrainConfig& config,
                            PeriodicCheckpoint& periodic) {
  TrainingHooks hooks;
  hooks.after_step = [&](std::int64_t steps_done) { periodic.after_step(trainer, steps_done); };
  try {
    run_training(trainer, config, 0, hooks);
  } catch (const DivergenceError& error) {
    return error.steps_done();
  }
  return -1;
}

TEST_F(PeriodicSaveGuard, AQueuedBackendsBlownUpWeightsNeverReplaceTheLastGoodSave) {
  const TrainConfig config = queued_config();
  testing::QueuedTrainer trainer(config.hidden);
  // Healthy for three steps, then what one step at lr 1e30 makes (about 0.16 lr).
  trainer.weights_after = [&](std::uint64_t steps_done) {
    return filled(config.hidden, steps_done <= 3 ? 0.25 * double(steps_done) : 1.6e29);
  };
  PeriodicCheckpoint periodic(path("m.json"), 1, config);
  EXPECT_EQ(run_with_saves(trainer, config, periodic), 4);
  EXPECT_EQ(periodic.last_saved_step(), 3);
  const Checkpoint saved = load_checkpoint(path("m.json"));
  EXPECT_EQ(saved.steps_done, 3);
  EXPECT_EQ(saved.params.wh, filled(config.hidden, 0.75).wh);
  EXPECT_EQ(listing(), "m.json ");
}

TEST_F(PeriodicSaveGuard, NonFiniteWeightsAreRefusedToo) {
  for (const double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    const TrainConfig config = queued_config();
    testing::QueuedTrainer trainer(config.hidden);
    trainer.weights_after = [&](std::uint64_t steps_done) {
      return filled(config.hidden, steps_done < 2 ? 0.5 : bad);
    };
    PeriodicCheckpoint periodic(path("m.json"), 1, config);
    EXPECT_EQ(run_with_saves(trainer, config, periodic), 2) << bad;
    EXPECT_EQ(load_checkpoint(path("m.json")).steps_done, 1) << bad;
  }
}

TEST_F(PeriodicSaveGuard, TheLimitIsTheDivergenceGuards) {
  const TrainConfig config = queued_config();
  testing::QueuedTrainer trainer(config.hidden);
  trainer.weights_after = [&](std::uint64_t) {
    return filled(config.hidden, std::nextafter(kLargestUsefulWeight, 0.0));
  };
  PeriodicCheckpoint periodic(path("m.json"), 5, config);
  EXPECT_EQ(run_with_saves(trainer, config, periodic), -1);  // just inside: saved
  EXPECT_EQ(periodic.last_saved_step(), 10);
  testing::QueuedTrainer beyond(config.hidden);
  beyond.weights_after = [&](std::uint64_t) {
    return filled(config.hidden, -std::nextafter(kLargestUsefulWeight, 1e300));
  };
  PeriodicCheckpoint refused(path("n.json"), 5, config);
  EXPECT_EQ(run_with_saves(beyond, config, refused), 5);
  EXPECT_EQ(refused.last_saved_step(), -1);
  EXPECT_EQ(listing(), "m.json ");
}

// A backend that does not queue (the reference) is stopped by the loop's own guard first; the
// save refuses such weights all the same when asked directly.
TEST_F(PeriodicSaveGuard, EveryBackendsSaveChecksWhatItWrites) {
  TrainConfig config = queued_config();
  const auto trainer = make_trainer(config, filled(config.hidden, 2000.0));
  PeriodicCheckpoint periodic(path("m.json"), 1, config);
  EXPECT_THROW(periodic.after_step(*trainer, 1), DivergenceError);
  EXPECT_EQ(listing(), "");
}

}  // namespace
}  // namespace carry
