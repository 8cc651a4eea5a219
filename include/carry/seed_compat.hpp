// seed_compat.hpp: the seed program itself, step for step: batch 1, 8 bits, numpy's MT19937
// stream for the weights and the problems, and its printout byte for byte.
#pragma once

#include <cstdint>
#include <ostream>

#include "carry/parameters.hpp"

namespace carry {

constexpr int kSeedCompatBits = 8;  // the seed's binary_dim; its tables are 8-bit

struct SeedCompatConfig {
  std::uint32_t seed = 0;      // np.random.seed
  int hidden = 16;             // hidden_dim
  double lr = 0.1;             // alpha
  std::int64_t steps = 10000;  // range(10000)
};

// Trains as the seed does and prints what it prints (every 1000th step) to `out`.
// Returns the final weights. After every step the divergence guard (divergence.hpp) checks the
// step's loss and the weights, and throws DivergenceError if either has blown up.
Parameters run_seed_compat(const SeedCompatConfig& config, std::ostream& out);

}  // namespace carry
