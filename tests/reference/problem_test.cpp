// problem_test.cpp: Philox-4x32-10 known answers, the counter-based problem generator (ranges,
// uniformity, independence from how a batch is split) and bit extraction.
#include "carry/problem.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "carry/trainer.hpp"

namespace carry {
namespace {

struct PhiloxCase {
  PhiloxBlock counter;
  PhiloxKey key;
  std::array<std::uint32_t, 4> expected;
};

TEST(Philox, KnownAnswersFromRandom123) {
  // Random123's kat_vectors for philox4x32 10: counter (4 words), key (2 words) -> output.
  const PhiloxCase cases[] = {
      {{{0, 0, 0, 0}}, {{0, 0}}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       {{0xffffffff, 0xffffffff}},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       {{0xa4093822, 0x299f31d0}},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const PhiloxCase& c : cases) {
    const PhiloxBlock out = philox4x32_10(c.counter, c.key);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out.word[i], c.expected[i]) << "word " << i;
  }
}

TEST(CounterProblem, OperandsStayBelowTheLimitForEveryLength) {
  for (int bits = kMinBits; bits <= kMaxEvalBits; ++bits) {
    const std::uint64_t limit = operand_limit(bits);
    std::uint64_t largest_seen = 0;
    for (std::uint64_t i = 0; i < 2000; ++i) {
      const AdditionProblem p = counter_problem(99, 3, i, bits);
      ASSERT_LT(p.a, limit) << "bits " << bits;
      ASSERT_LT(p.b, limit) << "bits " << bits;
      ASSERT_LT(p.sum(), std::uint64_t{1} << bits) << "bits " << bits;
      largest_seen = std::max({largest_seen, p.a, p.b});
    }
    // The top operand bit is used: with 4000 draws missing it has probability 2^-4000.
    EXPECT_GE(largest_seen, limit / 2) << "bits " << bits;
  }
}

TEST(CounterProblem, EveryOperandBitIsFair) {
  // 65536 problems of 8 bits: each of the 7 operand bits of a and b is set about half the time.
  // Binomial(65536, 1/2) has standard deviation 128; 6 sigma is 768.
  const int bits = 8;
  std::array<int, 14> ones{};
  for (std::uint64_t i = 0; i < 65536; ++i) {
    const AdditionProblem p = counter_problem(0, 0, i, bits);
    for (int t = 0; t < bits - 1; ++t) {
      ones[t] += bit_at(p.a, t);
      ones[7 + t] += bit_at(p.b, t);
    }
  }
  for (int count : ones) EXPECT_NEAR(count, 32768, 768);
}

TEST(CounterProblem, DependsOnSeedStepAndIndex) {
  const AdditionProblem base = counter_problem(1, 2, 3, 32);
  const AdditionProblem other_seed = counter_problem(2, 2, 3, 32);
  const AdditionProblem other_step = counter_problem(1, 3, 3, 32);
  const AdditionProblem other_index = counter_problem(1, 2, 4, 32);
  EXPECT_FALSE(base.a == other_seed.a && base.b == other_seed.b);
  EXPECT_FALSE(base.a == other_step.a && base.b == other_step.b);
  EXPECT_FALSE(base.a == other_index.a && base.b == other_index.b);
}

TEST(CounterProblem, BatchIsTheSameHoweverItIsSplit) {
  TrainConfig config;
  config.batch = 1000;
  config.seed = 1234;
  config.bits = 13;
  const std::vector<AdditionProblem> whole = make_batch(config, 77);
  // Drawn in uneven chunks, back to front, as threads or GPU blocks would.
  const std::uint64_t chunk_starts[] = {999, 640, 333, 1, 0};
  std::uint64_t end = 1000;
  for (std::uint64_t start : chunk_starts) {
    for (std::uint64_t i = end; i-- > start;) {
      const AdditionProblem p = counter_problem(1234, 77, i, 13);
      ASSERT_EQ(p.a, whole[i].a) << "index " << i;
      ASSERT_EQ(p.b, whole[i].b) << "index " << i;
    }
    end = start;
  }
}

TEST(BitAt, ReadsLeastSignificantFirst) {
  EXPECT_EQ(bit_at(0b1011, 0), 1);
  EXPECT_EQ(bit_at(0b1011, 1), 1);
  EXPECT_EQ(bit_at(0b1011, 2), 0);
  EXPECT_EQ(bit_at(0b1011, 3), 1);
  EXPECT_EQ(bit_at(std::uint64_t{1} << 63, 63), 1);
  EXPECT_EQ(operand_limit(62), std::uint64_t{1} << 61);
}

}  // namespace
}  // namespace carry
