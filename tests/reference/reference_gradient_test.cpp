// reference_gradient_test.cpp: the reference BPTT against central finite differences in float64,
// and the batched step against the mean of single-sample updates.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "carry/reference.hpp"
#include "numpy_random.hpp"

namespace carry {
namespace {

double loss_of(const Parameters& params, const AdditionProblem& problem, int bits) {
  SequenceTrace trace;
  reference_forward(params, problem, bits, trace);
  return sequence_loss(trace, problem, bits);
}

// ||update - (-dL/dW)||_2 / ||dL/dW||_2 for one weight tensor, by central differences.
// Step 1e-5: truncation error ~ h^2 * L''' ~ 1e-10 and rounding ~ 1e-16 / h ~ 1e-11 relative to
// gradients of order 1e-2 .. 1, so the achievable relative error is ~1e-8, well under 1e-6.
double relative_error(Parameters params, std::vector<double> Parameters::*tensor,
                      const std::vector<double>& analytic_update, const AdditionProblem& problem,
                      int bits) {
  const double step = 1e-5;
  double difference_sq = 0.0;
  double norm_sq = 0.0;
  std::vector<double>& weights = params.*tensor;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double saved = weights[k];
    weights[k] = saved + step;
    const double loss_plus = loss_of(params, problem, bits);
    weights[k] = saved - step;
    const double loss_minus = loss_of(params, problem, bits);
    weights[k] = saved;
    const double gradient = (loss_plus - loss_minus) / (2 * step);
    difference_sq += std::pow(analytic_update[k] + gradient, 2);  // update = -gradient
    norm_sq += gradient * gradient;
  }
  return std::sqrt(difference_sq / norm_sq);
}

TEST(ReferenceGradient, MatchesCentralDifferences) {
  for (int hidden : {1, 4, 16}) {
    for (int bits : {2, 5, 8, 13}) {
      NumpyRandom rng(static_cast<std::uint32_t>(hidden * 100 + bits));
      const Parameters params = numpy_initial_parameters(rng, hidden);
      // Operands with set bits throughout, so every position carries a gradient.
      const AdditionProblem problem{operand_limit(bits) - 1 - (operand_limit(bits) / 3),
                                    operand_limit(bits) / 2 + 1};
      SequenceTrace trace;
      reference_forward(params, problem, bits, trace);
      Parameters update = Parameters::zeros(hidden);
      reference_backward(params, problem, bits, trace, update);
      const double error_w0 = relative_error(params, &Parameters::w0, update.w0, problem, bits);
      const double error_wh = relative_error(params, &Parameters::wh, update.wh, problem, bits);
      const double error_w1 = relative_error(params, &Parameters::w1, update.w1, problem, bits);
      EXPECT_LT(error_w0, 1e-6) << "W0, H " << hidden << ", T " << bits;
      EXPECT_LT(error_wh, 1e-6) << "Wh, H " << hidden << ", T " << bits;
      EXPECT_LT(error_w1, 1e-6) << "W1, H " << hidden << ", T " << bits;
    }
  }
}

TEST(ReferenceGradient, BackwardAccumulatesIntoTheUpdate) {
  // Running backward twice into one update gives twice the update.
  const Parameters params = numpy_initial_parameters(3u, 5);
  const AdditionProblem problem{37, 90};
  SequenceTrace trace;
  reference_forward(params, problem, 8, trace);
  Parameters once = Parameters::zeros(5);
  Parameters twice = Parameters::zeros(5);
  reference_backward(params, problem, 8, trace, once);
  reference_backward(params, problem, 8, trace, twice);
  reference_backward(params, problem, 8, trace, twice);
  // Equal up to rounding: the two passes interleave per time step.
  for (std::size_t k = 0; k < once.wh.size(); ++k) EXPECT_NEAR(twice.wh[k], 2 * once.wh[k], 1e-14);
}

TEST(ReferenceBatch, StepIsTheMeanOfSingleSampleUpdates) {
  const int hidden = 7;
  const int bits = 9;
  const Parameters params = numpy_initial_parameters(11u, hidden);
  std::vector<AdditionProblem> batch;
  for (std::uint64_t i = 0; i < 13; ++i) batch.push_back(counter_problem(5, 0, i, bits));

  Parameters sum = Parameters::zeros(hidden);
  double loss_sum = 0.0;
  for (const AdditionProblem& problem : batch) {
    const BatchUpdate single = reference_batch_update(params, {problem}, bits);
    add_scaled(sum, single.mean_update, 1.0);
    loss_sum += single.mean_loss;
  }
  const BatchUpdate batched = reference_batch_update(params, batch, bits);
  // Only the summation order differs: a few ulps of the largest term.
  auto expect_mean = [&](const std::vector<double>& mean, const std::vector<double>& total) {
    for (std::size_t k = 0; k < mean.size(); ++k) {
      EXPECT_NEAR(mean[k], total[k] / 13.0, 1e-14 + 1e-12 * std::fabs(total[k] / 13.0));
    }
  };
  expect_mean(batched.mean_update.w0, sum.w0);
  expect_mean(batched.mean_update.wh, sum.wh);
  expect_mean(batched.mean_update.w1, sum.w1);
  EXPECT_NEAR(batched.mean_loss, loss_sum / 13.0, 1e-13);

  SequenceTrace trace;
  reference_forward(params, batch[0], bits, trace);
  EXPECT_EQ(batched.first_prediction, predicted_sum(trace));
}

TEST(ReferenceForward, HiddenStartsAtZeroAndOutputsAreProbabilities) {
  const Parameters params = numpy_initial_parameters(0u, 16);
  SequenceTrace trace;
  reference_forward(params, AdditionProblem{9, 60}, 8, trace);
  ASSERT_EQ(trace.hidden_history.size(), 9u * 16u);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(trace.hidden_history[j], 0.0);
  for (double out : trace.outputs) {
    EXPECT_GT(out, 0.0);
    EXPECT_LT(out, 1.0);
  }
}

}  // namespace
}  // namespace carry
