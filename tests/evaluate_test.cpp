// evaluate_test.cpp: exhaustive and sampled evaluation, checked against counts made directly
// from integers for hand-built networks, and against reference_forward for trained-like weights.
#include "carry/evaluate.hpp"

#include <gtest/gtest.h>

#include "carry/numpy_random.hpp"
#include "carry/reference.hpp"

namespace carry {
namespace {

// A network that echoes a: unit 0 = σ(L·a_t) and unit 1 = σ(-L·a_t) are (1, 0) when a_t = 1 and
// (0.5, 0.5) when a_t = 0; the output σ(L·(h0 - h1)) is then ~1 or exactly σ(0) = 0.5, which
// rounds to 0. So the prediction is a itself, and the accuracy follows from integers alone.
Parameters echo_first_operand() {
  Parameters p = Parameters::zeros(2);
  const double large = 40.0;
  p.w0[0] = large;   // a -> unit 0
  p.w0[1] = -large;  // a -> unit 1
  p.w1[0] = large;
  p.w1[1] = -large;
  return p;
}

TEST(Evaluate, EchoNetworkScoresAsCountedFromIntegers) {
  const int bits = 8;
  const Evaluation evaluation = evaluate(echo_first_operand(), bits);
  ASSERT_TRUE(evaluation.set.exhaustive);
  ASSERT_EQ(evaluation.set.size, 16384u);
  std::uint64_t exact = 0, bits_right = 0;
  std::vector<std::uint64_t> positions(bits, 0);
  for (std::uint64_t a = 0; a < 128; ++a) {
    for (std::uint64_t b = 0; b < 128; ++b) {
      exact += (a + b == a);
      for (int t = 0; t < bits; ++t) {
        const bool right = bit_at(a, t) == bit_at(a + b, t);
        positions[t] += right;
        bits_right += right;
      }
    }
  }
  EXPECT_EQ(exact, 128u);  // b = 0
  EXPECT_EQ(evaluation.exact_correct, exact);
  EXPECT_EQ(evaluation.bits_correct, bits_right);
  for (int t = 0; t < bits; ++t) EXPECT_EQ(evaluation.position_correct[t], positions[t]);
  EXPECT_DOUBLE_EQ(evaluation.exact_accuracy(), 128.0 / 16384.0);
}

TEST(Evaluate, ZeroNetworkPredictsZeroEverywhere) {
  // Every output is σ(0) = 0.5, which rounds to 0 as numpy does: only 0 + 0 is right.
  const Evaluation evaluation = evaluate(Parameters::zeros(3), 5);
  EXPECT_EQ(evaluation.set.size, 256u);
  EXPECT_EQ(evaluation.exact_correct, 1u);
  // The top bit of a 5-bit sum of 4-bit operands is set in 120 of the 256 pairs (a + b >= 16).
  EXPECT_EQ(evaluation.position_correct[4], 256u - 120u);
}

TEST(Evaluate, AgreesWithReferenceForwardOnRandomWeights) {
  const int bits = 7;
  const Parameters params = numpy_initial_parameters(5u, 16);
  const Evaluation evaluation = evaluate(params, bits);
  std::uint64_t exact = 0;
  SequenceTrace trace;
  for (std::uint64_t i = 0; i < evaluation.set.size; ++i) {
    const AdditionProblem p = evaluation.set.problem(i);
    reference_forward(params, p, bits, trace);
    exact += predicted_sum(trace) == p.sum();
  }
  EXPECT_EQ(evaluation.exact_correct, exact);
}

TEST(Evaluate, ThreadCountDoesNotChangeTheResult) {
  const Parameters params = numpy_initial_parameters(8u, 9);
  const Evaluation one = evaluate(params, 10, 1);
  const Evaluation three = evaluate(params, 10, 3);
  EXPECT_EQ(one.exact_correct, three.exact_correct);
  EXPECT_EQ(one.bits_correct, three.bits_correct);
  EXPECT_EQ(one.position_correct, three.position_correct);
}

TEST(EvaluationSet, ExhaustiveUpTo2To24PairsThenAFixedSample) {
  EXPECT_TRUE(evaluation_set(13).exhaustive);
  EXPECT_EQ(evaluation_set(13).size, std::uint64_t{1} << 24);
  EXPECT_FALSE(evaluation_set(14).exhaustive);
  EXPECT_EQ(evaluation_set(14).size, kSampledPairs);
  // Exhaustive order: a is the high half of the index, b the low half.
  const EvaluationSet set = evaluation_set(4);
  EXPECT_EQ(set.problem(0).a, 0u);
  EXPECT_EQ(set.problem(9).a, 1u);
  EXPECT_EQ(set.problem(9).b, 1u);
  EXPECT_EQ(set.problem(63).a, 7u);
  EXPECT_EQ(set.problem(63).b, 7u);
}

TEST(EvaluationSet, LongestProblemsStayInRangeWithoutOverflow) {
  const EvaluationSet set = evaluation_set(kMaxEvalBits);
  std::uint64_t largest_sum = 0;
  for (std::uint64_t i = 0; i < 100000; ++i) {
    const AdditionProblem p = set.problem(i);
    ASSERT_LT(p.a, std::uint64_t{1} << 61);
    ASSERT_LT(p.b, std::uint64_t{1} << 61);
    largest_sum = std::max(largest_sum, p.sum());
  }
  EXPECT_LT(largest_sum, std::uint64_t{1} << 62);
  EXPECT_GE(largest_sum, std::uint64_t{1} << 61);  // the top sum bit does occur
  // The sample is fixed: the same index gives the same pair every time.
  EXPECT_EQ(set.problem(12345).a, evaluation_set(kMaxEvalBits).problem(12345).a);
}

TEST(Evaluate, SampledLongProblemsRunTheEchoNetwork) {
  // 62 time steps over the 2^20 fixed sample: the echo network is right exactly when b = 0
  // (probability 2^-61, so never) and per bit when no carry changes bit t of a.
  const Evaluation evaluation = evaluate(echo_first_operand(), kMaxEvalBits);
  EXPECT_EQ(evaluation.exact_correct, 0u);
  std::uint64_t top_bit_right = 0;
  for (std::uint64_t i = 0; i < evaluation.set.size; ++i) {
    const AdditionProblem p = evaluation.set.problem(i);
    top_bit_right += bit_at(p.a, 61) == bit_at(p.sum(), 61);
  }
  EXPECT_EQ(evaluation.position_correct[61], top_bit_right);
}

}  // namespace
}  // namespace carry
