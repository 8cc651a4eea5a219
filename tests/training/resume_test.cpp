// resume_test.cpp: a run stopped, saved as JSON, loaded and resumed ends bit for bit where the
// run that never stopped ends; and what may and may not change when resuming.
#include "carry/resume.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "carry/backends.hpp"
#include "carry/errors.hpp"
#include "carry/parameters.hpp"
#include "carry/training_loop.hpp"

namespace carry {
namespace {

TrainConfig small_config(std::int64_t steps) {
  TrainConfig config;
  config.backend = "reference";
  config.bits = 6;
  config.hidden = 5;
  config.batch = 7;
  config.lr = 2.5;
  config.seed = 12345;
  config.steps = steps;
  config.report_every = 8;
  config.until_accuracy = 0.0;
  return config;
}

struct TrainedRun {
  Parameters params;
  std::vector<double> report_losses;  // the losses of the reports, in order
  std::int64_t steps_done = 0;
};

TrainedRun train(const TrainConfig& config, const Parameters& initial, std::int64_t first_step) {
  const auto trainer = make_trainer(config, initial);
  TrainedRun run;
  const TrainingOutcome outcome = run_training(
      *trainer, config, first_step,
      [&](const TrainingReport& report) { run.report_losses.push_back(report.mean_loss); });
  run.params = trainer->parameters();
  run.steps_done = outcome.steps_done;
  return run;
}

bool same_bits(const Parameters& a, const Parameters& b) {
  auto same = [](const std::vector<double>& x, const std::vector<double>& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  };
  return a.hidden == b.hidden && same(a.w0, b.w0) && same(a.wh, b.wh) && same(a.w1, b.w1);
}

TEST(Resume, StoppedSavedAndResumedEqualsTheRunThatNeverStopped) {
  const TrainConfig config = small_config(60);
  const Parameters initial = numpy_initial_parameters(12345u, config.hidden);
  const TrainedRun whole = train(config, initial, 0);

  const TrainedRun first_half = train(small_config(30), initial, 0);
  const std::string saved =
      checkpoint_to_json(checkpoint_of_run(config, first_half.params, first_half.steps_done));
  const Checkpoint loaded = checkpoint_from_json(saved, "saved");
  const TrainConfig resumed_config =
      config_to_resume(loaded, "saved", small_config(30), /*given=*/{}, available_backends());
  const TrainedRun second_half = train(resumed_config, loaded.params, loaded.steps_done);

  EXPECT_EQ(second_half.steps_done, 60);
  EXPECT_TRUE(same_bits(second_half.params, whole.params));
  // Reports fall on the same global steps (8, 16, ...; 30 is the first half's last).
  std::vector<double> halves = first_half.report_losses;
  halves.pop_back();  // the first half's extra report at its last step, 30
  halves.insert(halves.end(), second_half.report_losses.begin(), second_half.report_losses.end());
  EXPECT_EQ(halves.size(), whole.report_losses.size());
  // The loss averaged since the previous report differs only around the cut (step 32's report
  // averages steps 31-32 after resuming, 25-32 without stopping), so compare the others.
  for (std::size_t k = 0; k < halves.size() && k < whole.report_losses.size(); ++k) {
    if (k == 3) continue;  // the report at step 32
    EXPECT_EQ(halves[k], whole.report_losses[k]) << "report " << k;
  }
}

TEST(Resume, TheStepCountIsTheGeneratorsPosition) {
  // The test above has teeth: resuming the same weights from step 0 replays the first batches
  // and ends elsewhere.
  const Parameters initial = numpy_initial_parameters(12345u, 5);
  const TrainedRun whole = train(small_config(60), initial, 0);
  const TrainedRun first_half = train(small_config(30), initial, 0);
  const TrainedRun restarted = train(small_config(30), first_half.params, 0);
  EXPECT_FALSE(same_bits(restarted.params, whole.params));
}

Checkpoint stored_checkpoint() {
  Checkpoint checkpoint = checkpoint_of_run(small_config(0), Parameters::zeros(5), 30);
  checkpoint.backend = "reference";
  return checkpoint;
}

TEST(Resume, TheCheckpointDefinesTheRun) {
  TrainConfig requested;  // the command line's defaults: bits 8, hidden 16, batch 32, lr 4, ...
  requested.steps = 17;
  requested.report_every = 3;
  requested.until_accuracy = 0.5;
  const TrainConfig config =
      config_to_resume(stored_checkpoint(), "m.json", requested, {}, available_backends());
  EXPECT_EQ(config.bits, 6);
  EXPECT_EQ(config.hidden, 5);
  EXPECT_EQ(config.batch, 7);
  EXPECT_EQ(config.seed, 12345);
  EXPECT_EQ(config.lr, 2.5);
  EXPECT_EQ(config.backend, "reference");
  EXPECT_EQ(config.steps, 17);  // how long to go on comes from the command line
  EXPECT_EQ(config.report_every, 3);
  EXPECT_EQ(config.until_accuracy, 0.5);
}

TEST(Resume, ConflictingRunOptionsAreRefusedAndRepeatingThemIsFine) {
  TrainConfig requested = small_config(10);
  EXPECT_NO_THROW(config_to_resume(stored_checkpoint(), "m.json", requested,
                                   {"--bits", "--hidden", "--batch", "--seed"},
                                   available_backends()));
  const struct {
    const char* option;
    void (*change)(TrainConfig&);
  } conflicts[] = {{"--bits", [](TrainConfig& c) { c.bits = 9; }},
                   {"--hidden", [](TrainConfig& c) { c.hidden = 6; }},
                   {"--batch", [](TrainConfig& c) { c.batch = 64; }},
                   {"--seed", [](TrainConfig& c) { c.seed = 1; }}};
  for (const auto& conflict : conflicts) {
    TrainConfig changed = small_config(10);
    conflict.change(changed);
    try {
      config_to_resume(stored_checkpoint(), "m.json", changed, {conflict.option},
                       available_backends());
      ADD_FAILURE() << conflict.option << " was accepted";
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find(std::string(conflict.option) + " "),
                std::string::npos)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("conflicts with m.json"), std::string::npos)
          << error.what();
    }
    // Not given on the command line: the checkpoint's value, no complaint.
    EXPECT_NO_THROW(
        config_to_resume(stored_checkpoint(), "m.json", changed, {}, available_backends()));
  }
}

