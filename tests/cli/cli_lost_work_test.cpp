// cli_lost_work_test.cpp: a training run's work survives the end of its world: a checkpoint
// that cannot be written where asked goes to a rescue file the message names (exit status 4); a
// closed terminal (SIGHUP) saves like SIGTERM; a closed standard output stops the report lines,
// not the run; and every command whose output is lost says so and exits 1.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "carry/checkpoint.hpp"
#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using CliLostWork = TempFolder;

std::vector<std::string> endless_run(const std::string& save) {
  return carry_argv({"train", "--backend", cpu_backend_here(), "--until-accuracy", "0", "--steps",
                     "100000000", "--batch", "16", "--hidden", "8", "--report-every", "10",
                     "--save", save});
}

// Takes `folder` away from under a running carry at once (a rename: removing it file by file
// would race with a save writing into it).
void take_away(const std::string& folder) {
  fs::rename(folder, folder + ".gone");
  fs::remove_all(folder + ".gone");
}

std::string rescue_name(pid_t pid, const std::string& name) {
  return "carry-rescued-" + std::to_string(pid) + "-" + name;
}

TEST_F(CliLostWork, ACheckpointThatCannotBeWrittenGoesToARescueFile) {
  fs::create_directories(path("out"));
  fs::create_directories(path("tmp"));
  CarryProcess carry(endless_run(path("out/m.json")), {"TMPDIR=" + path("tmp")});
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s)) << carry.err();
  take_away(path("out"));  // the folder is gone: the save must go elsewhere
  carry.send(SIGTERM);
  EXPECT_EQ(carry.wait(), 4) << carry.err();
  const std::string rescued = path("tmp/" + rescue_name(carry.pid(), "m.json"));
  EXPECT_NE(carry.err().find("cannot write " + path("out/m.json")), std::string::npos)
      << carry.err();
  EXPECT_NE(carry.err().find("checkpoint saved to " + rescued +
                             " instead (continue with: carry "
                             "train --resume " +
                             rescued + ")"),
            std::string::npos)
      << carry.err();
  EXPECT_EQ(line_count(carry.err()), 1) << carry.err();
  EXPECT_GE(load_checkpoint(rescued).steps_done, 10);
}

TEST_F(CliLostWork, AFinalSaveThatFailsGoesToTheRescueFileToo) {
  fs::create_directories(path("out"));
  fs::create_directories(path("tmp"));
  // Two reports far apart: the folder goes between them, before the final save.
  CarryProcess carry(
      carry_argv({"train", "--backend", cpu_backend_here(), "--until-accuracy", "0", "--steps",
                  "40000", "--report-every", "20000", "--save", path("out/m.json")}),
      {"TMPDIR=" + path("tmp")});
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 300s)) << carry.err();
  take_away(path("out"));
  ASSERT_EQ(carry.wait(), 4) << carry.out() << carry.err();
  const std::string rescued = path("tmp/" + rescue_name(carry.pid(), "m.json"));
  EXPECT_NE(carry.err().find("the checkpoint was saved to " + rescued + " instead"),
            std::string::npos)
      << carry.err();
  EXPECT_EQ(load_checkpoint(rescued).steps_done, 40000);
}

TEST_F(CliLostWork, WhenNothingCanBeWrittenTheRunSaysSoAndExitsOne) {
  fs::create_directories(path("out"));
  fs::create_directories(path("here"));
  // No $TMPDIR folder, and a current folder that is removed too.
  CarryProcess carry(
      {"/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", path("here"), CARRY_BINARY,
       "train", "--backend", cpu_backend_here(), "--until-accuracy", "0", "--steps", "100000000",
       "--report-every", "10", "--save", path("out/m.json")},
      {"TMPDIR=" + path("missing")});
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s)) << carry.err();
  take_away(path("out"));
  take_away(path("here"));
  carry.send(SIGINT);
  EXPECT_EQ(carry.wait(), 1) << carry.err();
  EXPECT_NE(carry.err().find("the run's weights could not be saved anywhere"), std::string::npos)
      << carry.err();
  EXPECT_EQ(line_count(carry.err()), 1) << carry.err();
}

