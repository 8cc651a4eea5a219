// evaluate_test.cpp: exhaustive and sampled evaluation, checked against counts made directly
// from integers for hand-built networks, and count for count against a plain loop of
// reference_forward over every pair for random, trained and near-0.5 weights (evaluate() shares
// the forward pass between pairs with the same low bits and must change no count).
#include "carry/evaluate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "carry/parameters.hpp"
#include "carry/reference.hpp"
#include "carry/reference_trainer.hpp"
#include "pairs_by_low_bits.hpp"

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

// What evaluate() must return: reference_forward on each pair of the set in turn. Also counts the
// outputs that are exactly 0.5 and those within 2^-50 of it, to show a test reaches them.
struct PlainLoop {
  Evaluation evaluation;
  std::uint64_t exactly_half = 0;
  std::uint64_t near_half = 0;
};

PlainLoop plain_loop(const Parameters& params, int bits) {
  PlainLoop plain;
  Evaluation& e = plain.evaluation;
  e.set = evaluation_set(bits);
  e.position_correct.assign(bits, 0);
  SequenceTrace trace;
  for (std::uint64_t i = 0; i < e.set.size; ++i) {
    const AdditionProblem p = e.set.problem(i);
    reference_forward(params, p, bits, trace);
    const std::uint64_t predicted = predicted_sum(trace);
    e.exact_correct += predicted == p.sum() ? 1 : 0;
    for (int t = 0; t < bits; ++t) {
      const bool right = bit_at(predicted, t) == bit_at(p.sum(), t);
      e.position_correct[t] += right ? 1 : 0;
      e.bits_correct += right ? 1 : 0;
      plain.exactly_half += trace.outputs[t] == 0.5 ? 1 : 0;
      plain.near_half += std::fabs(trace.outputs[t] - 0.5) <= std::ldexp(1.0, -50) ? 1 : 0;
    }
  }
  return plain;
}

// Every count, and the exact matches again when they are all that is counted.
void expect_same_counts(const Parameters& params, int bits, const Evaluation& plain,
                        const std::string& what) {
  const Evaluation fast = evaluate(params, bits);
  EXPECT_EQ(fast.set.size, plain.set.size) << what;
  EXPECT_EQ(fast.exact_correct, plain.exact_correct) << what;
  EXPECT_EQ(fast.bits_correct, plain.bits_correct) << what;
  EXPECT_EQ(fast.position_correct, plain.position_correct) << what;
  const Evaluation exact_only = evaluate(params, bits, 0, Counting::exact_only);
  EXPECT_EQ(exact_only.exact_correct, plain.exact_correct) << what << ", exact matches only";
  EXPECT_EQ(exact_only.bits_correct, 0u) << what;
}

// The seed's initial weights with Wh and W0 times `hidden_scale` and W1 times `output_scale`.
Parameters scaled_weights(std::uint32_t seed, int hidden, double hidden_scale,
                          double output_scale) {
  Parameters p = numpy_initial_parameters(seed, hidden);
  for (double& w : p.w0) w *= hidden_scale;
  for (double& w : p.wh) w *= hidden_scale;
  for (double& w : p.w1) w *= output_scale;
  return p;
}

TEST(Evaluate, RandomWeightsCountAsThePlainLoop) {
  std::uint32_t seed = 100;
  for (int bits : {2, 3, 5, 8}) {
    for (int hidden : {1, 2, 7, 16}) {
      // Small weights keep outputs near 0.5; large ones saturate the sigmoids.
      for (double scale : {0.01, 1.0, 4.0, 30.0}) {
        const Parameters params = scaled_weights(++seed, hidden, scale, scale);
        const std::string what = "bits " + std::to_string(bits) + ", hidden " +
                                 std::to_string(hidden) + ", scale " + std::to_string(scale);
        expect_same_counts(params, bits, plain_loop(params, bits).evaluation, what);
      }
    }
  }
}

TEST(Evaluate, OutputsAtAndNearOneHalfCountAsThePlainLoop) {
  // W1 so small that σ(h·W1) is 0.5 or within a few ulp of it: a prediction here turns on the
  // last bit of the logit, so any change in the order of the sums would show.
  bool reached_exactly_half = false;
  bool reached_above_half = false;
  for (double output_scale : {1e-13, 1e-15, 3e-16, 1e-16, 1e-17, 1e-300}) {
    const int bits = 7;
    const Parameters params = scaled_weights(7u, 16, 1.0, output_scale);
    const PlainLoop plain = plain_loop(params, bits);
    expect_same_counts(params, bits, plain.evaluation, "W1 scale " + std::to_string(output_scale));
    reached_exactly_half = reached_exactly_half || plain.exactly_half > 0;
    reached_above_half = reached_above_half || plain.near_half > plain.exactly_half;
  }
  EXPECT_TRUE(reached_exactly_half);
  EXPECT_TRUE(reached_above_half);
}

TEST(Evaluate, TrainedWeightsCountAsThePlainLoop) {
  // The defaults' run on the reference backend at each report of its 350 steps, and at the end
  // on problems longer than it was trained on.
  TrainConfig config;
  config.backend = "reference";
  ReferenceTrainer trainer(config, numpy_initial_parameters(0u, config.hidden));
  for (std::uint64_t step = 0; step < 350; ++step) {
    trainer.train_step(step);
    if ((step + 1) % 50 != 0) continue;
    expect_same_counts(trainer.parameters(), 8, plain_loop(trainer.parameters(), 8).evaluation,
                       "step " + std::to_string(step + 1));
  }
  const Parameters trained = trainer.parameters();
  EXPECT_EQ(evaluate(trained, 8).exact_correct, 16384u);  // every pair of the tree right
  expect_same_counts(trained, 10, plain_loop(trained, 10).evaluation, "10 bits");
}

TEST(Evaluate, SampledSetCountsAsThePlainLoop) {
  // 2^20 sampled pairs: grouped by their 10 low digits, the rest pair by pair.
  for (int bits : {14, 17}) {
    const Parameters params = scaled_weights(static_cast<std::uint32_t>(bits), 3, 3.0, 3.0);
    expect_same_counts(params, bits, plain_loop(params, bits).evaluation,
                       "bits " + std::to_string(bits));
  }
}

TEST(PairsByLowBits, EveryPairOnceInKeyOrder) {
  for (int bits : {5, 16}) {
    const EvaluationSet set = evaluation_set(bits);
    const PairsByLowBits pairs(set);
    ASSERT_EQ(pairs.first(pairs.keys()), set.size);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> seen, expected;
    for (std::uint64_t key = 0; key < pairs.keys(); ++key) {
      ASSERT_LE(pairs.first(key), pairs.first(key + 1));
      for (std::uint64_t i = pairs.first(key); i < pairs.first(key + 1); ++i) {
        const AdditionProblem p = pairs.pair(i);
        std::uint64_t key_of_pair = 0;
        for (int t = 0; t < pairs.digits(); ++t) key_of_pair = key_of_pair * 4 + pair_digit(p, t);
        ASSERT_EQ(key_of_pair, key) << "bits " << bits << ", index " << i;
        seen.emplace_back(p.a, p.b);
      }
    }
    for (std::uint64_t i = 0; i < set.size; ++i) {
      expected.emplace_back(set.problem(i).a, set.problem(i).b);
    }
    std::sort(seen.begin(), seen.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(seen, expected) << "bits " << bits;
  }
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
