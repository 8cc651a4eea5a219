// value_rules.cpp: see value_rules.hpp. Numbers are checked character by character before
// anything converts them, so no C library reading (strtoll's octal and hexadecimal, strtod's
// hexadecimal floats and leading spaces) can slip through.
#include "carry/value_rules.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "carry/errors.hpp"

namespace carry {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string number_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

[[noreturn]] void refuse(const std::string& message) {
  throw UserError(message);
}

// "between 2 and 62" reads after "a whole number"; the open-ended phrases need commas.
std::string whole_number(const IntegerRange& range) {
  const std::string bounds = describe(range);
  return bounds.rfind("between", 0) == 0 ? "a whole number " + bounds
                                         : "a whole number, " + bounds + ",";
}

// A case-insensitive match of `text` from `at` with a lowercase word.
bool is_word(const std::string& text, std::size_t at, const char* word) {
  std::size_t k = 0;
  for (; word[k] != '\0'; ++k) {
    if (at + k >= text.size()) return false;
    const char c = text[at + k];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != word[k]) return false;
  }
  return at + k == text.size();
}

// Decimal notation: digits, an optional point with more digits (at least one digit in all),
// then an optional exponent. `at` is past an optional '-'.
bool is_decimal_notation(const std::string& text, std::size_t at) {
  std::size_t digits = 0;
  while (at < text.size() && is_digit(text[at])) ++at, ++digits;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && is_digit(text[at])) ++at, ++digits;
  }
  if (digits == 0) return false;
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    std::size_t exponent_digits = 0;
    while (at < text.size() && is_digit(text[at])) ++at, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return at == text.size();
}

bool within(double value, const RealRange& range) {
  if (!std::isfinite(value)) return false;
  if (value < range.low || (value == range.low && !range.low_included)) return false;
  if (value > range.high || (value == range.high && !range.high_included)) return false;
  return true;
}

}  // namespace

std::string describe(const IntegerRange& range) {
  if (range.high == std::numeric_limits<std::int64_t>::max()) {
    return range.low == 0 ? "0 or more" : "at least " + std::to_string(range.low);
  }
  return "between " + std::to_string(range.low) + " and " + std::to_string(range.high);
}

std::string describe(const RealRange& range) {
  const std::string low = number_text(range.low);
  if (std::isinf(range.high)) {
    return range.low_included ? "a finite number, " + low + " or more"
                              : "a finite number above " + low;
  }
  const std::string high = number_text(range.high);
  if (range.low_included && range.high_included) return "between " + low + " and " + high;
  return (range.low_included ? "at least " : "above ") + low + " and " +
         (range.high_included ? "at most " : "below ") + high;
}

std::int64_t read_integer(const std::string& text, const std::string& what, IntegerRange range) {
  const std::size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  bool digits_only = start < text.size();
  for (std::size_t k = start; k < text.size() && digits_only; ++k) digits_only = is_digit(text[k]);
  if (!digits_only) {
    refuse(what + " must be " + whole_number(range) + " written in decimal digits (got '" +
           shown(text) + "')");
  }
  // The magnitude, without its leading zeros; more than 19 digits is beyond any int64.
  std::size_t first = start;
  while (first + 1 < text.size() && text[first] == '0') ++first;
  const std::string digits = text.substr(first);
  const std::string out_of_range =
      what + " must be " + describe(range) + " (got " + shown(text) + ")";
  if (digits.size() > 19) refuse(out_of_range);
  std::uint64_t magnitude = 0;
  for (const char c : digits) magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');
  const auto largest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::int64_t value = 0;
  if (start == 0) {
    if (magnitude > largest) refuse(out_of_range);
    value = static_cast<std::int64_t>(magnitude);
  } else {
    if (magnitude > largest + 1) refuse(out_of_range);
    // -(2^63) has no positive counterpart: negate in unsigned arithmetic.
    value = static_cast<std::int64_t>(~magnitude + 1);
  }
  if (value < range.low || value > range.high) refuse(out_of_range);
  return value;
}

double read_real(const std::string& text, const std::string& what, RealRange range) {
  const std::size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  double value = 0.0;
  if (is_word(text, start, "nan")) {
    value = std::nan("");
  } else if (is_word(text, start, "inf") || is_word(text, start, "infinity")) {
    value = start == 0 ? HUGE_VAL : -HUGE_VAL;
  } else if (is_decimal_notation(text, start)) {
    // Checked above to be plain decimal notation, which strtod reads in full; out of range
    // ("1e999") it gives infinity, which the range refuses.
    value = std::strtod(text.c_str(), nullptr);
  } else {
    refuse(what + " must be " + describe(range) + ", written in decimal notation (got '" +
           shown(text) + "')");
  }
  if (!within(value, range))
    refuse(what + " must be " + describe(range) + " (got " + shown(text) + ")");
  return value;
}

std::string read_choice(const std::string& text, const std::string& what,
                        const std::vector<std::string>& choices) {
  for (const std::string& choice : choices) {
    if (text == choice) return text;
  }
  std::string list;
  for (std::size_t k = 0; k < choices.size(); ++k) {
    list += (k == 0 ? "" : k + 1 == choices.size() ? " or " : ", ") + choices[k];
  }
  refuse(what + " must be " + list + " (got '" + shown(text) + "')");
}

std::string read_path(const std::string& text, const std::string& what) {
  if (text.empty()) refuse(what + " needs a file name (got '')");
  if (text[0] == '-') {
    refuse(what + " needs a file name, not '" + shown(text) +
           "' (for a file whose name starts with '-', write ./" + shown(text) + ")");
  }
  return text;
}

std::vector<std::string> list_items(const std::string& text, const std::string& what) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma - start);
    if (item.empty()) {
      refuse(what + " must be a comma-separated list without empty items (got '" + shown(text) +
             "')");
    }
    items.push_back(item);
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

std::string one_line(const std::string& text) {
  std::string result;
  for (const char character : text) {
    const auto c = static_cast<unsigned char>(character);
    if (c == '\n') {
      result += "\\n";
    } else if (c == '\t') {
      result += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      result += escaped;
    } else {
      result += character;
    }
  }
  return result;
}

std::string shown(const std::string& text) {
  constexpr std::size_t kLongest = 120;
  if (text.size() <= kLongest) return one_line(text);
  return one_line(text.substr(0, kLongest)) + "... (" + std::to_string(text.size()) +
         " characters)";
}

}  // namespace carry
