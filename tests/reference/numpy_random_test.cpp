// numpy_random_test.cpp: NumpyRandom against values numpy 1.24 printed (RandomState(s)...).
#include "numpy_random.hpp"

#include <gtest/gtest.h>

#include "carry/parameters.hpp"

namespace carry {
namespace {

TEST(NumpyRandom, RandomSampleMatchesNumpy) {
  NumpyRandom rng(0);
  // np.random.RandomState(0).random_sample(), three times
  EXPECT_EQ(rng.random_sample(), 0.5488135039273248);
  EXPECT_EQ(rng.random_sample(), 0.7151893663724195);
  EXPECT_EQ(rng.random_sample(), 0.6027633760716439);
  EXPECT_EQ(NumpyRandom(4294967295u).random_sample(), 0.0976320289940138);
}

TEST(NumpyRandom, RandintMatchesNumpy) {
  NumpyRandom rng(12345);
  const std::uint64_t expected[] = {482, 485, 285, 129, 420, 425, 382, 357};  // randint(1000)
  for (std::uint64_t value : expected) EXPECT_EQ(rng.randint(1000), value);
}

TEST(NumpyRandom, RandintEdgesMatchNumpy) {
  NumpyRandom rng(7);
  // randint(2**32) x3, randint(1) x2 (draws nothing), randint(3) x6, then random_sample()
  EXPECT_EQ(rng.randint(std::uint64_t{1} << 32), 327741615u);
  EXPECT_EQ(rng.randint(std::uint64_t{1} << 32), 976413892u);
  EXPECT_EQ(rng.randint(std::uint64_t{1} << 32), 3349725721u);
  EXPECT_EQ(rng.randint(1), 0u);
  EXPECT_EQ(rng.randint(1), 0u);
  for (std::uint64_t value : {2, 0, 1, 2, 0, 1}) EXPECT_EQ(rng.randint(3), value);
  EXPECT_EQ(rng.random_sample(), 0.07205113335976154);
}

TEST(NumpyRandom, RandintRejectsBadBounds) {
  NumpyRandom rng(0);
  EXPECT_THROW(rng.randint(0), std::invalid_argument);
  EXPECT_THROW(rng.randint((std::uint64_t{1} << 32) + 1), std::invalid_argument);
}

TEST(NumpyRandom, SeedRunDrawsNineAndSixtyAfterTheWeights) {
  // The seed draws 2x16 + 16x1 + 16x16 weights, then randint(128) for a and b.
  NumpyRandom rng(0);
  const Parameters params = numpy_initial_parameters(rng, 16);
  EXPECT_EQ(rng.randint(128), 9u);
  EXPECT_EQ(rng.randint(128), 60u);
  // synapse_0[0][0] = 2 * 0.5488135039273248 - 1
  EXPECT_EQ(params.w0[0], 2 * 0.5488135039273248 - 1);
}

}  // namespace
}  // namespace carry
