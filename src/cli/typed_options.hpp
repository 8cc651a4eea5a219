// typed_options.hpp: how every subcommand declares its options, one line each, so that every
// value enters carry by the rules of parsing/value_rules.hpp and nothing else.
//
// CLI11 would read integers as C literals ("010" is eight, "0x10" sixteen, 2^64 clamped), an
// empty value as 0, and "--save --quiet" as a file named "--quiet". Each helper below registers
// an option whose text CLI11 hands over untouched; the helper reads it by its rule, checks its
// range or list, and stores it, or refuses it (UserError, exit status 2) with one line that
// names the option, what it takes, and the text as written. Given twice, an option is refused.
//
//   add_integer(train, "--bits", config.bits, {2, 32}, "Bits per problem");
//   add_real(train, "--lr", config.lr, kAboveZero, "Learning rate");
//   add_choice(train, "--backend", config.backend, {"auto", "cuda", "cpu", "reference"}, "...");
//   add_path(train, "--save", options.save_path, "Write the checkpoint here");
//
// The name may also be a positional argument's ("A"). The value's current contents are shown
// in --help as the default.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "carry/value_rules.hpp"

namespace carry::cli {

// Real ranges most options use.
constexpr RealRange kAboveZero{0.0, false};  // a finite number above 0
constexpr RealRange kZeroOrMore{0.0, true};  // a finite number, 0 or more

CLI::Option* add_integer(CLI::App* command, const std::string& name, std::int64_t& value,
                         IntegerRange range, const std::string& help);
// For int storage; `range` must lie within int.
CLI::Option* add_integer(CLI::App* command, const std::string& name, int& value, IntegerRange range,
                         const std::string& help);
CLI::Option* add_real(CLI::App* command, const std::string& name, double& value, RealRange range,
                      const std::string& help);
CLI::Option* add_choice(CLI::App* command, const std::string& name, std::string& value,
                        const std::vector<std::string>& choices, const std::string& help);
CLI::Option* add_path(CLI::App* command, const std::string& name, std::string& value,
                      const std::string& help);
// Comma-separated lists ("--batch 1,16,256"), each item read by its rule.
CLI::Option* add_integer_list(CLI::App* command, const std::string& name,
                              std::vector<std::int64_t>& values, IntegerRange range,
                              const std::string& help);
CLI::Option* add_choice_list(CLI::App* command, const std::string& name,
                             std::vector<std::string>& values,
                             const std::vector<std::string>& choices, const std::string& help);

}  // namespace carry::cli
