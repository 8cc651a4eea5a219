// cuda_multi_run_test.cpp: label `gpu`. The multi-run kernel (kernels/multi_run_v1.cu) on a GPU:
// one step against the float64 reference at every compiled H, 100 steps in lockstep plus the
// bit-identical replay, the device-drawn batch against the host's, whole runs through the engine
// (train_runs_on_gpu): decisions never contradicted by the host at every check, bit-identical
// reruns, a run unchanged by the other runs of its launch, and success rates within the
// confidence interval of the cpu backend's run by run_training. Skips without a GPU (fails with
// CARRY_REQUIRE_GPU=1). Unverified until run on one.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "carry/backends.hpp"
#include "carry/multi_run_engine.hpp"
#include "carry/verification.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "gpu_test_support.hpp"
#include "multi_run_kernels.hpp"
#include "multi_run_stepper.hpp"
#include "step_expectations.hpp"

namespace carry {
namespace {

using cuda::DeviceArray;
using namespace multi_run;  // NOLINT: the engine under test

template <typename T>
void to_device(const DeviceArray<T>& device, const std::vector<T>& host) {
  CUDA_CHECK(
      cudaMemcpy(device.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
}
template <typename T>
void to_host(std::vector<T>& host, const DeviceArray<T>& device) {
  CUDA_CHECK(
      cudaMemcpy(host.data(), device.get(), host.size() * sizeof(T), cudaMemcpyDeviceToHost));
}

// One run, one step per launch, on the GPU.
class GpuStepper final : public testing::MultiRunStepper {
 public:
  GpuStepper(const TrainConfig& config, const Parameters& initial)
      : MultiRunStepper(config, initial) {
    cuda::prepare_multi_run(config.hidden);
  }
  std::string backend_name() const override { return "multi-run-gpu"; }

 protected:
  void launch_one_step(testing::OneStepRecords& records) override {
    DeviceArray<multi_run::RunDescriptor> run(1);
    DeviceArray<multi_run::RunState> state(1);
    DeviceArray<float> weights(records.weights.size());
    DeviceArray<std::int32_t> active(1);
    DeviceArray<float> outputs(records.outputs.size());
    DeviceArray<std::uint32_t> operands(records.operands.size());
    DeviceArray<float> mean_update(records.mean_update.size());
    DeviceArray<double> loss(1);
    DeviceArray<unsigned long long> exact(1);
    std::vector<multi_run::RunDescriptor> runs{records.run};
    std::vector<multi_run::RunState> states{records.state};
    to_device(run, runs);
    to_device(state, states);
    to_device(weights, records.weights);
    to_device(active, std::vector<std::int32_t>{0});
    to_device(outputs, records.outputs);
    to_device(operands, records.operands);
    to_device(mean_update, records.mean_update);
    cuda::launch_multi_run(
        config().hidden, 1,
        launch_over(
            run.get(), state.get(), weights.get(), active.get(), 1, records.bits, records.threads,
            StepTrace{outputs.get(), operands.get(), mean_update.get(), loss.get(), exact.get()}),
        nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    to_host(states, state);
    records.state = states[0];
    to_host(records.weights, weights);
    to_host(records.outputs, outputs);
    to_host(records.operands, operands);
    to_host(records.mean_update, mean_update);
    std::vector<double> loss_host(1);
    std::vector<unsigned long long> exact_host(1);
    to_host(loss_host, loss);
    to_host(exact_host, exact);
    records.loss = loss_host[0];
    records.exact = exact_host[0];
  }
};

TrainConfig gpu_config(int bits, int hidden, std::int64_t batch, std::int64_t seed) {
  return testing::cuda_test_config("chain", bits, hidden, batch, seed);
}

TEST(CudaMultiRun, OneStepMatchesTheReferenceAtEveryHidden) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  double worst = 0.0;
  for (int hidden : multi_run::kHidden) {
    for (int bits : {2, 8, 13}) {
      for (std::int64_t batch : {1, 32, 33, 1000}) {
        const std::string what = "H " + std::to_string(hidden) + " T " + std::to_string(bits) +
                                 " B " + std::to_string(batch);
        const TrainConfig config = gpu_config(bits, hidden, batch, bits + hidden);
        GpuStepper stepper(
            config, numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), hidden));
        worst = std::max(worst, testing::expect_slot_steps_match(stepper, config, what));
      }
    }
  }
  std::printf("largest error, as a fraction of its tolerance: %.3g\n", worst);
}

TEST(CudaMultiRun, HundredStepsInLockstepAndReplayed) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (TrainConfig config : {gpu_config(8, 16, 32, 0), gpu_config(10, 5, 300, 3)}) {
    config.steps = 100;
    const VerifyOutcome outcome = verify_backend(
        [&](const Parameters& initial) { return std::make_unique<GpuStepper>(config, initial); },
        config);
    testing::expect_verify_passes(outcome, 100, "H " + std::to_string(config.hidden));
  }
}

TEST(CudaMultiRun, DrawsTheHostsBatch) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (int bits : {2, 8, 13}) {
    const TrainConfig config = gpu_config(bits, 8, 1000, 9);
    GpuStepper stepper(config, numpy_initial_parameters(9, 8));
    stepper.run_step(11, true);
    std::vector<std::uint32_t> expected(2000);
    encode_batch(9, 11, bits, 1000, expected.data());
    EXPECT_EQ(stepper.operands(), expected) << "T " << bits;
  }
}

