// strict_numbers.hpp: numeric options read as the numbers they spell, or refused.
//
// CLI11 2.1 reads integers with strtoll(text, base 0): "010" is eight, "0x10" sixteen, and a
// number too large for 64 bits silently becomes 2^63 - 1. It reads an empty value as 0, and real
// numbers through long double, which can round differently from reading a double directly.
// carry's integer options take an optional sign and decimal digits only; its real options take
// what strtod reads in full (no leading space, not empty); both are handed on to CLI11 in a
// form it reads exactly.
#pragma once

#include <CLI/CLI.hpp>
#include <initializer_list>
#include <optional>
#include <string>

namespace carry::cli {

// `text` as a canonical decimal integer ("7" for "+007", "0" for "-0"), or nothing when it is
// not an optional sign and decimal digits within the range of a signed 64-bit integer.
std::optional<std::string> canonical_decimal_integer(const std::string& text);

// `text` read by strtod, written as a hexadecimal float ("0x1p+2" for "4"), which CLI11's
// strtold reads back as exactly that double; nothing when strtod does not read all of `text`
// or `text` starts with a space.
std::optional<std::string> canonical_real_number(const std::string& text);

// CLI11 transforms that replace an option's text by its canonical form, or refuse it.
CLI::Validator decimal_integer();
CLI::Validator real_number();

// Applies decimal_integer() / real_number() to each named option of `command`.
void require_decimal_integers(CLI::App* command, std::initializer_list<const char*> names);
void require_real_numbers(CLI::App* command, std::initializer_list<const char*> names);

}  // namespace carry::cli
