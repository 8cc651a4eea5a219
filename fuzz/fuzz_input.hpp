// fuzz_input.hpp: what the command-line fuzz targets share: their input cut into lines (one
// argument each), and a reading of a whole number written independently of carry's, to check
// carry's against.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace carry::fuzzing {

// The bytes split at '\n' (an empty input is one empty line).
inline std::vector<std::string> split_lines(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> lines(1);
  for (std::size_t k = 0; k < size; ++k) {
    if (data[k] == '\n') {
      lines.emplace_back();
    } else {
      lines.back().push_back(static_cast<char>(data[k]));
    }
  }
  return lines;
}

// The whole number `text` spells by carry's rule ('-' optional, then decimal digits only), when
// it fits in 64 bits.
inline std::optional<std::int64_t> decimal_value(const std::string& text) {
  const bool negative = !text.empty() && text[0] == '-';
  std::size_t at = negative ? 1 : 0;
  if (at == text.size()) return std::nullopt;
  std::int64_t value = 0;  // accumulated negatively, so that -2^63 is reachable
  for (; at < text.size(); ++at) {
    if (text[at] < '0' || text[at] > '9') return std::nullopt;
    const int digit = text[at] - '0';
    if (value < (INT64_MIN + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (negative) return value;
  if (value == INT64_MIN) return std::nullopt;
  return -value;
}

}  // namespace carry::fuzzing
