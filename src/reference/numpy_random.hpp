// numpy_random.hpp: numpy's legacy RandomState draws, reproduced bit for bit.
//
// np.random.seed(s) is MT19937 seeded with s (0 <= s < 2^32); random_sample() builds a 53-bit
// double from two 32-bit outputs; randint(n) is masked rejection sampling on 32-bit outputs.
// Used for the seed's weight initialisation and for --seed-compat's problem stream.
#pragma once

#include <cstdint>
#include <random>

#include "carry/parameters.hpp"

namespace carry {

class NumpyRandom {
 public:
  explicit NumpyRandom(std::uint32_t seed) : engine_(seed) {}

  // Uniform in [0, 1): ((a >> 5) * 2^26 + (b >> 6)) / 2^53, as numpy's random_sample().
  double random_sample();

  // Uniform in [0, n) for 1 <= n <= 2^32, as numpy's legacy randint(n) with int64 output.
  std::uint64_t randint(std::uint64_t n);

 private:
  std::mt19937 engine_;
};

// The seed's initialisation from `rng`'s stream (parameters.hpp's takes a fresh seed; the seed
// program's own run, seed_compat.cpp, goes on drawing from the same stream).
Parameters numpy_initial_parameters(NumpyRandom& rng, int hidden);

}  // namespace carry
