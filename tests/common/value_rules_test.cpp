// value_rules_test.cpp: the one set of rules every value entering carry is read by
// (parsing/value_rules.hpp): whole numbers, reals, choices, paths and lists, and the messages
// that quote what was written.
#include "carry/value_rules.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "carry/errors.hpp"

namespace carry {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// The message a refused value gets ("" when it is accepted).
template <typename Read>
std::string refusal(Read read) {
  try {
    read();
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

TEST(ValueRules, WholeNumbersAreDecimalDigits) {
  const IntegerRange any{kMin, kMax};
  EXPECT_EQ(read_integer("040", "N", any), 40);  // decimal, never octal
  EXPECT_EQ(read_integer("0", "N", any), 0);
  EXPECT_EQ(read_integer("-0", "N", any), 0);
  EXPECT_EQ(read_integer("-12", "N", any), -12);
  EXPECT_EQ(read_integer("0000000000000000000000000001", "N", any), 1);
  EXPECT_EQ(read_integer("9223372036854775807", "N", any), kMax);
  EXPECT_EQ(read_integer("-9223372036854775808", "N", any), kMin);
  for (const char* bad : {"", "+", "-", "+5", "0x10", "1e3", " 5", "5 ", "1 000", "12x", "true",
                          "5.0", "\xd9\xa5", "--5"}) {
    const std::string message = refusal([&] { read_integer(bad, "--n", any); });
    EXPECT_NE(message.find("written in decimal digits (got '"), std::string::npos)
        << "'" << bad << "': " << message;
  }
}

TEST(ValueRules, WholeNumbersOutsideTheRangeAreRefusedNotClamped) {
  EXPECT_EQ(refusal([] {
              read_integer("63", "--bits", {2, 62});
            }),
            "--bits must be between 2 and 62 (got 63)");
  EXPECT_EQ(refusal([] { read_integer("-1", "--steps", {0}); }),
            "--steps must be 0 or more (got -1)");
  EXPECT_EQ(refusal([] { read_integer("0", "--every", {1}); }),
            "--every must be at least 1 (got 0)");
  EXPECT_EQ(refusal([] { read_integer("18446744073709551616", "--steps", {0}); }),
            "--steps must be 0 or more (got 18446744073709551616)");
  EXPECT_EQ(refusal([] { read_integer("9223372036854775808", "--steps", {0}); }),
            "--steps must be 0 or more (got 9223372036854775808)");
  EXPECT_EQ(refusal([] {
              read_integer("+8", "--bits", {2, 62});
            }),
            "--bits must be a whole number between 2 and 62 written in decimal digits (got '+8')");
  EXPECT_EQ(read_integer("62", "--bits", {2, 62}), 62);
  EXPECT_EQ(read_integer("2", "--bits", {2, 62}), 2);
}

TEST(ValueRules, RealsAreDecimalNotationReadInFull) {
  const RealRange any{-1e308, true, 1e308, true};
  EXPECT_EQ(read_real("4", "X", any), 4.0);
  EXPECT_EQ(read_real("0.5", "X", any), 0.5);
  EXPECT_EQ(read_real(".5", "X", any), 0.5);
  EXPECT_EQ(read_real("5.", "X", any), 5.0);
  EXPECT_EQ(read_real("-2", "X", any), -2.0);
  EXPECT_EQ(read_real("1e-3", "X", any), 1e-3);
  EXPECT_EQ(read_real("1E+30", "X", any), 1e30);
  EXPECT_EQ(read_real("1.0000001", "X", any), 1.0000001);
  for (const char* bad :
       {"", " 4", "4 ", "+4", "4x", "abc", "1e", "1e+", ".", "-", "0x10", "0x1p2", "1,5", "--4"}) {
    const std::string message = refusal([&] { read_real(bad, "--x", any); });
    EXPECT_NE(message.find("written in decimal notation (got '"), std::string::npos)
        << "'" << bad << "': " << message;
  }
}

TEST(ValueRules, RealsOutsideTheRangeOrNotFiniteAreRefusedAsWritten) {
  const RealRange probability{0.0, true, 1.0, true};
  EXPECT_EQ(refusal([&] { read_real("1.0000001", "--until-accuracy", probability); }),
            "--until-accuracy must be between 0 and 1 (got 1.0000001)");
  for (const char* not_finite : {"nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999"}) {
    EXPECT_EQ(refusal([&] {
                read_real(not_finite, "--lr", {0.0, false});
              }),
              std::string("--lr must be a finite number above 0 (got ") + not_finite + ")");
  }
  EXPECT_EQ(refusal([] {
              read_real("0", "--lr", {0.0, false});
            }),
            "--lr must be a finite number above 0 (got 0)");
  EXPECT_EQ(refusal([] {
              read_real("-1", "--gflops", {0.0, true});
            }),
            "--gflops must be a finite number, 0 or more (got -1)");
  EXPECT_EQ(refusal([] {
              read_real("3601", "--seconds", {0.0, false, 3600.0, true});
            }),
            "--seconds must be above 0 and at most 3600 (got 3601)");
  EXPECT_EQ(read_real("0", "--gflops", {0.0, true}), 0.0);
  EXPECT_EQ(read_real("1", "--until-accuracy", probability), 1.0);
}

TEST(ValueRules, ChoicesPathsAndLists) {
  const std::vector<std::string> devices{"cpu", "cuda"};
  EXPECT_EQ(read_choice("cuda", "--peer-device", devices), "cuda");
  EXPECT_EQ(refusal([&] { read_choice("foo", "--peer-device", devices); }),
            "--peer-device must be cpu or cuda (got 'foo')");
  EXPECT_EQ(refusal([&] { read_choice("CPU", "--peer-device", devices); }),
            "--peer-device must be cpu or cuda (got 'CPU')");
  EXPECT_EQ(read_path("model.json", "--save"), "model.json");
  EXPECT_EQ(read_path("./--quiet", "--save"), "./--quiet");
  EXPECT_EQ(refusal([] { read_path("", "--save"); }), "--save needs a file name (got '')");
  EXPECT_NE(refusal([] { read_path("--quiet", "--save"); }).find("not '--quiet'"),
            std::string::npos);
  EXPECT_EQ(list_items("1,16,256", "--batch"), (std::vector<std::string>{"1", "16", "256"}));
  for (const char* bad : {"", ",", "1,,2", "1,", ",1"}) {
    EXPECT_NE(refusal([&] { list_items(bad, "--batch"); }).find("without empty items"),
              std::string::npos)
        << "'" << bad << "'";
  }
}

TEST(ValueRules, MessagesStayOneLineAndShort) {
  EXPECT_EQ(shown("a\nb\tc\x1b"), "a\\nb\\tc\\x1b");
  const std::string long_text(1000, '7');
  const std::string message = refusal([&] { read_integer(long_text, "--steps", {0}); });
  EXPECT_NE(message.find("... (1000 characters)"), std::string::npos) << message;
  EXPECT_LT(message.size(), 250u);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace carry