TEST_F(CliLostWork, APeriodicSaveThatFailsDoesNotEndTheRun) {
  fs::create_directories(path("out"));
  fs::create_directories(path("tmp"));
  std::vector<std::string> argv = endless_run(path("out/m.json"));
  argv.insert(argv.end(), {"--checkpoint-every", "10"});
  CarryProcess carry(argv, {"TMPDIR=" + path("tmp")});
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s)) << carry.err();
  take_away(path("out"));
  // Training goes on through the failing saves (reports every 10 steps, saves every 10).
  ASSERT_TRUE(carry.wait_for_lines("step ", 6, 60s)) << carry.err();
  carry.send(SIGINT);
  EXPECT_EQ(carry.wait(), 4) << carry.err();
  const std::string& err = carry.err();
  EXPECT_EQ(err.rfind("carry: warning: cannot write " + path("out/m.json"), 0), 0u) << err;
  EXPECT_NE(err.find("; training goes on, and the final save will try again\n"), std::string::npos)
      << err;
  EXPECT_EQ(line_count(err), 2) << "one warning, however many saves failed, then the end:\n" << err;
  EXPECT_GE(load_checkpoint(path("tmp/" + rescue_name(carry.pid(), "m.json"))).steps_done, 50);
}

TEST_F(CliLostWork, SighupSavesLikeSigterm) {
  CarryProcess carry(endless_run(path("m.json")));
  ASSERT_TRUE(carry.wait_for_lines("step ", 1, 60s)) << carry.err();
  carry.send(SIGHUP);
  EXPECT_EQ(carry.wait(), 129) << carry.err();
  const std::int64_t steps_done = load_checkpoint(path("m.json")).steps_done;
  EXPECT_EQ(carry.err(), "carry: stopped by SIGHUP after step " + std::to_string(steps_done) +
                             "; checkpoint saved to " + path("m.json") +
                             " (continue with: carry train --resume " + path("m.json") + ")\n");
  EXPECT_EQ(listing(), "m.json ");
}

TEST_F(CliLostWork, AClosedStandardOutputStopsTheReportsNotTheRun) {
  // As `carry train ... | head -1`: the reader goes away after the first line.
  CarryProcess carry(
      carry_argv({"train", "--backend", cpu_backend_here(), "--until-accuracy", "0", "--steps",
                  "2000", "--report-every", "100", "--save", path("m.json")}));
  ASSERT_TRUE(carry.wait_for_lines("training on", 1, 60s)) << carry.err();
  carry.close_stdout();
  EXPECT_EQ(carry.wait(), 1) << carry.err();
  EXPECT_EQ(carry.err(),
            "carry: error: cannot write to standard output (Broken pipe); the "
            "checkpoint was saved to " +
                path("m.json") + "\n");
  EXPECT_EQ(load_checkpoint(path("m.json")).steps_done, 2000);
}

TEST_F(CliLostWork, EveryCommandWhoseOutputIsLostExitsOne) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full here";
  ASSERT_EQ(
      run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--save", path("m.json")})
          .status,
      0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"},
           {"--version"},
           {"help", "train"},
           {"train", "--help"},
           {"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "5"},
           {"train", "--seed-compat", "--steps", "1"},
           {"eval", path("m.json")},
           {"add", "39", "17", "--checkpoint", path("m.json")},
           {"time-steps", "--backend", "reference", "--steps", "1", "--batch", "4"}}) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full",
                                     CARRY_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    const CarryResult run = run_to_end(argv);
    EXPECT_EQ(run.status, 1) << args[0] << " " << run.err;
    EXPECT_EQ(run.err.rfind("carry: error: cannot write to standard output (No space left on "
                            "device)",
                            0),
              0u)
        << args[0] << ": " << run.err;
    EXPECT_EQ(line_count(run.err), 1) << run.err;
  }
}

}  // namespace
}  // namespace carry::testing
