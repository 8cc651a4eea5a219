// fuzz_findings_test.cpp: what the fuzzers (fuzz/) found, kept as tests.
//   train_options_fuzzer: "--steps 040" ran 32 steps (CLI11 reads integers as C literals, so a
//     leading 0 meant octal; "0x10" hexadecimal; too many digits were clamped to 2^63 - 1), and
//     an empty value ("--until-accuracy ''") was read as 0.
//   checkpoint loader: a "version" nested a few hundred thousand lists deep overflowed the stack
//     while the error message was being written (now refused as nested too deeply, unbuilt).
//   command_line_fuzzer: time-steps, bench, verify and time-launch read their options with
//     CLI11's own conversions: "0x10" and "040" as C literals, "nan" and "inf" as numbers, "+8"
//     as eight, "--save= --quiet" as a file named "--quiet" (fuzz/regressions/command_line_fuzzer/
//     keeps those inputs); value_rules_test.cpp and cli_number_rules_test.cpp test the rules every
//     subcommand's options now share.
#include <gtest/gtest.h>

#include "carry/checkpoint.hpp"
#include "carry/errors.hpp"
#include "carry_process.hpp"

namespace carry {
namespace {

TEST(FuzzFindings, LeadingZerosDoNotMeanOctal) {
  const auto run = testing::run_carry({"train", "--backend", testing::cpu_backend_here(), "--quiet",
                                       "--steps", "040", "--until-accuracy", "0"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("after 40 steps (1280 samples)"), std::string::npos) << run.out;
}

TEST(FuzzFindings, HexadecimalAndOverlongIntegersAreRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"train", "--seed", "0x10"},
        std::vector<std::string>{"train", "--steps", "99999999999999999999999"},
        std::vector<std::string>{"eval", "model.json", "--bits", "0x10"}}) {
    const auto run = testing::run_carry(args);
    EXPECT_EQ(run.status, 2) << args[2];
    const bool syntax = run.err.find("written in decimal digits (got '") != std::string::npos;
    const bool range = run.err.find("(got 99999999999999999999999)") != std::string::npos;
    EXPECT_TRUE(syntax || range) << run.err;
  }
}

TEST(FuzzFindings, AnEmptyNumberIsRefusedNotReadAsZero) {
  for (const char* option : {"--until-accuracy", "--lr", "--steps"}) {
    const auto run = testing::run_carry({"train", option, ""});
    EXPECT_EQ(run.status, 2) << option;
    EXPECT_NE(run.err.find(std::string(option) + " must be "), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("(got '')"), std::string::npos) << run.err;
  }
}

TEST(FuzzFindings, ADeeplyNestedVersionIsRefusedWithoutOverflowingTheStack) {
  const std::size_t depth = 400000;
  const std::string text = "{\"format\": \"carry-rnn\", \"version\": " + std::string(depth, '[') +
                           std::string(depth, ']') + "}";
  try {
    checkpoint_from_json(text, "deep.json");
    ADD_FAILURE() << "accepted";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("nested more than 32 levels deep"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace carry
