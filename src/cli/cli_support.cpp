// cli_support.cpp: see cli_support.hpp.
#include "cli_support.hpp"

#include <cmath>
#include <cstdio>

#include "output.hpp"

namespace carry::cli {

std::string format_example(const AdditionProblem& problem, std::uint64_t prediction) {
  std::string text = std::to_string(problem.a) + " + " + std::to_string(problem.b) + " = " +
                     std::to_string(prediction);
  if (prediction == problem.sum()) return text + " " + right_mark();
  return text + " " + wrong_mark() + " (" + std::to_string(problem.sum()) + ")";
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

}  // namespace carry::cli
