// numpy_format.cpp: see numpy_format.hpp.
#include "numpy_format.hpp"

#include <cmath>
#include <cstdio>

namespace carry {

namespace {
// numpy trims trailing zeros of the fraction but keeps the point: "3.50000000" -> "3.5",
// "3.00000000" -> "3.".
std::string trim_fraction_zeros(std::string digits) {
  const std::size_t point = digits.find('.');
  if (point == std::string::npos) return digits;
  std::size_t end = digits.size();
  while (end > point + 1 && digits[end - 1] == '0') --end;
  return digits.substr(0, end);
}
}  // namespace

std::string numpy_array1_str(double value) {
  if (std::isnan(value)) return "[nan]";
  if (std::isinf(value)) return value > 0 ? "[inf]" : "[-inf]";
  char buffer[64];
  const double magnitude = std::fabs(value);
  const bool scientific = magnitude != 0.0 && (magnitude >= 1e8 || magnitude < 1e-4);
  if (!scientific) {
    // Both numpy (Dragon4 with a cutoff) and glibc round the exact binary value to 8 decimals.
    std::snprintf(buffer, sizeof buffer, "%.8f", value);
    return "[" + trim_fraction_zeros(buffer) + "]";
  }
  std::snprintf(buffer, sizeof buffer, "%.8e", value);
  const std::string text = buffer;
  const std::size_t exponent = text.find('e');
  return "[" + trim_fraction_zeros(text.substr(0, exponent)) + text.substr(exponent) + "]";
}

}  // namespace carry
