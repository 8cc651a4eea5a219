// cli_support.cpp: see cli_support.hpp.
#include "cli_support.hpp"

#include <cmath>
#include <cstdio>

#include "carry/errors.hpp"

namespace carry::cli {

std::string format_example(const AdditionProblem& problem, std::uint64_t prediction) {
  std::string text = std::to_string(problem.a) + " + " + std::to_string(problem.b) + " = " +
                     std::to_string(prediction);
  if (prediction == problem.sum()) return text + " \u2713";
  return text + " \u2717 (" + std::to_string(problem.sum()) + ")";
}

std::string format_percent(double fraction) {
  // Round down at the last shown digit, so 99.999% is not presented as 100.00%.
  const double hundredths = std::floor(fraction * 10000.0) / 100.0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", hundredths);
  return buffer;
}

std::string format_bits(std::uint64_t value, int bits) {
  std::string text;
  for (int t = bits - 1; t >= 0; --t) text += static_cast<char>('0' + bit_at(value, t));
  return text;
}

std::uint64_t parse_operand(const std::string& text, const std::string& what, std::uint64_t limit) {
  const std::string range = "a whole number from 0 to " + std::to_string(limit - 1);
  if (text.empty() || text.size() > 20) {
    throw UserError(what + " must be " + range + " (got '" + text + "')");
  }
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') throw UserError(what + " must be " + range + " (got '" + text + "')");
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (digit > limit - 1 || value > (limit - 1 - digit) / 10) {
      throw UserError(what + " must be " + range + " (got " + text + ")");
    }
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace carry::cli
