// cli_test.cpp: the `carry` program end to end: what it prints, and that every bad input gets
// one line on stderr and exit status 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;

using carry::testing::CarryResult;
using carry::testing::cpu_backend_here;
using carry::testing::run_carry;
using carry::testing::run_carry_with;
using carry::testing::words;

// Tests that write files get a fresh folder each.
using CliFiles = carry::testing::TempFolder;

void expect_usage_error(const std::string& args, const std::string& message) {
  const CarryResult run = run_carry(words(args));
  EXPECT_EQ(run.status, 2) << args << "\n" << run.err;
  EXPECT_NE(run.err.find(message), std::string::npos)
      << "carry " << args << "\nstderr: " << run.err << "lacks: " << message;
  // One line, no stack trace, no help dump.
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << args << "\n" << run.err;
  EXPECT_EQ(run.err.rfind("carry: error: ", 0), 0u) << run.err;
}

TEST(CliErrors, BadTrainValuesExitTwoWithOneLine) {
  expect_usage_error("train --batch 0", "--batch must be between 1 and");
  expect_usage_error("train --batch -3", "--batch must be between 1 and");
  expect_usage_error("train --bits 1", "--bits must be between 2 and 32");
  expect_usage_error("train --bits 64", "--bits must be between 2 and 32");
  expect_usage_error("train --hidden 0", "--hidden must be between 1 and 256");
  expect_usage_error("train --hidden 257", "--hidden must be between 1 and 256");
  expect_usage_error("train --lr 0", "--lr must be a finite number above 0");
  expect_usage_error("train --lr -1", "--lr must be a finite number above 0");
  expect_usage_error("train --lr nan", "--lr must be a finite number above 0");
  expect_usage_error("train --lr inf", "--lr must be a finite number above 0");
  expect_usage_error("train --lr abc", "--lr");
  expect_usage_error("train --batch 12x", "--batch");
  expect_usage_error("train --batch 99999999999999999999999", "--batch");
  expect_usage_error("train --steps -1", "--steps must be 0 or more");
  expect_usage_error("train --seed 4294967296", "--seed must be between 0 and 4294967295");
  expect_usage_error("train --report-every 0", "--report-every must be at least 1");
  expect_usage_error("train --until-accuracy 1.5", "--until-accuracy must be between 0");
  expect_usage_error("train --backend gpu9000",
                     "--backend must be auto, cuda, cpu or reference (got 'gpu9000')");
  expect_usage_error("train --frobnicate", "frobnicate");
  expect_usage_error("train --seed-compat --batch 4",
                     "--batch cannot be combined with --seed-compat");
  expect_usage_error("train --seed-compat --bits 9",
                     "--bits cannot be combined with --seed-compat");
}

TEST(CliErrors, UnknownCommandAndMissingArguments) {
  expect_usage_error("frobnicate",
                     "unknown command 'frobnicate' (try train, eval, add, verify, "
                     "bench, sweep or help)");
  expect_usage_error("eval", "checkpoint");
  expect_usage_error("add 1 2", "--checkpoint");
}

TEST_F(CliFiles, UnwritableSaveIsRefusedBeforeTraining) {
  const CarryResult run = run_carry(
      words("train --steps 100000 --until-accuracy 0 --save " + path("no/such/folder/model.json")));
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("cannot write"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("step"), std::string::npos) << "trained before refusing:\n" << run.out;
}

TEST_F(CliFiles, BadCheckpointsAndOperands) {
  expect_usage_error("eval " + path("missing.json"), "cannot open it");
  std::ofstream(path("truncated.json")) << "{\"format\": \"carry-rnn\", \"vers";
  expect_usage_error("eval " + path("truncated.json"), "not valid JSON");
  std::ofstream(path("empty.json")) << "";
  expect_usage_error("add 1 2 --checkpoint " + path("empty.json"), "not valid JSON");

  ASSERT_EQ(run_carry(words("train --backend " + cpu_backend_here() + " --quiet --steps 5 --save " +
                            path("model.json")))
                .status,
            0);
  expect_usage_error("add -1 2 --checkpoint " + path("model.json"),
                     "A must be between 0 and 2305843009213693951 (got -1)");
  expect_usage_error("add 1 x --checkpoint " + path("model.json"), "B must be a whole number");
  expect_usage_error("add 2305843009213693952 1 --checkpoint " + path("model.json"),
                     "A must be between 0 and 2305843009213693951 (got 2305843009213693952)");
  expect_usage_error("add 200 1 --bits 8 --checkpoint " + path("model.json"),
                     "with --bits 8 the operands must be below 128");
  expect_usage_error("eval " + path("model.json") + " --bits 63",
                     "--bits must be between 2 and 62");
}

