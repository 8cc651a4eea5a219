// strict_numbers.cpp: see strict_numbers.hpp.
#include "strict_numbers.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace carry::cli {

std::optional<std::string> canonical_decimal_integer(const std::string& text) {
  std::size_t at = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) at = 1;
  if (at == text.size()) return std::nullopt;
  while (at + 1 < text.size() && text[at] == '0') ++at;  // leading zeros would mean octal
  std::string digits;
  for (; at < text.size(); ++at) {
    if (text[at] < '0' || text[at] > '9') return std::nullopt;
    digits.push_back(text[at]);
  }
  // Compare with the limit as text: same length, then lexicographic.
  const std::string limit = negative
                                ? std::to_string(std::numeric_limits<std::int64_t>::min()).substr(1)
                                : std::to_string(std::numeric_limits<std::int64_t>::max());
  if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) {
    return std::nullopt;
  }
  if (digits == "0") return digits;
  return negative ? "-" + digits : digits;
}

std::optional<std::string> canonical_real_number(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  char exact[64];
  std::snprintf(exact, sizeof exact, "%a", value);
  return std::string(exact);
}

CLI::Validator decimal_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::optional<std::string> canonical = canonical_decimal_integer(text);
        if (!canonical) {
          return "'" + text + "' is not a whole number in decimal digits (within +-2^63)";
        }
        text = *canonical;
        return "";
      },
      "", "decimal integer");
}

CLI::Validator real_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::optional<std::string> canonical = canonical_real_number(text);
        if (!canonical) return "'" + text + "' is not a number";
        text = *canonical;
        return "";
      },
      "", "real number");
}

void require_decimal_integers(CLI::App* command, std::initializer_list<const char*> names) {
  for (const char* name : names) command->get_option(name)->transform(decimal_integer());
}

void require_real_numbers(CLI::App* command, std::initializer_list<const char*> names) {
  for (const char* name : names) command->get_option(name)->transform(real_number());
}

}  // namespace carry::cli
