// problem.hpp: addition problems and the counter-based batch generator shared by every backend.
//
// A problem of T bits has operands a, b uniform in [0, 2^(T-1)) and target a + b < 2^T. At time
// step t (0 = least significant bit) the network reads bit t of a and b and must emit bit t of
// the sum. Sample `index` of training step `step` is a pure function of (seed, step, index), so a
// batch is identical however it is split across threads, blocks or machines.
#pragma once

#include <cstdint>

#include "carry/host_device.hpp"
#include "carry/philox.hpp"

namespace carry {

constexpr int kMinBits = 2;
constexpr int kMaxTrainBits = 32;
constexpr int kMaxEvalBits = 62;  // keeps a + b below 2^62, far from 64-bit overflow

struct AdditionProblem {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  CARRY_HOST_DEVICE std::uint64_t sum() const { return a + b; }
};

CARRY_HOST_DEVICE inline int bit_at(std::uint64_t value, int position) {
  return static_cast<int>((value >> position) & 1u);
}

// Exclusive upper bound of an operand for `bits`-bit problems: 2^(bits-1).
CARRY_HOST_DEVICE inline std::uint64_t operand_limit(int bits) {
  return std::uint64_t{1} << (bits - 1);
}

// Philox key = seed; counter = (index, step). Each operand takes 64 random bits and keeps the
// top bits-1 of them, so every value in [0, 2^(bits-1)) is equally likely.
CARRY_HOST_DEVICE inline AdditionProblem counter_problem(std::uint64_t seed, std::uint64_t step,
                                                         std::uint64_t index, int bits) {
  const PhiloxKey key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const PhiloxBlock counter{
      {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
       static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32)}};
  const PhiloxBlock r = philox4x32_10(counter, key);
  const std::uint64_t random_a = (std::uint64_t{r.word[0]} << 32) | r.word[1];
  const std::uint64_t random_b = (std::uint64_t{r.word[2]} << 32) | r.word[3];
  const int shift = 65 - bits;  // 64 - (bits - 1)
  return AdditionProblem{random_a >> shift, random_b >> shift};
}

}  // namespace carry
