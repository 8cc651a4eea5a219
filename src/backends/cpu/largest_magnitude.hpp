// largest_magnitude.hpp: the divergence guard's largest |w| over float32 weights, which runs after
// every step, so it has no branches: |w|'s bits (sign cleared) order as unsigned integers as the
// magnitudes do, infinity is 0x7f800000 and every NaN lies above it, so the largest of them is
// the largest magnitude, or a NaN when there is one (and the loop vectorises).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace carry::cpu {

// The largest of `largest` and the magnitude bits of values[0], values[stride], ... (count).
inline std::uint32_t largest_magnitude_bits(const float* values, std::size_t count,
                                            std::size_t stride, std::uint32_t largest = 0) {
  for (std::size_t k = 0; k < count; ++k) {
    std::uint32_t bits;
    std::memcpy(&bits, values + k * stride, sizeof bits);
    bits &= 0x7fffffffu;
    largest = bits > largest ? bits : largest;
  }
  return largest;
}

// The magnitude those bits stand for: a float's value, or NaN.
inline double magnitude_of_bits(std::uint32_t bits) {
  if (bits > 0x7f800000u) return std::numeric_limits<double>::quiet_NaN();
  float magnitude;
  std::memcpy(&magnitude, &bits, sizeof magnitude);
  return magnitude;
}

}  // namespace carry::cpu
