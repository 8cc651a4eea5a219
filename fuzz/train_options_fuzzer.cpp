// train_options_fuzzer.cpp: libFuzzer target for how `carry train` reads its command line: the
// CLI11 parse of every train option, then the checks that follow it (check_option_combinations,
// validate_run), and the whole-number rule that `carry add`'s operands are read by. Nothing is
// trained and no file is touched. (command_line_fuzzer.cpp covers every subcommand's parsing.)
//
// The input is split into lines. Line i is the value of the i-th option of kValuedOptions
// ("--bits", line 0, "--hidden", line 1, ...); lines beyond them are appended as raw arguments,
// so flags and repeated options get fuzzed too. Everything must either parse or be refused with
// CLI::ParseError or UserError; and a number that is accepted must be read as the decimal
// number it spells: "010" is ten, never eight, and nothing out of range is clamped.
//
//   build-fuzz/fuzz/train_options_fuzzer -max_total_time=60 fuzz/corpus/train_options_fuzzer
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "carry/backends.hpp"
#include "carry/errors.hpp"
#include "carry/problem.hpp"
#include "carry/value_rules.hpp"
#include "fuzz_input.hpp"
#include "train_options.hpp"

namespace {

using carry::fuzzing::decimal_value;
using carry::fuzzing::split_lines;

const char* const kValuedOptions[] = {
    "--bits",   "--hidden",       "--batch",          "--lr",   "--steps",
    "--seed",   "--report-every", "--until-accuracy", "--save", "--checkpoint-every",
    "--resume", "--backend"};

void require(bool holds, const std::string& what) {
  if (holds) return;
  std::fprintf(stderr, "train_options_fuzzer: %s\n", what.c_str());
  std::abort();
}

// Integer options must hold exactly the decimal value of their (only) token.
// The token that follows `name` in `args` when `name` occurs exactly once, else nothing.
std::optional<std::string> only_value_of(const std::vector<std::string>& args, const char* name) {
  std::optional<std::string> value;
  int mentions = 0;
  for (std::size_t k = 0; k + 1 < args.size(); ++k) {
    if (args[k] == name) {
      ++mentions;
      value = args[k + 1];
    }
  }
  return mentions == 1 ? value : std::nullopt;
}

// Integer options must hold exactly the decimal value of their token; real ones what strtod
// reads from it (only decimal notation is accepted, which strtod reads exactly so).
void check_numbers(const carry::cli::TrainOptions& options, const std::vector<std::string>& args) {
  const carry::TrainConfig& c = options.config;
  const struct {
    const char* name;
    std::int64_t value;
  } integers[] = {{"--bits", c.bits},
                  {"--hidden", c.hidden},
                  {"--batch", c.batch},
                  {"--steps", c.steps},
                  {"--seed", c.seed},
                  {"--report-every", c.report_every},
                  {"--checkpoint-every", options.checkpoint_every}};
  for (const auto& integer : integers) {
    const std::optional<std::string> token = only_value_of(args, integer.name);
    if (!token) continue;
    const std::optional<std::int64_t> expected = decimal_value(*token);
    require(expected.has_value(),
            std::string(integer.name) + " accepted '" + *token + "', not a decimal integer");
    require(*expected == integer.value, std::string(integer.name) + " read '" + *token + "' as " +
                                            std::to_string(integer.value));
  }
  const struct {
    const char* name;
    double value;
  } reals[] = {{"--lr", c.lr}, {"--until-accuracy", c.until_accuracy}};
  for (const auto& real : reals) {
    const std::optional<std::string> token = only_value_of(args, real.name);
    if (!token) continue;
    char* end = nullptr;
    const double expected = std::strtod(token->c_str(), &end);
    require(!token->empty() && end == token->c_str() + token->size(),
            std::string(real.name) + " accepted '" + *token + "', not a number");
    require(expected == real.value,
            std::string(real.name) + " read '" + *token + "' as " + std::to_string(real.value));
  }
}

// `carry add`'s operands: 0 .. 2^61 - 1, read by the whole-number rule.
void fuzz_operands(const std::vector<std::string>& lines) {
  const auto largest = static_cast<std::int64_t>(carry::operand_limit(carry::kMaxEvalBits) - 1);
  for (const std::string& line : lines) {
    try {
      const std::int64_t value = carry::read_integer(line, "A", {0, largest});
      require(value >= 0 && value <= largest, "operand outside its range accepted");
      const std::optional<std::int64_t> expected = decimal_value(line);
      require(expected && *expected == value,
              "operand '" + line + "' read as " + std::to_string(value));
    } catch (const carry::UserError&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> lines = split_lines(data, size);
  std::vector<std::string> args;
  std::size_t line = 0;
  for (const char* option : kValuedOptions) {
    if (line >= lines.size()) break;
    args.emplace_back(option);
    args.push_back(lines[line++]);
  }
  for (; line < lines.size(); ++line) args.push_back(lines[line]);

  CLI::App train{"train"};
  carry::cli::TrainOptions options;
  carry::cli::add_train_options(&train, &options);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    train.parse(reversed);
    carry::cli::check_option_combinations(options);
    carry::validate_run(options.config);
  } catch (const CLI::ParseError&) {
    fuzz_operands(lines);
    return 0;
  } catch (const carry::UserError&) {
    fuzz_operands(lines);
    return 0;
  }
  check_numbers(options, args);
  fuzz_operands(lines);
  return 0;
}
