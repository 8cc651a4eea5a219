// command_line_fuzzer.cpp: libFuzzer target for the option parsing of every subcommand of
// `carry` (train, eval, add, verify, bench, time-steps, time-launch): the whole command line as
// main() builds it, stopped once parsing is complete (every option read and checked, every
// required one present) and before the subcommand's action, so no work is done and no file is
// touched. Also each value alone through the value rules (parsing/value_rules.hpp).
//
// The input is split into lines: line 0 picks the subcommand (its name, or any other text for
// one chosen by the text's length), the other lines are its arguments, as given. Everything
// must either parse or be refused with CLI::ParseError (which includes --help) or UserError;
// anything else (a crash, another exception) is a finding. After a parse that succeeds, every
// value given must obey its rule, checked here independently of carry's reading:
//   INT options        '-' optional, then decimal digits only
//   FLOAT options      decimal notation ("4", "0.5", "1e-3"), a '-' optional
//   PATH options       not empty, not starting with '-'
//   a|b|c options      one of the listed words (items of a comma list likewise)
// and a whole number the value rules accept must be the number its digits spell.
//
//   build-fuzz/fuzz/command_line_fuzzer -max_total_time=60 fuzz/corpus/command_line_fuzzer
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "carry/errors.hpp"
#include "carry/value_rules.hpp"
#include "commands.hpp"
#include "fuzz_input.hpp"

namespace {

using carry::fuzzing::decimal_value;
using carry::fuzzing::split_lines;

// Thrown once parsing is complete, before any subcommand's action.
struct ParsedOnly {
  bool reached = true;
};

const char* const kCommands[] = {"train", "eval",       "add",        "verify",
                                 "bench", "time-steps", "time-launch"};

void require(bool holds, const std::string& what) {
  if (holds) return;
  std::fprintf(stderr, "command_line_fuzzer: %s\n", what.c_str());
  std::abort();
}

bool digits(const std::string& text, std::size_t from) {
  if (from >= text.size()) return false;
  for (std::size_t k = from; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return false;
  }
  return true;
}

bool is_integer_text(const std::string& text) {
  return digits(text, !text.empty() && text[0] == '-' ? 1 : 0);
}

bool is_real_text(const std::string& text) {
  std::size_t at = !text.empty() && text[0] == '-' ? 1 : 0;
  std::size_t mantissa = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at, ++mantissa;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at, ++mantissa;
  }
  if (mantissa == 0) return false;
  if (at == text.size()) return true;
  if (text[at] != 'e' && text[at] != 'E') return false;
  ++at;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
  return digits(text, at);
}

// The items of `text` split at commas (one item when there is none).
std::vector<std::string> items_of(const std::string& text) {
  std::vector<std::string> items(1);
  for (const char c : text) {
    if (c == ',') {
      items.emplace_back();
    } else {
      items.back().push_back(c);
    }
  }
  return items;
}

// Checks a value an option of CLI11 type name `type` accepted.
void check_value(const std::string& option, const std::string& type, const std::string& text) {
  const bool list = type.size() > 4 && type.compare(type.size() - 4, 4, ",...") == 0;
  const std::string item_type = list ? type.substr(0, type.size() - 4) : type;
  for (const std::string& item : list ? items_of(text) : std::vector<std::string>{text}) {
    const std::string what = option + " accepted '" + item + "' as " + item_type;
    if (item_type == "INT") {
      require(is_integer_text(item), what);
    } else if (item_type == "FLOAT") {
      require(is_real_text(item), what);
    } else if (item_type == "PATH") {
      require(!item.empty() && item[0] != '-', what);
    } else if (item_type.find('|') != std::string::npos) {
      bool listed = false;
      std::size_t start = 0;
      for (;;) {
        const std::size_t bar = item_type.find('|', start);
        listed = listed || item_type.substr(start, bar - start) == item;
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
      require(listed, what);
    } else {
      // Every option with a value must be declared with typed_options.hpp.
      require(type.empty(), option + " has type '" + type + "', not one of the value rules'");
    }
  }
}

// One value through the rules alone: accepted whole numbers are what their digits spell.
void fuzz_value_rules(const std::string& text) {
  try {
    const std::int64_t value = carry::read_integer(text, "N", {INT64_MIN, INT64_MAX});
    const std::optional<std::int64_t> expected = decimal_value(text);
    require(expected && *expected == value, "'" + text + "' read as " + std::to_string(value));
  } catch (const carry::UserError&) {
    require(!decimal_value(text), "'" + text + "' refused as a whole number");
  }
  try {
    carry::read_real(text, "X", {-1e300, true, 1e300, true});
    require(is_real_text(text), "'" + text + "' accepted as a real number");
  } catch (const carry::UserError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> lines = split_lines(data, size);
  std::string command = lines[0];
  bool known = false;
  for (const char* name : kCommands) known = known || command == name;
  if (!known) command = kCommands[command.size() % std::size(kCommands)];
  std::vector<std::string> args(lines.begin() + 1, lines.end());

  CLI::App app{"carry", "carry"};
  app.require_subcommand(1);
  carry::cli::add_all_commands(app);
  // Runs after every option's reading and the checks of required options, before any
  // subcommand's action (whose state the option readers write into must stay alive, so the
  // actions are not replaced but never reached).
  app.parse_complete_callback([] { throw ParsedOnly{}; });
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  reversed.push_back(command);
  try {
    app.parse(reversed);
    require(false, "the subcommand's action was reached");
  } catch (const ParsedOnly&) {
  } catch (const CLI::ParseError&) {
    for (const std::string& line : lines) fuzz_value_rules(line);
    return 0;
  } catch (const carry::UserError&) {
    for (const std::string& line : lines) fuzz_value_rules(line);
    return 0;
  }
  CLI::App* parsed = app.get_subcommand(command);
  for (const CLI::Option* option : parsed->get_options()) {
    if (option->count() == 0 || option->get_type_size() == 0) continue;  // flags, --help
    for (const std::string& text : option->results()) {
      check_value(option->get_name(), option->get_type_name(), text);
    }
  }
  for (const std::string& line : lines) fuzz_value_rules(line);
  return 0;
}
