// layout_gold_test.cpp: label `cpu`. Ties the GPU tests' yardsticks to the float64 reference:
// the per-kernel gold functions (layout_gold.hpp), chained over a whole step in float64, are the
// reference step; the reference-with-tolerances of `carry verify` computes the reference's
// values; and a float32 implementation of the step (the CPU model) stays within those derived
// tolerances at the GPU tests' sizes, while a 1% mistake does not.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "carry/parameters.hpp"
#include "carry/reference.hpp"
#include "carry/trainer.hpp"
#include "carry/verification.hpp"
#include "float32_stepper.hpp"
#include "layout_gold.hpp"

namespace carry {
namespace {

TrainConfig config_of(int bits, int hidden, std::int64_t batch, double lr = 4.0) {
  TrainConfig config;
  config.bits = bits;
  config.hidden = hidden;
  config.batch = batch;
  config.lr = lr;
  config.seed = static_cast<std::int64_t>(bits * 1000 + hidden * 10 + batch);
  return config;
}

void expect_close(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_LE(std::fabs(actual - expected), tolerance * (1.0 + std::fabs(expected))) << what;
}

TEST(LayoutGold, ChainedInFloat64ItIsTheReferenceStep) {
  for (const TrainConfig& config :
       {config_of(2, 1, 1), config_of(8, 16, 13), config_of(5, 7, 40), config_of(13, 4, 9)}) {
    SCOPED_TRACE("T " + std::to_string(config.bits) + " H " + std::to_string(config.hidden) +
                 " B " + std::to_string(config.batch));
    const Parameters params = numpy_initial_parameters(3u, config.hidden);
    const std::vector<AdditionProblem> batch = make_batch(config, 4);
    const BatchUpdate expected = reference_batch_update(params, batch, config.bits);

    const BatchLayout L{config.bits, config.hidden, config.batch};
    std::vector<std::uint32_t> operands(L.operands_size());
    encode_batch(static_cast<std::uint64_t>(config.seed), 4, L.bits, L.batch, operands.data());
    std::vector<double> weights = flatten(params);
    std::vector<double> hidden(L.hidden_size(), 0.0), inputs(L.inputs_size()),
        outputs(L.positions()), output_deltas(L.positions()), deltas(L.deltas_size()),
        updates(L.weight_count());
    for (int t = 0; t < L.bits; ++t) {
      gold::forward_step(L, t, operands.data(), weights.data(), hidden.data(), inputs.data(),
                         outputs.data());
    }
    const gold::SampleMetrics metrics = gold::sample_metrics(L, operands.data(), outputs.data());
    for (int t = L.bits - 1; t >= 0; --t) {
      gold::backward_step(L, t, operands.data(), weights.data(), hidden.data(), outputs.data(),
                          output_deltas.data(), deltas.data());
    }
    gold::weight_updates(L, hidden.data(), inputs.data(), output_deltas.data(), deltas.data(),
                         updates.data());

    for (std::int64_t s = 0; s < L.batch; ++s) {
      SequenceTrace trace;
      reference_forward(params, batch[s], L.bits, trace);
      for (int t = 0; t < L.bits; ++t) {
        expect_close(outputs[L.position(t, s)], trace.outputs[t], 1e-14, "out");
        for (int j = 0; j < L.hidden; ++j) {
          expect_close(hidden[L.hidden_index(t, s, j)],
                       trace.hidden_history[(t + 1) * L.hidden + j], 1e-14, "h");
        }
      }
    }
    expect_close(metrics.loss_sum / double(L.batch), expected.mean_loss, 1e-13, "loss");
    EXPECT_EQ(metrics.first_prediction, expected.first_prediction);
    const std::vector<double> expected_update = flatten(expected.mean_update);
    for (int k = 0; k < L.weight_count(); ++k) {
      expect_close(updates[k], expected_update[k], 1e-12, "update " + std::to_string(k));
    }
  }
}

TEST(ReferenceWithTolerances, ComputesTheReferenceValues) {
  const TrainConfig config = config_of(9, 6, 21, 0.7);
  const Parameters params = numpy_initial_parameters(8u, config.hidden);
  const std::vector<AdditionProblem> batch = make_batch(config, 2);
  const BatchUpdate expected = reference_batch_update(params, batch, config.bits);
  const ReferenceStep step = reference_step_with_tolerances(params, batch, config.bits, config.lr);
  expect_close(step.mean_loss, expected.mean_loss, 1e-14, "loss");
  EXPECT_EQ(step.first_prediction, expected.first_prediction);
  const std::vector<double> update = flatten(step.mean_update);
  const std::vector<double> wanted = flatten(expected.mean_update);
  for (std::size_t k = 0; k < update.size(); ++k)
    expect_close(update[k], wanted[k], 1e-13, "update");
  Parameters after = params;
  add_scaled(after, expected.mean_update, config.lr);
  const std::vector<double> weights = flatten(step.weights_after);
  const std::vector<double> wanted_weights = flatten(after);
  for (std::size_t k = 0; k < weights.size(); ++k) {
    expect_close(weights[k], wanted_weights[k], 1e-13, "weights");
  }
  for (std::size_t s = 0; s < batch.size(); ++s) {
    SequenceTrace trace;
    reference_forward(params, batch[s], config.bits, trace);
    for (int t = 0; t < config.bits; ++t) {
      EXPECT_EQ(step.outputs[t * batch.size() + s], trace.outputs[t]);
      EXPECT_GT(step.output_tolerance[t * batch.size() + s], 0.0);
    }
  }
}

// Weights scaled up, as training makes them, so the bounds are exercised beyond |w| <= 1.
Parameters scaled(Parameters params, double factor) {
  for (double& w : params.w0) w *= factor;
  for (double& w : params.wh) w *= factor;
  for (double& w : params.w1) w *= factor;
  return params;
}

TEST(Float32Tolerances, HoldForAFloat32ImplementationAtTheGpuTestSizes) {
  double worst = 0.0;
  for (std::int64_t batch : {1, 3, 1000}) {
    for (int hidden : {1, 7, 16, 64}) {
      for (int bits : {2, 8, 16}) {
        if (batch * bits * hidden * hidden > (std::int64_t{1} << 24)) continue;  // CPU time
        for (double factor : {1.0, 3.0}) {
          const TrainConfig config = config_of(bits, hidden, batch);
          SCOPED_TRACE("T " + std::to_string(bits) + " H " + std::to_string(hidden) + " B " +
                       std::to_string(batch) + " weights x" + std::to_string(factor));
          const Parameters initial = scaled(numpy_initial_parameters(1u, hidden), factor);
          testing::Float32CpuStepper model(config, initial);
          const Parameters start = model.parameters();
          const ReferenceStep expected =
              reference_step_with_tolerances(start, make_batch(config, 0), bits, config.lr);
          const StepCheck check = check_step(0, model.run_step(0, true), expected);
          for (const TensorCheck& tensor : check.tensors) {
            EXPECT_TRUE(tensor.passed()) << tensor.name << ": worst error/tolerance "
                                         << tensor.worst_ratio << " at " << tensor.worst_index;
          }
          EXPECT_TRUE(check.exact_ok);
          EXPECT_TRUE(check.prediction_ok);
          worst = std::max(worst, check.worst_ratio());
        }
      }
    }
  }
  std::printf("largest float32 error, as a fraction of its tolerance: %.3g\n", worst);
}

TEST(Float32Tolerances, CatchAOnePercentMistake) {
  const TrainConfig config = config_of(8, 16, 256);
  testing::Float32CpuStepper model(config, numpy_initial_parameters(0u, 16));
  const Parameters start = model.parameters();
  const ReferenceStep expected =
      reference_step_with_tolerances(start, make_batch(config, 0), 8, config.lr);
  const StepDetail good = model.run_step(0, false);
  ASSERT_TRUE(check_step(0, good, expected).tensors[2].passed());

  // The largest element of each update tensor, 1% off.
  auto largest = [](std::vector<double>& values) -> double& {
    std::size_t at = 0;
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (std::fabs(values[k]) > std::fabs(values[at])) at = k;
    }
    return values[at];
  };
  for (int tensor = 0; tensor < 3; ++tensor) {
    StepDetail bad = good;
    std::vector<double>& values = tensor == 0   ? bad.mean_update.w0
                                  : tensor == 1 ? bad.mean_update.wh
                                                : bad.mean_update.w1;
    largest(values) *= 1.01;
    EXPECT_FALSE(check_step(0, bad, expected).tensors[2 + tensor].passed()) << "tensor " << tensor;
  }
  StepDetail bad_output = good;
  bad_output.outputs[17] += 0.01 * bad_output.outputs[17];
  EXPECT_FALSE(check_step(0, bad_output, expected).tensors[0].passed());
  // The derived bounds are far below the errors of a wrong formula.
  double largest_output_tolerance = 0.0;
  for (double t : expected.output_tolerance)
    largest_output_tolerance = std::max(largest_output_tolerance, t);
  EXPECT_LT(largest_output_tolerance, 1e-4);
}

}  // namespace
}  // namespace carry