// A run of the target sweep's kind: 8 bits, lr 4, a check every 10 steps.
TrainConfig sweep_run(int hidden, std::int64_t batch, std::int64_t seed,
                      std::int64_t steps = 3000) {
  TrainConfig config = gpu_config(8, hidden, batch, seed);
  config.steps = steps;
  config.report_every = 10;
  return config;
}

std::map<std::size_t, RunOutcome> run_on_gpu(const std::vector<TrainConfig>& specs,
                                             const Options& options, Totals* totals = nullptr) {
  std::map<std::size_t, RunOutcome> outcomes;
  const Totals result =
      train_runs_on_gpu(specs, options, [&](std::size_t index, const RunOutcome& outcome) {
        EXPECT_EQ(outcomes.count(index), 0u) << "run " << index << " reported twice";
        outcomes[index] = outcome;
      });
  EXPECT_EQ(outcomes.size(), specs.size());
  if (totals != nullptr) *totals = result;
  return outcomes;
}

TEST(CudaMultiRun, DecisionsAgreeWithTheHostAndRerunsAreBitIdentical) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  std::vector<TrainConfig> specs;
  for (std::int64_t seed = 0; seed < 40; ++seed)
    specs.push_back(sweep_run(seed % 2 ? 16 : 6, 32, seed));
  Options audit;
  audit.confirm = HostConfirmation::every_check;
  Totals audited_totals;
  const auto audited = run_on_gpu(specs, audit, &audited_totals);
  EXPECT_EQ(audited_totals.disagreements, 0);
  Totals first_totals;
  const auto first = run_on_gpu(specs, Options{}, &first_totals);
  const auto second = run_on_gpu(specs, Options{});
  EXPECT_EQ(first_totals.disagreements, 0);
  std::printf("%lld confirmations by the host in the audit, %lld without it, %lld launches\n",
              static_cast<long long>(audited_totals.confirmations),
              static_cast<long long>(first_totals.confirmations),
              static_cast<long long>(first_totals.launches));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (const auto* other : {&audited, &second}) {
      EXPECT_EQ(first.at(i).steps_done, other->at(i).steps_done) << "run " << i;
      EXPECT_EQ(first.at(i).reached, other->at(i).reached) << "run " << i;
      EXPECT_EQ(flatten(first.at(i).weights), flatten(other->at(i).weights)) << "run " << i;
    }
    EXPECT_EQ(first.at(i).engine, "cuda-multi-run");
  }
  // Run 3 alone ends exactly as among the others.
  const auto alone = run_on_gpu({specs[3]}, Options{});
  EXPECT_EQ(alone.at(0).steps_done, first.at(3).steps_done);
  EXPECT_EQ(flatten(alone.at(0).weights), flatten(first.at(3).weights));
}

// Success rates at a size where some seeds fail (H 6, 8 bits, B 16, lr 4, 10,000 steps: 3 of 5
// seeds reached 100% with carry train): the multi-run kernel's against the cpu backend's
// (run_training, the same checks), 64 seeds each; the rates must not differ by more than 3.3
// standard errors of their difference (a two-sided 0.1% test: the two are different float32
// computations of the same runs, not bit-identical).
TEST(CudaMultiRun, SuccessRatesMatchTheCpuBackends) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  std::vector<TrainConfig> specs;
  for (std::int64_t seed = 0; seed < 64; ++seed) specs.push_back(sweep_run(6, 16, seed, 10000));
  const auto gpu = run_on_gpu(specs, Options{});
  int gpu_successes = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) gpu_successes += gpu.at(i).reached ? 1 : 0;
  std::atomic<int> cpu_successes{0};
  std::atomic<std::size_t> next{0};
  auto work = [&] {  // one run per core
    for (std::size_t i = next++; i < specs.size(); i = next++) {
      TrainConfig on_cpu = specs[i];
      on_cpu.backend = "cpu";
      on_cpu.threads = 1;
      cpu_successes += train_run_alone(on_cpu, "cpu", make_trainer).reached ? 1 : 0;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < std::max(1u, std::thread::hardware_concurrency()); ++w) {
    pool.emplace_back(work);
  }
  work();
  for (std::thread& thread : pool) thread.join();
  const double n = static_cast<double>(specs.size());
  const double p_gpu = gpu_successes / n;
  const double p_cpu = cpu_successes.load() / n;
  const double pooled = (gpu_successes + cpu_successes.load()) / (2 * n);
  const double standard_error = std::sqrt(std::max(pooled * (1 - pooled), 1.0 / n) * 2 / n);
  std::printf("H 6: %d of 64 reached on the GPU, %d on the cpu backend\n", gpu_successes,
              cpu_successes.load());
  EXPECT_LE(std::fabs(p_gpu - p_cpu), 3.3 * standard_error);
}

}  // namespace
}  // namespace carry
