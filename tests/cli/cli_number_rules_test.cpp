// cli_number_rules_test.cpp: one set of rules for every value of every subcommand
// (parsing/value_rules.hpp through cli/typed_options.hpp): the cases an adversarial user found in
// time-steps, bench, verify, time-launch, eval and add, each refused before any work with one line
// and exit status 2, naming the option, its range and the text as written; and the values the
// rules must accept, read as written.
#include <gtest/gtest.h>

#include <string>

#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using CliSeedCompatRules = TempFolder;

struct Refusal {
  std::vector<std::string> args;
  std::string message;
};

void expect_refused(const std::vector<std::string>& args, const std::string& message,
                    const std::vector<std::string>& environment = {}) {
  std::string command;
  for (const std::string& arg : args) command += "'" + arg + "' ";
  const CarryResult run = run_carry_with(environment, args);
  EXPECT_EQ(run.status, 2) << command << "\n" << run.err;
  EXPECT_EQ(run.err, "carry: error: " + message + "\n") << command;
  EXPECT_EQ(run.out, "") << command;
}

TEST(CliNumberRules, EverySubcommandRefusesWhatIsNotItsNumber) {
  const Refusal cases[] = {
      {{"time-steps", "--steps", "0x10"},
       "--steps must be a whole number, at least 1, written in decimal digits (got '0x10')"},
      {{"time-steps", "--steps", "18446744073709551616"},
       "--steps must be at least 1 (got 18446744073709551616)"},
      {{"time-steps", "--batch", ""},
       "--batch must be a whole number between 1 and 67108864 written in decimal digits (got '')"},
      {{"time-steps", "--batch", " 5"},
       "--batch must be a whole number between 1 and 67108864 written in decimal digits (got "
       "' 5')"},
      {{"time-steps", "--warmup", "-1"}, "--warmup must be 0 or more (got -1)"},
      {{"time-steps", "--backend", "gpu"},
       "--backend must be auto, cuda, cpu or reference (got 'gpu')"},
      {{"bench", "--lr", "nan"}, "--lr must be a finite number, 0 or more (got nan)"},
      {{"bench", "--target-steps", "-1"}, "--target-steps must be at least 1 (got -1)"},
      {{"bench", "--target-seconds", "nan"},
       "--target-seconds must be above 0 and at most 86400 (got nan)"},
      {{"bench", "--seconds", "inf"}, "--seconds must be above 0 and at most 3600 (got inf)"},
      {{"bench", "--peer-device", "foo"}, "--peer-device must be cpu or cuda (got 'foo')"},
      {{"bench", "--batch", "1,,2"},
       "--batch must be a comma-separated list without empty items (got '1,,2')"},
      {{"bench", "--batch", "16,040,0x10"},
       "--batch must be a whole number between 1 and 67108864 written in decimal digits (got "
       "'0x10')"},
      {{"bench", "--backend", "cpu,gpu"},
       "--backend must be auto, cuda, cpu or reference (got 'gpu')"},
      {{"verify", "--steps", "0"}, "--steps must be at least 1 (got 0)"},
      {{"verify", "--lr", "inf"}, "--lr must be a finite number above 0 (got inf)"},
      {{"verify", "--kernel", "fused-v9"},
       "--kernel must be chain, fused, fused-v1 or fused-v2 (got 'fused-v9')"},
      {{"verify", "--json", ""}, "--json needs a file name (got '')"},
      {{"time-launch", "--repeats", "1e3"},
       "--repeats must be a whole number between 1 and 100000 written in decimal digits (got "
       "'1e3')"},
      {{"time-launch", "--repeats", "0"}, "--repeats must be between 1 and 100000 (got 0)"},
      {{"eval", "model.json", "--bits", "0"}, "--bits must be between 2 and 62 (got 0)"},
      {{"add", "1", "2", "--checkpoint", "m.json", "--bits", "0"},
       "--bits must be between 2 and 62 (got 0)"},
      {{"train", "--backend", cpu_backend_here(), "--save", ""},
       "--save needs a file name (got '')"},
      {{"train", "--resume", ""}, "--resume needs a file name (got '')"},
      {{"train", "--backend", cpu_backend_here(), "--until-accuracy", "1.0000001"},
       "--until-accuracy must be between 0 and 1 (got 1.0000001)"},
      {{"train", "--backend", cpu_backend_here(), "--steps", "5", "--steps", "6"},
       "--steps may be given once"},
      {{"train", "--backend", cpu_backend_here(), "--save"}, "--save needs a value"},
      // Long enough to overflow: said with the options the command has.
      {{"time-steps", "--steps", "9223372036854775807", "--warmup", "1"},
       "--warmup 1 and --steps 9223372036854775807 of --batch 1024 would pass 2^63 - 1 steps or "
       "samples; ask for fewer steps"},
      {{"bench", "--target-steps", "9223372036854775807"},
       "--target-steps 9223372036854775807 at --batch 1 would pass 2^63 - 1 steps or samples; "
       "give a smaller --target-steps"},
  };
  for (const Refusal& c : cases) expect_refused(c.args, c.message);
}

