// cuda_fused_test.cpp: label `gpu`. Each fused cuda kernel version (`--kernel fused-v1`,
// fused-v2: fused_step_v1.cu, fused_step_v2.cu) against the float64 reference with the chain's
// tolerances: one step for H in {8, 16, 32, 64}, T in {2, 8, 16}, B in {1, 3, 1000, 65537} (the
// shapes the version has); 100 steps in lockstep plus the pipelined replay (B 256 at H 16, 32 and
// 64); bit-identical reruns; the device-generated batch against the host's. Skips without a GPU
// (fails with CARRY_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "carry/cuda_backend.hpp"
#include "carry/verification.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "gpu_test_support.hpp"
#include "kernels.hpp"
#include "step_expectations.hpp"

namespace carry {
namespace {

using testing::expect_step_passes;

constexpr const char* kVersions[] = {"fused-v1", "fused-v2"};

TrainConfig fused_config(const char* kernel, int bits, int hidden, std::int64_t batch,
                         std::int64_t seed = 0) {
  return testing::cuda_test_config(kernel, bits, hidden, batch, seed);
}

// Whether the version has a kernel for the config's (H, T) (otherwise it would fall back).
bool has_kernel(const TrainConfig& config) {
  return choose_cuda_kernel(config.kernel, config.hidden, config.bits).kernel == config.kernel;
}

std::unique_ptr<CudaTrainer> make(const TrainConfig& config) {
  return testing::make_seeded_cuda_trainer(config);
}

TEST(CudaFused, OneStepMatchesTheReference) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (const char* version : kVersions) {
    double worst = 0.0;
    for (std::int64_t batch : {1, 3, 1000, 65537}) {
      for (int hidden : kFusedHidden) {
        for (int bits : {2, 8, 16}) {
          if (batch * bits * hidden * hidden > (std::int64_t{1} << 28)) continue;  // reference
          const TrainConfig config = fused_config(version, bits, hidden, batch, bits + hidden);
          if (!has_kernel(config)) continue;
          const std::string what = std::string(version) + " B " + std::to_string(batch) + " H " +
                                   std::to_string(hidden) + " T " + std::to_string(bits);
          const auto trainer = make(config);
          worst = std::max(worst, testing::expect_slot_steps_match(*trainer, config, what));
        }
      }
    }
    std::printf("%s: largest error, as a fraction of its tolerance: %.3g\n", version, worst);
  }
}

TEST(CudaFused, SeveralRoundsPerBlockMatchTheReference) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  // Batches beyond one round of the grid (v1: 1056 blocks x 128; v2: 264 blocks x 128).
  for (const char* version : kVersions) {
    const TrainConfig config = fused_config(version, 8, 16, 140000, 17);
    const auto trainer = make(config);
    const ReferenceStep expected = reference_step_with_tolerances(
        trainer->parameters(), make_batch(config, 0), config.bits, config.lr);
    expect_step_passes(check_step(0, trainer->run_step(0, true), expected), version);
  }
}

TEST(CudaFused, HundredStepsMatchTheReference) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (const char* version : kVersions) {
    // B 256 at H 32 and 64 (v1: 8 and 4 blocks): the float64 side of 100 steps at B 1000, H 64
    // cost 55 s of CPU, a quarter of that now (tests/verify/reference_cost.cpp).
    for (const TrainConfig& base :
         {fused_config(version, 8, 16, 256), fused_config(version, 16, 64, 256, 5),
          fused_config(version, 16, 32, 256, 6)}) {
      if (!has_kernel(base)) continue;
      TrainConfig config = base;
      config.steps = 100;
      const VerifyOutcome outcome = verify_backend(
          [&](const Parameters& initial) -> std::unique_ptr<DetailedStepper> {
            return make_cuda_trainer(config, initial);
          },
          config);
      testing::expect_verify_passes(outcome, 100,
                                    std::string(version) + " H " + std::to_string(config.hidden));
    }
  }
}

TEST(CudaFused, TwoRunsAreBitIdentical) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (const char* version : kVersions) {
    for (const TrainConfig& config :
         {fused_config(version, 8, 8, 1000, 3), fused_config(version, 16, 32, 65537, 4)}) {
      if (!has_kernel(config)) continue;
      testing::expect_identical_runs(*make(config), *make(config), version);
    }
  }
}

TEST(CudaFused, DeviceGeneratedBatchEqualsTheHostBatch) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (int bits : {2, 8, 16, 32}) {
    for (std::int64_t batch : {1, 3, 1000, 65537}) {
      const std::uint64_t seed = 12345;
      const std::uint64_t step = 77;
      std::vector<std::uint32_t> host(2 * batch);
      encode_batch(seed, step, bits, batch, host.data());
      cuda::DeviceArray<std::uint32_t> device(2 * batch);
      cuda::launch_fused_generate_batch(seed, step, bits, batch, device.get(), nullptr);
      std::vector<std::uint32_t> back(2 * batch);
      CUDA_CHECK(cudaMemcpy(back.data(), device.get(), device.bytes(), cudaMemcpyDeviceToHost));
      EXPECT_EQ(back, host) << "T " << bits << " B " << batch;
    }
  }
}

TEST(CudaFused, CollectedLossesAreTheStepLosses) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (const char* version : kVersions) {
    const TrainConfig config = fused_config(version, 8, 16, 300, 9);
    const auto pipelined = make(config);
    const auto stepped = make(config);
    double loss_sum = 0.0;
    StepDetail last;
    for (std::uint64_t step = 0; step < 12; ++step) {
      pipelined->train_step(step);
      last = stepped->run_step(step, true);
      loss_sum += last.mean_loss;
    }
    const CollectedSteps collected = *pipelined->collect_steps();
    EXPECT_EQ(collected.loss_sum, loss_sum) << version;
    EXPECT_EQ(collected.last.mean_loss, last.mean_loss) << version;
    EXPECT_EQ(collected.last.example_prediction, last.first_prediction) << version;
  }
}

TEST(CudaFused, TimedStepsTakeTime) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  for (const char* version : kVersions) {
    const auto trainer = make(fused_config(version, 8, 16, 4096));
    const StepTiming timing = trainer->timed_steps(0, 20);
    EXPECT_GT(timing.gpu_seconds, 0.0) << version;
    // Within the elapsed stretch, up to the events' resolution.
    EXPECT_LE(timing.gpu_seconds, timing.elapsed_seconds + 1e-4) << version;
    EXPECT_LT(timing.elapsed_seconds, 10.0) << version;
    EXPECT_FALSE(timing.host_draws) << version;  // drawn on the GPU
  }
}

}  // namespace
}  // namespace carry
