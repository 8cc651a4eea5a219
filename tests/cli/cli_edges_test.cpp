// cli_edges_test.cpp: the edges of what carry accepts: 62-bit problems at evaluation without
// overflow, the largest operands of `carry add`, a batch larger than memory refused before
// anything is allocated, and an unwritable --save refused before training.
#include <gtest/gtest.h>

#include <string>

#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using CliEdges = TempFolder;

class CliEdgesWithModel : public TempFolder {
 protected:
  void SetUp() override {
    TempFolder::SetUp();
    // A tiny network keeps 2^20 62-bit evaluations cheap; only its answers' format is checked.
    ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--hidden", "2",
                         "--steps", "5", "--save", path("model.json")})
                  .status,
              0);
  }
};

TEST_F(CliEdgesWithModel, EvaluatesSixtyTwoBitProblems) {
  const CarryResult eval = run_carry({"eval", path("model.json"), "--bits", "62"});
  ASSERT_EQ(eval.status, 0) << eval.err;
  EXPECT_NE(eval.out.find("a fixed sample of 1048576 of the 2^122 pairs of operands below 2^61 "
                          "(62-bit sums)"),
            std::string::npos)
      << eval.out;
  EXPECT_NE(eval.out.find("  bit 61  "), std::string::npos) << eval.out;
  EXPECT_EQ(eval.out.find("  bit 62  "), std::string::npos) << eval.out;
}

TEST_F(CliEdgesWithModel, AddsTheLargestOperands) {
  const std::string largest = "2305843009213693951";  // 2^61 - 1
  const std::string ones(61, '1');
  for (const std::vector<std::string>& bits :
       {std::vector<std::string>{}, std::vector<std::string>{"--bits", "62"}}) {
    std::vector<std::string> args = {"add", largest, largest, "--checkpoint", path("model.json")};
    args.insert(args.end(), bits.begin(), bits.end());
    const CarryResult add = run_carry(args);
    // This network is barely trained: its answer decides the status (0 right, 1 wrong).
    const std::string sum = "4611686018427387902";  // 2^62 - 2
    const bool right = add.out.rfind(largest + " + " + largest + " = " + sum + " ", 0) == 0;
    ASSERT_EQ(add.status, right ? 0 : 1) << add.err;
    EXPECT_EQ(add.out.rfind(largest + " + " + largest + " = ", 0), 0u) << add.out;
    EXPECT_NE(add.out.find("  a           0" + ones + "\n"), std::string::npos) << add.out;
    EXPECT_NE(add.out.find("  true sum    " + ones + "0\n"), std::string::npos) << add.out;
    EXPECT_NE(add.out.find("(62 time steps"), std::string::npos) << add.out;
  }
}

TEST_F(CliEdgesWithModel, RefusesOperandsAndLengthsBeyondTheEdge) {
  const CarryResult operand =
      run_carry({"add", "2305843009213693952", "0", "--checkpoint", path("model.json")});  // 2^61
  EXPECT_EQ(operand.status, 2);
  const CarryResult bits = run_carry({"eval", path("model.json"), "--bits", "63"});
  EXPECT_EQ(bits.status, 2);
  EXPECT_NE(bits.err.find("--bits must be between 2 and 62"), std::string::npos);
}

TEST_F(CliEdges, ABatchLargerThanMemoryIsRefusedWithTheLargestThatFits) {
  // 400 MB allowed (CARRY_MEMORY_LIMIT caps what carry lets itself use); a batch of 2^26
  // problems needs 1 GiB on the reference backend. (ulimit -v cannot stand in: it caps address
  // space, not memory, and cuBLAS alone maps hundreds of MB of it once the cuda backend opens it.)
  const CarryResult run = run_to_end(
      {"/bin/sh", "-c",
       "CARRY_MEMORY_LIMIT=400000000 exec \"$0\" train --backend reference --batch 67108864 "
       "--steps 1 --save \"$1\"",
       CARRY_BINARY, path("model.json")});
  EXPECT_EQ(run.status, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("carry: error: --batch 67108864 needs about 1.0 GiB on the reference "
                         "backend, but only "),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("the largest batch that fits is "), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("training on"), std::string::npos) << run.out;
  EXPECT_EQ(listing(), "");
}

TEST_F(CliEdges, AnUnwritableSaveIsRefusedBeforeTraining) {
  for (const std::string& save : {path("no/such/folder/model.json"), folder_.string()}) {
    const CarryResult run = run_carry({"train", "--steps", "100000", "--until-accuracy", "0",
                                       "--checkpoint-every", "10", "--save", save});
    EXPECT_EQ(run.status, 2) << save;
    EXPECT_NE(run.err.find("carry: error: cannot write " + save), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find("step"), std::string::npos) << run.out;
  }
}

}  // namespace
}  // namespace carry::testing