TEST(Resume, TheLearningRateMayChange) {
  TrainConfig requested = small_config(10);
  requested.lr = 0.5;
  EXPECT_EQ(
      config_to_resume(stored_checkpoint(), "m.json", requested, {"--lr"}, available_backends()).lr,
      0.5);
  EXPECT_EQ(config_to_resume(stored_checkpoint(), "m.json", requested, {}, available_backends()).lr,
            2.5);
}

TEST(Resume, TheBackendIsTheCheckpointsUnlessGiven) {
  Checkpoint elsewhere = stored_checkpoint();
  elsewhere.backend = "quantum";
  TrainConfig requested = small_config(10);
  requested.backend = "auto";
  try {
    config_to_resume(elsewhere, "m.json", requested, {}, available_backends());
    ADD_FAILURE();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("'quantum' backend"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("--backend"), std::string::npos);
  }
  EXPECT_EQ(
      config_to_resume(elsewhere, "m.json", requested, {"--backend"}, available_backends()).backend,
      "auto");
}

TEST(Resume, SeedCompatCheckpointsAreRefused) {
  Checkpoint seed_run = stored_checkpoint();
  seed_run.seed_compat = true;
  try {
    config_to_resume(seed_run, "seed.json", small_config(10), {}, available_backends());
    ADD_FAILURE();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("--seed-compat, which cannot be resumed"),
              std::string::npos)
        << error.what();
  }
}

TEST(Resume, CheckpointsWrittenBeforeResumeExistedResume) {
  // Version 1 as the first carry wrote it; no field was added for resuming.
  const std::string old_file = R"({"format": "carry-rnn", "version": 1,
    "config": {"bits": 3, "hidden": 1, "lr": 4.0, "batch": 2, "seed": 9, "steps_done": 350,
               "backend": "reference"},
    "weights": {"W0": [[0.5], [-0.25]], "Wh": [[1.5]], "W1": [[2.0]]}})";
  const Checkpoint checkpoint = checkpoint_from_json(old_file, "old.json");
  const TrainConfig config =
      config_to_resume(checkpoint, "old.json", small_config(4), {}, available_backends());
  const TrainedRun run = train(config, checkpoint.params, checkpoint.steps_done);
  EXPECT_EQ(run.steps_done, 354);
}

TEST(Resume, RunsTooLongForSixtyFourBitsAreRefused) {
  TrainConfig config = small_config(std::numeric_limits<std::int64_t>::max());
  EXPECT_THROW(check_run_length(config, 1), UserError);
  EXPECT_NO_THROW(check_run_length(small_config(1000), std::int64_t{1} << 40));
  config = small_config(std::int64_t{1} << 40);
  config.batch = std::int64_t{1} << 26;
  EXPECT_THROW(check_run_length(config, 0), UserError);  // 2^66 samples
}

}  // namespace
}  // namespace carry
