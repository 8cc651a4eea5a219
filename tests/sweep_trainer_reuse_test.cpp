// sweep_trainer_reuse_test.cpp: what a sweep's worker does with its cpu trainer. Restarted for
// another run (CpuTrainer::restart, any hidden size, batch or length, larger or smaller), it
// trains exactly as a trainer constructed for that run; and the divergence guard's
// largest_weight_magnitude, which runs after every step, sees every weight, infinity and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "carry/cpu_trainer.hpp"

namespace carry {
namespace {

TrainConfig run(int hidden, std::int64_t batch, int bits, std::int64_t seed) {
  TrainConfig config;
  config.backend = "cpu";
  config.hidden = hidden;
  config.batch = batch;
  config.bits = bits;
  config.seed = seed;
  config.lr = 2.0;
  config.threads = 1;
  return config;
}

void expect_same_weights(const Parameters& a, const Parameters& b, const std::string& what) {
  EXPECT_EQ(a.w0, b.w0) << what;
  EXPECT_EQ(a.wh, b.wh) << what;
  EXPECT_EQ(a.w1, b.w1) << what;
}

TEST(CpuTrainerRestart, TrainsAsATrainerMadeForTheRun) {
  if (cpu_backend_isa().empty()) GTEST_SKIP() << "no AVX2+FMA";
  const TrainConfig runs[] = {run(8, 16, 8, 0),  run(16, 300, 8, 1), run(3, 1, 5, 2),
                              run(33, 5, 10, 3), run(8, 16, 8, 0),   run(1, 129, 2, 4)};
  CpuTrainer reused(runs[0], numpy_initial_parameters(0u, runs[0].hidden));
  for (const TrainConfig& config : runs) {
    const Parameters initial =
        numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
    reused.restart(config, initial);
    CpuTrainer fresh(config, initial);
    for (std::uint64_t step = 0; step < 25; ++step) {
      const StepResult a = reused.train_step(step);
      const StepResult b = fresh.train_step(step);
      EXPECT_EQ(a.mean_loss, b.mean_loss);
      EXPECT_EQ(a.example_prediction, b.example_prediction);
    }
    expect_same_weights(
        reused.parameters(), fresh.parameters(),
        "H " + std::to_string(config.hidden) + ", B " + std::to_string(config.batch));
  }
}

TEST(CpuTrainerGuard, LargestWeightMagnitudeSeesEveryWeightInfinityAndNaN) {
  if (cpu_backend_isa().empty()) GTEST_SKIP() << "no AVX2+FMA";
  const int H = 5;
  const TrainConfig config = run(H, 4, 8, 0);
  const Parameters base = numpy_initial_parameters(0u, H);
  double largest = 0.0;
  for (double w : base.w0)
    largest = std::max(largest, std::fabs(static_cast<double>(static_cast<float>(w))));
  for (double w : base.wh)
    largest = std::max(largest, std::fabs(static_cast<double>(static_cast<float>(w))));
  for (double w : base.w1)
    largest = std::max(largest, std::fabs(static_cast<double>(static_cast<float>(w))));
  EXPECT_EQ(CpuTrainer(config, base).largest_weight_magnitude(), largest);
  // Each weight in turn: a large negative value, infinity, NaN.
  for (int which = 0; which < 2 * H + H * H + H; ++which) {
    for (double value :
         {-1000.5, std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
      Parameters p = base;
      double& w = which < 2 * H           ? p.w0[which]
                  : which < 2 * H + H * H ? p.wh[which - 2 * H]
                                          : p.w1[which - 2 * H - H * H];
      w = value;
      const double seen = CpuTrainer(config, p).largest_weight_magnitude();
      if (std::isnan(value)) {
        EXPECT_TRUE(std::isnan(seen)) << which;
      } else {
        EXPECT_EQ(seen, std::fabs(value)) << which;
      }
    }
  }
}

}  // namespace
}  // namespace carry