TEST(CliNumberRules, AnOptionIsNeverTakenForAFileName) {
  expect_refused({"train", "--backend", cpu_backend_here(), "--save=", "--quiet"},
                 "--save needs a file name, not '--quiet' (for a file whose name starts with '-', "
                 "write ./--quiet)");
  expect_refused({"train", "--resume", "--quiet"},
                 "--resume needs a file name, not '--quiet' (for a file whose name starts with "
                 "'-', write ./--quiet)");
}

TEST(CliNumberRules, APlusSignIsRefusedAlikeEverywhere) {
  expect_refused({"add", "+5", "7", "--checkpoint", "m.json"},
                 "A must be a whole number between 0 and 2305843009213693951 written in decimal "
                 "digits (got '+5')");
  expect_refused({"train", "--backend", cpu_backend_here(), "--bits", "+8"},
                 "--bits must be a whole number between 2 and 32 written in decimal digits (got "
                 "'+8')");
}

TEST(CliNumberRules, CarryMemoryLimitIsANumberOfBytes) {
  for (const char* value : {"1M", "abc", "-1", "", "1e9", " 5"}) {
    const CarryResult run =
        run_carry_with({std::string("CARRY_MEMORY_LIMIT=") + value},
                       {"train", "--backend", cpu_backend_here(), "--steps", "1"});
    EXPECT_EQ(run.status, 2) << value;
    EXPECT_EQ(run.err.rfind("carry: error: CARRY_MEMORY_LIMIT (a number of bytes) must be ", 0), 0u)
        << run.err;
    EXPECT_EQ(line_count(run.err), 1) << run.err;
  }
  const CarryResult fine =
      run_carry_with({"CARRY_MEMORY_LIMIT=0400000000"},
                     {"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "1"});
  EXPECT_EQ(fine.status, 0) << fine.err;
}

TEST(CliNumberRules, NumbersAreReadAsWritten) {
  // Leading zeros are decimal: forty timed steps, not thirty-two.
  const CarryResult run = run_carry({"time-steps", "--backend", "reference", "--steps", "040",
                                     "--batch", "0004", "--warmup", "00"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("\"steps\":40"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"batch\":4,"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"warmup_steps\":0"), std::string::npos) << run.out;
}

TEST_F(CliSeedCompatRules, TheSeedsOwnValuesGoWithSeedCompat) {
  const CarryResult seed = run_carry({"train", "--seed-compat", "--bits", "8", "--batch", "1",
                                      "--backend", "reference", "--steps", "1"});
  EXPECT_EQ(seed.status, 0) << seed.err;
  expect_refused({"train", "--seed-compat", "--kernel", "fused"},
                 "--kernel cannot be combined with --seed-compat (it runs the seed's batch-1, "
                 "8-bit reference loop)");
  expect_refused({"train", "--seed-compat", "--bits", "9"},
                 "--bits cannot be combined with --seed-compat except as --bits 8 (it runs the "
                 "seed's batch-1, 8-bit reference loop)");
}

}  // namespace
}  // namespace carry::testing
