// cli_signal_test.cpp: a real `carry train` process stopped by SIGINT or SIGTERM finishes its
// step, saves its checkpoint, says where, and exits 130 or 143; resuming it then ends exactly
// where an uninterrupted run ends. A second SIGINT leaves at once, checkpoint untouched. A run
// killed outright (SIGKILL) keeps its last periodic checkpoint.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "carry/checkpoint.hpp"
#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using namespace std::chrono_literals;
using CliSignals = TempFolder;

// A run that would go on for a very long time, reporting every `report_every` steps.
std::vector<std::string> endless_run(const std::string& save, const std::string& report_every) {
  return carry_argv({"train", "--backend", cpu_backend_here(), "--until-accuracy", "0", "--steps",
                     "100000000", "--batch", "16", "--hidden", "8", "--report-every", report_every,
                     "--save", save});
}

// Resuming `checkpoint` for 15 steps gives the same file as a fresh run of steps_done + 15.
void expect_resumes_exactly(TempFolder& folder, const std::string& checkpoint) {
  const std::int64_t steps_done = load_checkpoint(folder.path(checkpoint)).steps_done;
  const std::string more = "15";
  const std::string total = std::to_string(steps_done + 15);
  ASSERT_EQ(run_carry({"train", "--resume", folder.path(checkpoint), "--steps", more,
                       "--until-accuracy", "0", "--quiet", "--save", folder.path("resumed.json")})
                .status,
            0);
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--steps", total, "--batch", "16",
                       "--hidden", "8", "--until-accuracy", "0", "--quiet", "--save",
                       folder.path("straight.json")})
                .status,
            0);
  EXPECT_EQ(folder.read("resumed.json"), folder.read("straight.json"));
}

TEST_F(CliSignals, SigintSavesTheCheckpointAndExits130) {
  CarryProcess carry(endless_run(path("m.json"), "10"));
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s)) << carry.out() << carry.err();
  carry.send(SIGINT);
  EXPECT_EQ(carry.wait(), 130) << carry.err();
  const std::int64_t steps_done = load_checkpoint(path("m.json")).steps_done;
  EXPECT_GE(steps_done, 10);
  EXPECT_EQ(carry.err(), "carry: stopped by SIGINT after step " + std::to_string(steps_done) +
                             "; checkpoint saved to " + path("m.json") +
                             " (continue with: carry train --resume " + path("m.json") + ")\n");
  EXPECT_EQ(listing(), "m.json ");
  expect_resumes_exactly(*this, "m.json");
}

TEST_F(CliSignals, SigtermSavesTheCheckpointAndExits143) {
  CarryProcess carry(endless_run(path("m.json"), "10"));
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s)) << carry.out() << carry.err();
  carry.send(SIGTERM);
  EXPECT_EQ(carry.wait(), 143) << carry.err();
  EXPECT_NE(carry.err().find("carry: stopped by SIGTERM after step"), std::string::npos);
  EXPECT_GE(load_checkpoint(path("m.json")).steps_done, 10);
}

TEST_F(CliSignals, WithoutSaveNothingIsWrittenAndTheStatusIsTheSame) {
  CarryProcess carry(carry_argv({"train", "--backend", cpu_backend_here(), "--until-accuracy", "0",
                                 "--steps", "100000000", "--report-every", "10"}));
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s));
  carry.send(SIGINT);
  EXPECT_EQ(carry.wait(), 130);
  EXPECT_NE(carry.err().find("nothing was saved (use --save PATH)"), std::string::npos);
}

TEST_F(CliSignals, ASecondSigintExitsAtOnceWithoutTouchingTheCheckpoint) {
  ASSERT_EQ(run_carry({"train", "--backend", "reference", "--quiet", "--steps", "5", "--save",
                       path("m.json")})
                .status,
            0);
  const std::string before = read("m.json");
  // Reference steps of about a second each (more under a sanitizer): both signals arrive during
  // the first. (The cpu backend would finish such a step in milliseconds.)
  CarryProcess carry(
      carry_argv({"train", "--backend", "reference", "--batch", "20000", "--hidden", "64",
                  "--steps", "3", "--until-accuracy", "0", "--save", path("m.json")}));
  ASSERT_TRUE(carry.wait_for_lines("training on", 1, 60s)) << carry.err();
  carry.send(SIGINT);
  std::this_thread::sleep_for(50ms);
  carry.send(SIGINT);
  EXPECT_EQ(carry.wait(), 130);
  EXPECT_NE(carry.err().find("carry: second interrupt, exiting at once without saving"),
            std::string::npos)
      << carry.err();
  EXPECT_EQ(carry.err().find("stopped by"), std::string::npos) << carry.err();
  EXPECT_EQ(read("m.json"), before);
  // No temporary; the lock file may stay (its lock went with the process) and blocks nobody.
  EXPECT_EQ(listing().find("carry-tmp"), std::string::npos) << listing();
  EXPECT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "5",
                       "--save", path("m.json")})
                .status,
            0);
  EXPECT_EQ(listing(), "m.json ");
}

TEST_F(CliSignals, AKilledRunKeepsItsLastPeriodicCheckpoint) {
  std::vector<std::string> argv = endless_run(path("m.json"), "10");
  argv.insert(argv.end(), {"--checkpoint-every", "10"});
  CarryProcess carry(argv);
  ASSERT_TRUE(carry.wait_for_lines("step ", 3, 60s)) << carry.out() << carry.err();
  carry.send(SIGKILL);
  EXPECT_EQ(carry.wait(), 128 + SIGKILL);
  // Saves come before the report of the same step: step 30's is on disk.
  const std::int64_t steps_done = load_checkpoint(path("m.json")).steps_done;
  EXPECT_GE(steps_done, 30);
  EXPECT_EQ(steps_done % 10, 0);
  expect_resumes_exactly(*this, "m.json");
}

}  // namespace
}  // namespace carry::testing
