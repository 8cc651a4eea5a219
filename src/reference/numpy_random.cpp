// numpy_random.cpp: see numpy_random.hpp.
#include "numpy_random.hpp"

#include <stdexcept>

namespace carry {

double NumpyRandom::random_sample() {
  const std::uint32_t a = engine_() >> 5;  // 27 bits
  const std::uint32_t b = engine_() >> 6;  // 26 bits
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

std::uint64_t NumpyRandom::randint(std::uint64_t n) {
  if (n == 0 || n > (std::uint64_t{1} << 32)) {
    throw std::invalid_argument("randint: n must be in [1, 2^32]");
  }
  const std::uint64_t largest = n - 1;
  if (largest == 0) return 0;  // numpy returns without drawing
  if (largest == 0xFFFFFFFFu) return engine_();
  // Smallest all-ones mask covering `largest`.
  std::uint32_t mask = static_cast<std::uint32_t>(largest);
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  std::uint64_t value;
  do {
    value = engine_() & mask;
  } while (value > largest);
  return value;
}

}  // namespace carry