TEST_F(CliFiles, TrainSaveEvalAndAdd) {
  const CarryResult train =
      run_carry(words("train --backend " + cpu_backend_here() + " --save " + path("model.json")));
  ASSERT_EQ(train.status, 0) << train.err;
  EXPECT_NE(train.out.find("reached 100.00% exact-match accuracy on all 16384 8-bit pairs"),
            std::string::npos)
      << train.out;
  EXPECT_NE(train.out.find("checkpoint saved to " + path("model.json")), std::string::npos);
  EXPECT_TRUE(train.err.empty()) << train.err;

  const CarryResult eval = run_carry(words("eval " + path("model.json")));
  ASSERT_EQ(eval.status, 0) << eval.err;
  EXPECT_NE(eval.out.find("exact match   100.00% (16384 of 16384)"), std::string::npos) << eval.out;

  const CarryResult longer = run_carry(words("eval " + path("model.json") + " --bits 20"));
  ASSERT_EQ(longer.status, 0) << longer.err;
  EXPECT_NE(longer.out.find("a fixed sample of 1048576"), std::string::npos) << longer.out;
  EXPECT_NE(longer.out.find("beyond the training length"), std::string::npos) << longer.out;

  const CarryResult add =
      run_carry_with({"LC_ALL=C.UTF-8"}, words("add 39 17 --checkpoint " + path("model.json")));
  ASSERT_EQ(add.status, 0) << add.err;
  EXPECT_EQ(add.out.rfind("39 + 17 = 56 \u2713\n", 0), 0u) << add.out;
  EXPECT_NE(add.out.find("true sum    00111000"), std::string::npos) << add.out;
}

TEST_F(CliFiles, SeedCompatPrintsTheSeedOutput) {
  const CarryResult run = run_carry(words("train --seed-compat --save " + path("seed.json")));
  ASSERT_EQ(run.status, 0) << run.err;
  std::ifstream golden(std::string(CARRY_TEST_DATA_DIR) + "/seed_default.txt");
  std::stringstream expected;
  expected << golden.rdbuf();
  EXPECT_EQ(run.out, expected.str());
  EXPECT_TRUE(fs::exists(path("seed.json")));
}

TEST_F(CliFiles, BenchWritesOneRecordPerBackendAndBatch) {
  const CarryResult run =
      run_carry(words("bench --backend reference," + cpu_backend_here() +
                      " --batch 1,3 --repeats 1 --seconds 0.01 --out " + path("results")));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("GFLOP/s"), std::string::npos) << run.out;
  std::ifstream csv(path("results/results.csv"));
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, 1 + 4);  // header, then 2 batches x 2 backends
  EXPECT_TRUE(fs::exists(path("results/results.json")));
  expect_usage_error("bench --batch 0", "--batch must be between 1 and");
  expect_usage_error("bench --backend nope",
                     "--backend must be auto, cuda, cpu or reference (got 'nope')");
  expect_usage_error("bench --repeats 0", "--repeats must be between 1 and 1000 (got 0)");
}

TEST(CliHelp, EverySubcommandHasHelp) {
  for (const char* command :
       {"--help", "train --help", "eval --help", "add --help", "bench --help", "verify --help",
        "time-steps --help", "time-launch --help", "help", "help train"}) {
    const CarryResult run = run_carry(words(command));
    EXPECT_EQ(run.status, 0) << command;
    EXPECT_NE(run.out.find("Usage"), std::string::npos) << command;
  }
}

}  // namespace
