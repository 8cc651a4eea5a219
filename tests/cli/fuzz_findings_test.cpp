// fuzz_findings_test.cpp: what the fuzzers (fuzz/) found, kept as tests.
//   train_options_fuzzer: "--steps 040" ran 32 steps (CLI11 reads integers as C literals, so a
//     leading 0 meant octal; "0x10" hexadecimal; too many digits were clamped to 2^63 - 1), and
//     an empty value ("--until-accuracy ''") was read as 0.
//   checkpoint loader: a "version" nested a few hundred thousand lists deep overflowed the stack
//     while the error message was being written.
#include <gtest/gtest.h>

#include "carry/checkpoint.hpp"
#include "carry/errors.hpp"
#include "carry_process.hpp"
#include "strict_numbers.hpp"

namespace carry {
namespace {

using cli::canonical_decimal_integer;
using cli::canonical_real_number;

TEST(StrictNumbers, IntegersAreDecimalDigitsWithinSixtyFourBits) {
  EXPECT_EQ(canonical_decimal_integer("040"), "40");
  EXPECT_EQ(canonical_decimal_integer("+007"), "7");
  EXPECT_EQ(canonical_decimal_integer("0"), "0");
  EXPECT_EQ(canonical_decimal_integer("-0"), "0");
  EXPECT_EQ(canonical_decimal_integer("-12"), "-12");
  EXPECT_EQ(canonical_decimal_integer("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(canonical_decimal_integer("-9223372036854775808"), "-9223372036854775808");
  for (const char* bad : {"", "+", "-", "0x10", "1e3", " 5", "5 ", "12x", "9223372036854775808",
                          "-9223372036854775809", "99999999999999999999999", "true"}) {
    EXPECT_EQ(canonical_decimal_integer(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(StrictNumbers, RealsAreWhatStrtodReadsInFull) {
  EXPECT_EQ(canonical_real_number("4"), "0x1p+2");
  EXPECT_EQ(canonical_real_number("1e30"),
            canonical_real_number("1000000000000000000000000000000"));
  EXPECT_EQ(canonical_real_number("nan"), "nan");  // refused later, with its own message
  for (const char* bad : {"", " 4", "4x", "abc", "1e"}) {
    EXPECT_EQ(canonical_real_number(bad), std::nullopt) << "'" << bad << "'";
  }
}

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
    EXPECT_NE(run.err.find("is not a whole number in decimal digits"), std::string::npos)
        << run.err;
  }
}

TEST(FuzzFindings, AnEmptyNumberIsRefusedNotReadAsZero) {
  for (const char* option : {"--until-accuracy", "--lr", "--steps"}) {
    const auto run = testing::run_carry({"train", option, ""});
    EXPECT_EQ(run.status, 2) << option;
    EXPECT_NE(run.err.find(std::string(option) + ": ''"), std::string::npos) << run.err;
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
    EXPECT_NE(std::string(error.what()).find("version that is not a number is not supported"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace carry
