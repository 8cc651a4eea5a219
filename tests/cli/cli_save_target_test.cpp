// cli_save_target_test.cpp: what `carry train --save` does to the file it is given: a device,
// FIFO or folder is refused before training and left as it was; a symbolic link updates the
// file it names, whose permission bits stay; temporaries left by killed runs are cleaned up;
// and a second run on the same file refuses while the first holds it, but a lock file left
// behind blocks nobody.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "carry/checkpoint.hpp"
#include "carry_process.hpp"
#include "file_checks.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using CliSaveTarget = TempFolder;

// A training run that would take long, refused before its first step or not.
CarryResult long_run_saving_to(const std::string& save) {
  return run_carry({"train", "--backend", cpu_backend_here(), "--steps", "100000000",
                    "--until-accuracy", "0", "--save", save});
}

void expect_refused_before_training(const CarryResult& run, const std::string& message) {
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
  EXPECT_EQ(line_count(run.err), 1) << run.err;
  EXPECT_EQ(run.out.find("training on"), std::string::npos) << run.out;
}

TEST_F(CliSaveTarget, AFifoIsRefusedBeforeTrainingAndLeftAsItWas) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  expect_refused_before_training(long_run_saving_to(path("fifo")),
                                 "it is a FIFO (named pipe), not a regular file");
  EXPECT_TRUE(S_ISFIFO(mode_of(path("fifo"))));
  EXPECT_EQ(listing(), "fifo ");
}

TEST_F(CliSaveTarget, ADeviceNodeIsRefusedBeforeTrainingAndLeftAsItWas) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a device node needs root (CI runs as root)";
  // A node like /dev/null, made in this test's own folder: the system's is never touched.
  ASSERT_EQ(::mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  expect_refused_before_training(long_run_saving_to(path("null")),
                                 "cannot write " + path("null") + ": it is a device");
  expect_refused_before_training(
      run_carry({"train", "--seed-compat", "--steps", "1", "--save", path("null")}),
      "it is a device");
  EXPECT_TRUE(S_ISCHR(mode_of(path("null"))));
  EXPECT_EQ(listing(), "null ");
}

TEST_F(CliSaveTarget, ALinkUpdatesTheFileItNamesWhichKeepsItsPermissions) {
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "3",
                       "--save", path("real.json")})
                .status,
            0);
  ::chmod(path("real.json").c_str(), 0600);
  fs::create_symlink("real.json", path("model.json"));
  const CarryResult run = run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps",
                                     "5", "--save", path("model.json")});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_TRUE(fs::is_symlink(path("model.json")));
  EXPECT_EQ(load_checkpoint(path("real.json")).steps_done, 5);
  EXPECT_EQ(mode_of(path("real.json")) & 07777, 0600u);
  ::chmod(path("real.json").c_str(), 0444);  // read-only: replaced, and still read-only
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "7",
                       "--save", path("model.json")})
                .status,
            0);
  EXPECT_EQ(load_checkpoint(path("real.json")).steps_done, 7);
  EXPECT_EQ(mode_of(path("real.json")) & 07777, 0444u);
}

TEST_F(CliSaveTarget, TemporariesOfKilledRunsAreCleanedUp) {
  const std::string gone = std::to_string(finished_pid());
  for (const std::string& name : {".m.json.carry-tmp-" + gone, "m.json.tmp-" + gone}) {
    std::ofstream(path(name)) << "{\"partial";
  }
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "5",
                       "--save", path("m.json")})
                .status,
            0);
  EXPECT_EQ(listing(), "m.json ");
}

TEST_F(CliSaveTarget, ASecondRunOnTheSameFileRefusesNamingTheFirst) {
  CarryProcess first(
      carry_argv({"train", "--backend", cpu_backend_here(), "--until-accuracy", "0", "--steps",
                  "100000000", "--report-every", "10", "--save", path("m.json")}));
  ASSERT_TRUE(first.wait_for_lines("step ", 1, 60s)) << first.err();
  expect_refused_before_training(run_carry({"train", "--backend", cpu_backend_here(), "--steps",
                                            "5", "--save", path("m.json")}),
                                 path("m.json") + " is being written by another carry run (pid " +
                                     std::to_string(first.pid()) + ")");
  first.send(SIGINT);
  EXPECT_EQ(first.wait(), 130) << first.err();
  // Once the first has finished, the file is free.
  EXPECT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "5",
                       "--save", path("m.json")})
                .status,
            0);
  EXPECT_EQ(listing(), "m.json ");
}

TEST_F(CliSaveTarget, ALockFileLeftByAKilledRunBlocksNobody) {
  std::ofstream(path(".m.json.lock")) << finished_pid() << "\n";
  const CarryResult run = run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps",
                                     "5", "--save", path("m.json")});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(listing(), "m.json ");
}

}  // namespace
}  // namespace carry::testing
