// unpinned_training_test.cpp: label `cpu`. The guard that keeps cpu-labelled tests holding on a
// GPU machine (carry_process.hpp): which `carry` command lines train on whatever `--backend auto`
// picks, and that running one in a cpu-labelled test fails that test, unless it was refused as
// bad input or the test allows auto on purpose.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "carry_process.hpp"

namespace carry::testing {
namespace {

TEST(UnpinnedTraining, NamesTheCommandLinesThatTrainOnWhateverAutoPicks) {
  for (const char* line :
       {"train", "train --steps 5", "train --backend auto --quiet", "train --backend=auto",
        "time-steps --batch 8", "bench --backend reference,auto", "bench --backend cuda"}) {
    EXPECT_NE(unpinned_training(words(line)), "") << line;
  }
  for (const char* line :
       {"train --backend cpu", "train --backend=reference --steps 5", "train --resume m.json",
        "train --seed-compat", "train --help", "time-steps --backend reference", "bench",
        "bench --backend reference,cpu", "eval m.json", "add 1 2 --checkpoint m.json", "verify",
        "time-launch"}) {
    EXPECT_EQ(unpinned_training(words(line)), "") << line;
  }
}

// Each runs a real `carry` under CARRY_TEST_LABEL=cpu (static: EXPECT_NONFATAL_FAILURE's
// statement may not use locals).
void run_unpinned_training() {
  run_carry(words("train --quiet --steps 1 --until-accuracy 0"));
}
void run_pinned_training() {
  run_carry(words("train --backend reference --quiet --steps 1 --until-accuracy 0"));
}
void run_refused_unpinned() {
  run_carry(words("train --batch 0"));
}

class CpuLabelled : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* label = std::getenv("CARRY_TEST_LABEL");
    saved_ = label != nullptr ? label : "";
    had_ = label != nullptr;
    ::setenv("CARRY_TEST_LABEL", "cpu", 1);
  }
  void TearDown() override {
    if (had_) {
      ::setenv("CARRY_TEST_LABEL", saved_.c_str(), 1);
    } else {
      ::unsetenv("CARRY_TEST_LABEL");
    }
  }
  std::string saved_;
  bool had_ = false;
};

TEST_F(CpuLabelled, AnUnpinnedRunFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(run_unpinned_training(), "trains on cuda where a GPU is usable");
}

TEST_F(CpuLabelled, PinnedRunsAndRefusedOnesPass) {
  run_pinned_training();
  run_refused_unpinned();
}

TEST_F(CpuLabelled, AutoCanBeAllowedOnPurpose) {
  const AutoBackendAllowed allowed;
  run_unpinned_training();
}

}  // namespace
}  // namespace carry::testing
