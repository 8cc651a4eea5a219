// cpu_backend_test.cpp: the cpu backend against the float64 reference within the derived float32
// tolerances of verification.hpp (loss, every update tensor and the new weights of a step at odd
// sizes, and 200 steps in lockstep), determinism across runs, thread counts and instruction
// sets, and the fast exp/sigmoid error bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <random>

#include "carry/cpu_trainer.hpp"
#include "carry/float32_error.hpp"
#include "carry/parameters.hpp"
#include "carry/reference_trainer.hpp"
#include "carry/verification.hpp"
#include "vector_kernel.hpp"

namespace carry {
namespace {

bool have_cpu_backend() {
  return !cpu_backend_isa().empty();
}

#define REQUIRE_CPU_BACKEND() \
  if (!have_cpu_backend()) GTEST_SKIP() << "this processor lacks AVX2/FMA"

// Initial weights rounded to float32, so both backends start from identical values.
Parameters float32_initial(std::uint32_t seed, int hidden) {
  Parameters p = numpy_initial_parameters(seed, hidden);
  for (auto* tensor : {&p.w0, &p.wh, &p.w1}) {
    for (double& w : *tensor) w = static_cast<float>(w);
  }
  return p;
}

TrainConfig config_for(std::int64_t batch, int hidden, int bits, int threads = 0) {
  TrainConfig config;
  config.batch = batch;
  config.hidden = hidden;
  config.bits = bits;
  config.seed = 9;
  config.lr = 1.0;
  config.threads = threads;
  return config;
}

// The cpu backend's step `step` from `weights` (float32 values) against the reference's step and
// the float32 tolerance of every value of it (verification.hpp, the model `carry verify` holds the
// cuda backend to): the mean update element by element, the loss, the answer to the batch's first
// problem (it may differ only in bits whose output is within its tolerance of 0.5), and the
// weights after the SGD update. Keeps in `worst` each tensor's largest error as a fraction of
// its tolerance.
void expect_step_within_tolerance(const TrainConfig& config, const Parameters& weights,
                                  std::uint64_t step, const std::string& where,
                                  std::map<std::string, double>& worst) {
  const ReferenceStep exact =
      reference_step_with_tolerances(weights, make_batch(config, step), config.bits, config.lr);
  CpuTrainer cpu(config, weights);
  const CpuTrainer::StepUpdate fast = cpu.compute_update(step);
  cpu.train_step(step);
  const std::vector<TensorCheck> checks = {
      check_tensor("loss", {fast.mean_loss}, {exact.mean_loss}, {exact.loss_tolerance}),
      check_tensor("dW0", fast.mean_update.w0, exact.mean_update.w0, exact.update_tolerance.w0),
      check_tensor("dWh", fast.mean_update.wh, exact.mean_update.wh, exact.update_tolerance.wh),
      check_tensor("dW1", fast.mean_update.w1, exact.mean_update.w1, exact.update_tolerance.w1),
      check_tensor("W", flatten(cpu.parameters()), flatten(exact.weights_after),
                   flatten(exact.weights_tolerance))};
  for (const TensorCheck& check : checks) {
    EXPECT_TRUE(check.passed()) << where << " " << check.name << ": " << check.failures << " of "
                                << check.elements << " outside the tolerance, worst "
                                << check.worst_ratio << " of it";
    worst[check.name] = std::max(worst[check.name], check.worst_ratio);
  }
  const std::uint64_t differing = fast.first_prediction ^ exact.first_prediction;
  EXPECT_EQ(differing & ~exact.first_prediction_ambiguous_bits, 0u) << where;
}

void print_worst(const std::map<std::string, double>& worst) {
  std::cout << "largest error as a fraction of its tolerance:";
  for (const auto& [name, ratio] : worst) std::cout << " " << name << " " << ratio;
  std::cout << "\n";
}

TEST(CpuBackend, OneStepIsWithinTheFloat32ToleranceForOddSizes) {
  REQUIRE_CPU_BACKEND();
  std::map<std::string, double> worst;
  for (std::int64_t batch : {1, 3, 1000}) {
    for (int hidden : {1, 7, 16, 64}) {
      for (int bits : {2, 8, 16}) {
        const TrainConfig config = config_for(batch, hidden, bits);
        const Parameters initial =
            float32_initial(static_cast<std::uint32_t>(hidden + bits), hidden);
        const std::string where = "B " + std::to_string(batch) + " H " + std::to_string(hidden) +
                                  " T " + std::to_string(bits);
        expect_step_within_tolerance(config, initial, 5, where, worst);
      }
    }
  }
  print_worst(worst);
}

// 200 steps in lockstep: each from the cpu backend's own weights, so errors do not compound and
// the per-step tolerances apply. How far the whole trajectory drifts from the float64 one is
// printed, not judged: SGD amplifies rounding differences, and no float32 bound holds for it.
TEST(CpuBackend, TwoHundredStepsInLockstepAreWithinTheFloat32Tolerance) {
  REQUIRE_CPU_BACKEND();
  const TrainConfig config = config_for(256, 16, 8);
  const Parameters initial = float32_initial(3, 16);
  CpuTrainer cpu(config, initial);
  ReferenceTrainer reference(config, initial);
  std::map<std::string, double> worst;
  for (std::uint64_t step = 0; step < 200; ++step) {
    expect_step_within_tolerance(config, cpu.parameters(), step, "step " + std::to_string(step),
                                 worst);
    cpu.train_step(step);
    reference.train_step(step);
  }
  const std::vector<double> a = flatten(cpu.parameters());
  const std::vector<double> b = flatten(reference.parameters());
  double drift = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) drift = std::max(drift, std::fabs(a[k] - b[k]));
  print_worst(worst);
  std::cout << "drift from the float64 trajectory after 200 steps: " << drift << "\n";
}

std::vector<double> trained_weights(int threads, std::int64_t batch) {
  CpuTrainer cpu(config_for(batch, 16, 8, threads), float32_initial(1, 16));
  for (std::uint64_t step = 0; step < 20; ++step) cpu.train_step(step);
  const Parameters p = cpu.parameters();
  std::vector<double> all = p.w0;
  all.insert(all.end(), p.wh.begin(), p.wh.end());
  all.insert(all.end(), p.w1.begin(), p.w1.end());
  return all;
}

TEST(CpuBackend, RepeatRunsAndThreadCountsAreBitIdentical) {
  REQUIRE_CPU_BACKEND();
  const std::vector<double> first = trained_weights(1, 1000);
  EXPECT_EQ(trained_weights(1, 1000), first);  // run to run
  EXPECT_EQ(trained_weights(2, 1000), first);  // 1 vs 2 threads
  EXPECT_EQ(trained_weights(3, 1000), first);  // uneven split of 8 chunks
}

TEST(CpuBackend, ThreadCountsAgreeWhenTheLastChunkIsAShortTail) {
  REQUIRE_CPU_BACKEND();
  // 128 + 128 + 2: the last chunk's two samples take the sample path.
  const std::vector<double> first = trained_weights(1, 258);
  EXPECT_EQ(trained_weights(2, 258), first);
  EXPECT_EQ(trained_weights(3, 258), first);
}

TEST(CpuBackend, TrainStepAppliesTheUpdateComputeUpdateReturns) {
  REQUIRE_CPU_BACKEND();
  for (std::int64_t batch : {1, 3, 130}) {
    const TrainConfig config = config_for(batch, 7, 8);
    CpuTrainer stepped(config, float32_initial(6, 7));
    for (std::uint64_t step = 0; step < 5; ++step) {
      const Parameters before = stepped.parameters();
      const CpuTrainer::StepUpdate update = CpuTrainer(config, before).compute_update(step);
      const StepResult result = stepped.train_step(step);
      EXPECT_EQ(result.mean_loss, update.mean_loss) << "B " << batch;
      EXPECT_EQ(result.example_prediction, update.first_prediction) << "B " << batch;
      // W += lr · mean, rounded once to float32.
      Parameters expected = before;
      auto apply = [&](std::vector<double>& w, const std::vector<double>& mean) {
        for (std::size_t k = 0; k < w.size(); ++k) {
          w[k] = static_cast<float>(w[k] + config.lr * mean[k]);
        }
      };
      apply(expected.w0, update.mean_update.w0);
      apply(expected.wh, update.mean_update.wh);
      apply(expected.w1, update.mean_update.w1);
      const Parameters after = stepped.parameters();
      EXPECT_EQ(after.w0, expected.w0) << "B " << batch << " step " << step;
      EXPECT_EQ(after.wh, expected.wh) << "B " << batch << " step " << step;
      EXPECT_EQ(after.w1, expected.w1) << "B " << batch << " step " << step;
    }
  }
}

TEST(CpuBackend, InstructionSetsAgreeBitForBit) {
  REQUIRE_CPU_BACKEND();
  if (std::string(cpu::best_kernel()->isa) != "avx512") {
    GTEST_SKIP() << "only one instruction set on this processor";
  }
  const int H = 16, T = 8;
  const Parameters p = float32_initial(4, H);
  std::vector<float> w_stack, w1(p.w1.begin(), p.w1.end());
  w_stack.insert(w_stack.end(), p.wh.begin(), p.wh.end());
  w_stack.insert(w_stack.end(), p.w0.begin(), p.w0.end());
  std::vector<std::uint32_t> a(100), b(100);
  for (int k = 0; k < 100; ++k) {
    a[k] = static_cast<std::uint32_t>(counter_problem(1, 0, k, T).a);
    b[k] = static_cast<std::uint32_t>(counter_problem(1, 0, k, T).b);
  }
  auto run = [&](const cpu::KernelTable& kernel, std::vector<double>& stack, double& loss) {
    std::vector<double> update_w1(H);
    std::vector<float> scratch(cpu::workspace_floats(H, T) + 16);
    cpu::ChunkTask task;
    task.hidden = H;
    task.bits = T;
    task.w_stack = w_stack.data();
    task.w1 = w1.data();
    task.a = a.data();
    task.b = b.data();
    task.count = 100;
    stack.assign((H + 2) * H, 0.0);
    task.update_stack = stack.data();
    task.update_w1 = update_w1.data();
    task.loss = &loss;
    // 64-byte alignment for the vectors.
    auto address = reinterpret_cast<std::uintptr_t>(scratch.data());
    task.scratch = reinterpret_cast<float*>((address + 63) / 64 * 64);
    kernel.train_chunk(task);
  };
  std::vector<double> stack2, stack512;
  double loss2 = 0, loss512 = 0;
  run(cpu::avx2_kernel(), stack2, loss2);
  run(cpu::avx512_kernel(), stack512, loss512);
  EXPECT_EQ(stack2, stack512);
  EXPECT_EQ(loss2, loss512);
}

TEST(FastMath, ExpRelativeErrorIsBelowTwoToTheMinus22) {
  REQUIRE_CPU_BACKEND();
  // 2,000,003 evenly spaced points over [-87, 88], the range the sigmoid feeds it (it clamps
  // outside); the odd count lands on all kinds of mantissas.
  const int points = 2000003;
  std::vector<float> x(points);
  for (int k = 0; k < points; ++k) x[k] = static_cast<float>(-87.0 + 175.0 * k / (points - 1));
  std::vector<float> y(x.size());
  for (const cpu::KernelTable* kernel : {&cpu::avx2_kernel(), cpu::best_kernel()}) {
    kernel->exp(x.data(), y.data(), static_cast<std::int64_t>(x.size()));
    double worst = 0.0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double exact = std::exp(static_cast<double>(x[k]));
      worst = std::max(worst, std::fabs(y[k] - exact) / exact);
    }
    EXPECT_LT(worst, std::ldexp(1.0, -22)) << kernel->isa;
    std::cout << kernel->isa << " exp: max relative error " << worst << " over " << x.size()
              << " points\n";
  }
}

// The float32 error model (float32_error.hpp) takes σ to be within 4u relative; so must the
// kernel's.
TEST(FastMath, SigmoidRelativeErrorIsWithinTheErrorModel) {
  REQUIRE_CPU_BACKEND();
  std::vector<float> x;
  for (float v = -80.0f; v <= 80.0f; v += 0.0003f) x.push_back(v);
  std::vector<float> y(x.size());
  cpu::best_kernel()->sigmoid(x.data(), y.data(), static_cast<std::int64_t>(x.size()));
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(x[k])));
    worst = std::max(worst, std::fabs(y[k] - exact) / exact);
  }
  EXPECT_LE(worst, kSigmoidRelativeError);
  std::cout << "sigmoid: max relative error " << worst << " (the model allows "
            << kSigmoidRelativeError << ")\n";
}

}  // namespace
}  // namespace carry
