// cli_resume_test.cpp: `carry train --resume` through the program: a run of 2N steps equals N
// steps saved and resumed for N, to the byte of the checkpoint; what --resume refuses; the
// divergence guard's exit status 3 and the checkpoint it leaves alone.
#include <gtest/gtest.h>

#include "carry/cpu_trainer.hpp"
#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using CliResume = TempFolder;

// A short run on the CPU (on a GPU machine `auto` would pick cuda).
std::vector<std::string> short_run() {
  return {"train",   "--backend", cpu_backend_here(), "--quiet", "--until-accuracy", "0",
          "--batch", "16",        "--hidden",         "8"};
}
// The same without --backend, for the tests that name one themselves.
const std::vector<std::string> kRun = {"train",   "--quiet", "--until-accuracy", "0",
                                       "--batch", "16",      "--hidden",         "8"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST_F(CliResume, TwoNStepsEqualNStepsResumedForN) {
  for (const std::string backend : {"reference", "cpu"}) {
    if (backend == "cpu" && cpu_backend_isa().empty()) continue;  // no AVX2 here
    const std::vector<std::string> run = with(kRun, {"--backend", backend});
    const std::string whole = path(backend + "-whole.json");
    const std::string half = path(backend + "-half.json");
    ASSERT_EQ(run_carry(with(run, {"--steps", "240", "--save", whole})).status, 0);
    ASSERT_EQ(run_carry(with(run, {"--steps", "120", "--save", half})).status, 0);
    const CarryResult resumed = run_carry(
        {"train", "--resume", half, "--steps", "120", "--until-accuracy", "0", "--save", half});
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_NE(resumed.out.find("training on " + backend + " from " + half +
                               " at step 120: 8 bits, 8 hidden, batch 16, lr 4, seed 0, up to "
                               "120 more steps"),
              std::string::npos)
        << resumed.out;
    EXPECT_NE(resumed.out.find("after 240 steps (3840 samples)"), std::string::npos) << resumed.out;
    EXPECT_EQ(read(backend + "-half.json"), read(backend + "-whole.json")) << backend;
  }
}

TEST_F(CliResume, RepeatingTheCheckpointsValuesIsFineChangingThemIsNot) {
  ASSERT_EQ(run_carry(with(short_run(), {"--steps", "10", "--save", path("m.json")})).status, 0);
  const CarryResult same =
      run_carry({"train", "--resume", path("m.json"), "--steps", "5", "--batch", "16", "--hidden",
                 "8", "--bits", "8", "--seed", "0", "--quiet"});
  EXPECT_EQ(same.status, 0) << same.err;
  for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
           {"--batch", "32"}, {"--hidden", "16"}, {"--bits", "9"}, {"--seed", "1"}}) {
    const CarryResult changed =
        run_carry({"train", "--resume", path("m.json"), option, value, "--quiet"});
    EXPECT_EQ(changed.status, 2) << option;
    EXPECT_NE(changed.err.find("carry: error: " + option + " " + value + " conflicts with " +
                               path("m.json")),
              std::string::npos)
        << changed.err;
    EXPECT_EQ(line_count(changed.err), 1) << changed.err;
  }
}

TEST_F(CliResume, ANewLearningRateIsAllowedAndSaid) {
  ASSERT_EQ(run_carry(with(short_run(), {"--steps", "10", "--save", path("m.json")})).status, 0);
  const CarryResult run = run_carry(
      {"train", "--resume", path("m.json"), "--lr", "1", "--steps", "5", "--save", path("m.json")});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("note: lr 1 replaces the checkpoint's 4"), std::string::npos) << run.out;
  EXPECT_NE(read("m.json").find("\"lr\": 1.0"), std::string::npos);
  EXPECT_NE(read("m.json").find("\"steps_done\": 15"), std::string::npos);
}

TEST_F(CliResume, WhatCannotBeResumedIsRefused) {
  ASSERT_EQ(
      run_carry({"train", "--seed-compat", "--steps", "3", "--save", path("seed.json")}).status, 0);
  const CarryResult seed = run_carry({"train", "--resume", path("seed.json")});
  EXPECT_EQ(seed.status, 2);
  EXPECT_NE(seed.err.find("was written by --seed-compat, which cannot be resumed"),
            std::string::npos)
      << seed.err;
  const CarryResult both = run_carry({"train", "--seed-compat", "--resume", path("seed.json")});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--resume cannot be combined with --seed-compat"), std::string::npos)
      << both.err;
  const CarryResult missing = run_carry({"train", "--resume", path("missing.json")});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot open it"), std::string::npos) << missing.err;
}

TEST_F(CliResume, PeriodicCheckpointsNeedSaveAndAPositivePeriod) {
  const CarryResult no_save = run_carry({"train", "--checkpoint-every", "10"});
  EXPECT_EQ(no_save.status, 2);
  EXPECT_NE(no_save.err.find("--checkpoint-every needs --save PATH"), std::string::npos);
  const CarryResult zero =
      run_carry({"train", "--checkpoint-every", "0", "--save", path("m.json")});
  EXPECT_EQ(zero.status, 2);
  EXPECT_NE(zero.err.find("--checkpoint-every must be at least 1"), std::string::npos);
  const CarryResult seed =
      run_carry({"train", "--seed-compat", "--checkpoint-every", "5", "--save", path("m.json")});
  EXPECT_EQ(seed.status, 2);
  EXPECT_NE(seed.err.find("--checkpoint-every cannot be combined with --seed-compat"),
            std::string::npos);
}

TEST_F(CliResume, DivergenceExitsThreeAndLeavesTheCheckpointAlone) {
  ASSERT_EQ(run_carry(with(short_run(), {"--steps", "10", "--save", path("m.json")})).status, 0);
  const std::string before = read("m.json");

  const CarryResult fresh = run_carry(
      {"train", "--backend", cpu_backend_here(), "--lr", "1e30", "--save", path("m.json")});
  EXPECT_EQ(fresh.status, 3);
  EXPECT_NE(fresh.err.find("carry: error: training diverged at step 1: a weight reached"),
            std::string::npos)
      << fresh.err;
  EXPECT_NE(fresh.err.find("try a lower --lr (this run used 1e+30); " + path("m.json") +
                           " was left as it was"),
            std::string::npos)
      << fresh.err;
  EXPECT_EQ(line_count(fresh.err), 1) << fresh.err;

  const CarryResult resumed = run_carry({"train", "--resume", path("m.json"), "--lr", "1e30",
                                         "--checkpoint-every", "1", "--save", path("m.json")});
  EXPECT_EQ(resumed.status, 3);
  EXPECT_NE(resumed.err.find("diverged at step 11"), std::string::npos) << resumed.err;
  EXPECT_EQ(read("m.json"), before);
  EXPECT_EQ(listing(), "m.json ");
}

}  // namespace
}  // namespace carry::testing
