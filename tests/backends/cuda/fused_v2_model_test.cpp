// fused_v2_model_test.cpp: label `cpu`. The fused v2 kernel without a GPU: its launch and
// shared-memory plan (fused_plan.hpp), and its block program (fused_v2_block.hpp) run by the CPU
// model of tests/backends/cuda/fused_v2_model.hpp against the float64 reference with `carry
// verify`'s float32 tolerances: one step at odd sizes (partial tiles, one and several rounds, every
// (H, T) class), 30 steps in lockstep and replayed, bit-identical reruns. What the model cannot
// show (barrier placement under real concurrency, nvcc's code) the gpu tests in cuda_fused_test.cpp
// check.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/parameters.hpp"
#include "carry/trainer.hpp"
#include "carry/verification.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "fused_v2_model.hpp"
#include "step_expectations.hpp"

namespace carry {
namespace {

TEST(FusedV2Plan, SupportedShapes) {
  // Threads per block: 128 where the tile's history fits in 110 KiB, fewer for long T, none for
  // H 32 T 32 and H 64 (fused-v1 runs those).
  const int expected[3][5] = {{128, 128, 128, 64, 64},  // H 8,  T 2, 4, 8, 16, 32
                              {128, 128, 128, 64, 32},  // H 16
                              {128, 64, 64, 32, 0}};    // H 32
  for (int h = 0; h < 3; ++h) {
    for (int b = 0; b < 5; ++b) {
      EXPECT_EQ(fused_v2_threads(kFusedV2Hidden[h], kFusedBits[b]), expected[h][b])
          << "H " << kFusedV2Hidden[h] << " T " << kFusedBits[b];
    }
  }
  for (int bits : kFusedBits) EXPECT_FALSE(fused_v2_supported(64, bits)) << "T " << bits;
  for (int hidden : {1, 7, 12, 24, 48, 128}) EXPECT_FALSE(fused_v2_supported(hidden, 8));
  EXPECT_FALSE(fused_v2_supported(16, 3));
  EXPECT_FALSE(fused_v2_supported(16, 9));
}

TEST(FusedV2Plan, SharedMemoryFitsTwoBlocksPerSmAndIsAligned) {
  for (int hidden : kFusedV2Hidden) {
    for (int bits : kFusedBits) {
      const int threads = fused_v2_threads(hidden, bits);
      if (threads == 0) continue;
      const std::string what = "H " + std::to_string(hidden) + " T " + std::to_string(bits);
      EXPECT_EQ(threads % 32, 0) << what;
      EXPECT_EQ(threads % fused_v2_tiles(hidden), 0) << what;
      const FusedV2SharedLayout layout = fused_v2_shared_layout(hidden, bits, threads);
      EXPECT_LE(layout.bytes, kFusedV2MaxSharedBytes) << what;
      EXPECT_LE(2 * (layout.bytes + kSharedBytesReservedPerBlock), kSharedBytesPerSm) << what;
      for (std::int64_t offset :
           {layout.weights, layout.history, layout.stage, layout.operands, layout.loss}) {
        EXPECT_EQ(offset % 16, 0) << what;
      }
      // Regions in order and large enough: weights, history (or the stash over it), the double
      // stage, operands, loss, exact.
      const std::int64_t stride = fused_v2_row_stride(hidden);
      EXPECT_GE(layout.history - layout.weights, 4 * fused_weight_count(hidden)) << what;
      EXPECT_GE(layout.stage - layout.history, 4 * threads * bits * stride) << what;
      EXPECT_GE(layout.stage - layout.history, 4 * threads * kFusedV2PartialsPerThread) << what;
      EXPECT_GE(layout.operands - layout.stage, 4 * 2 * threads * stride) << what;
      EXPECT_GE(layout.loss - layout.operands, 4 * 2 * threads) << what;
      EXPECT_EQ(layout.exact - layout.loss, 8 * threads) << what;
      EXPECT_EQ(layout.bytes - layout.exact, 8 * threads) << what;
      // Rows of H + 4 floats: 16-byte aligned, and 8 consecutive rows start in 8 distinct
      // 4-bank groups, so a quarter-warp's 16-byte accesses to consecutive rows do not conflict.
      EXPECT_EQ(stride % 4, 0) << what;
      std::set<std::int64_t> groups;
      for (int row = 0; row < 8; ++row) groups.insert((row * stride / 4) % 8);
      EXPECT_EQ(groups.size(), 8u) << what;
    }
  }
}

TEST(FusedV2Plan, EverySampleOnceEveryBlockTheSameRounds) {
  for (int hidden : kFusedV2Hidden) {
    for (int bits : {2, 8, 16, 32}) {
      if (!fused_v2_supported(hidden, bits)) continue;
      for (std::int64_t batch :
           {std::int64_t{1}, std::int64_t{3}, std::int64_t{127}, std::int64_t{129},
            std::int64_t{1000}, std::int64_t{65537}, std::int64_t{1} << 20, kMaxBatch}) {
        const std::string what = "H " + std::to_string(hidden) + " T " + std::to_string(bits) +
                                 " B " + std::to_string(batch);
        const FusedLaunch launch = fused_v2_launch(batch, hidden, bits);
        EXPECT_EQ(launch.threads, fused_v2_threads(hidden, bits)) << what;
        EXPECT_GE(launch.blocks, 1) << what;
        EXPECT_LE(launch.blocks, 8 * kGpuSms) << what;
        const std::int64_t tiles = (batch + launch.threads - 1) / launch.threads;
        EXPECT_GE(launch.blocks * launch.rounds, tiles) << what;
        EXPECT_LT((launch.blocks - 1) * launch.rounds, tiles) << what << ": an idle block";
        // Every sample once: tile b + r·blocks holds samples [tile·S, tile·S + samples).
        std::int64_t covered = 0;
        std::int64_t next = 0;
        for (std::int64_t round = 0; round < launch.rounds; ++round) {
          for (std::int64_t block = 0; block < launch.blocks; ++block) {
            const int samples = fused_tile_samples(launch, block, round);
            if (samples == 0) continue;
            ASSERT_EQ(launch.sample(block, 0, round), next) << what;
            next += samples;
            covered += samples;
            if (samples < launch.threads) EXPECT_EQ(next, batch) << what << ": partial tile";
          }
        }
        EXPECT_EQ(covered, batch) << what;
      }
    }
  }
}

TEST(FusedV2Plan, EveryWeightHasOneStashPlaceOwnedByItsTile) {
  for (int hidden : kFusedV2Hidden) {
    const int rows = fused_v2_tile_rows(hidden);
    std::set<std::pair<int, int>> places;
    for (int w = 0; w < fused_weight_count(hidden); ++w) {
      const FusedV2StashPosition p = fused_v2_stash_position(hidden, w);
      ASSERT_GE(p.tile, 0);
      ASSERT_LT(p.tile, fused_v2_tiles(hidden));
      ASSERT_GE(p.index, 0);
      ASSERT_LT(p.index, kFusedV2PartialsPerThread);
      EXPECT_TRUE(places.insert({p.tile, p.index}).second) << "H " << hidden << " w " << w;
      if (p.index >= 80) {
        EXPECT_EQ(p.tile / rows, rows - 1) << "W1 belongs to the last tile-row";
      } else if (p.index >= 64) {
        EXPECT_EQ(p.tile / rows, 0) << "W0 belongs to tile-row 0";
      }
    }
  }
}

TEST(FusedV2Plan, KernelChoice) {
  EXPECT_EQ(choose_cuda_kernel("fused", 16, 8).kernel, "fused-v2");
  EXPECT_EQ(choose_cuda_kernel("fused", 16, 8).fused_version, 2);
  EXPECT_TRUE(choose_cuda_kernel("fused", 16, 8).note.empty());
  EXPECT_EQ(choose_cuda_kernel("fused-v1", 16, 8).kernel, "fused-v1");
  EXPECT_EQ(choose_cuda_kernel("fused-v1", 16, 8).fused_version, 1);
  // No v2 kernel: fused quietly takes v1, fused-v2 says so.
  EXPECT_EQ(choose_cuda_kernel("fused", 64, 8).kernel, "fused-v1");
  EXPECT_TRUE(choose_cuda_kernel("fused", 64, 8).note.empty());
  const CudaKernelChoice explicit_v2 = choose_cuda_kernel("fused-v2", 64, 8);
  EXPECT_EQ(explicit_v2.kernel, "fused-v1");
  EXPECT_NE(explicit_v2.note.find("runs on fused-v1"), std::string::npos) << explicit_v2.note;
  // Neither: the chain, with a note.
  for (const char* request : {"fused", "fused-v1", "fused-v2"}) {
    const CudaKernelChoice choice = choose_cuda_kernel(request, 12, 8);
    EXPECT_EQ(choice.kernel, "chain") << request;
    EXPECT_EQ(choice.fused_version, 0) << request;
    EXPECT_NE(choice.note.find("runs on the chain kernels"), std::string::npos) << choice.note;
  }
  EXPECT_THROW(choose_cuda_kernel("fused-v3", 16, 8), UserError);
  EXPECT_TRUE(is_cuda_kernel_name("fused-v2"));
  EXPECT_FALSE(is_cuda_kernel_name("v2"));
}

// ---- the block program, on the CPU ----------------------------------------------------------

using testing::expect_step_passes;

TrainConfig model_config(int bits, int hidden, std::int64_t batch, std::int64_t seed) {
  return testing::cuda_test_config("fused-v2", bits, hidden, batch, seed);
}

// The (H, T) the model tests instantiate: each H with a short, the default and a long T.
std::unique_ptr<DetailedStepper> make_model(const TrainConfig& config, const Parameters& initial) {
  const int h = config.hidden;
  const int t = config.bits;
#define CARRY_MODEL(H, T) \
  if (h == H && t == T) return std::make_unique<testing::FusedV2Model<H, T>>(config, initial)
  CARRY_MODEL(8, 2);
  CARRY_MODEL(8, 8);
  CARRY_MODEL(8, 32);
  CARRY_MODEL(16, 2);
  CARRY_MODEL(16, 8);
  CARRY_MODEL(16, 16);
  CARRY_MODEL(32, 4);
  CARRY_MODEL(32, 16);
#undef CARRY_MODEL
  ADD_FAILURE() << "no model instantiated for H " << h << " T " << t;
  return nullptr;
}

TEST(FusedV2Model, OneStepMatchesTheReference) {
  const std::vector<std::pair<int, int>> shapes = {{8, 2},  {8, 8},   {8, 32}, {16, 2},
                                                   {16, 8}, {16, 16}, {32, 4}, {32, 16}};
  for (const auto& [hidden, bits] : shapes) {
    for (std::int64_t batch : {1, 3, 1000, 4097}) {
      if (batch * bits * hidden * hidden > (std::int64_t{1} << 28)) continue;  // test time
      const std::string what = "H " + std::to_string(hidden) + " T " + std::to_string(bits) +
                               " B " + std::to_string(batch);
      const TrainConfig config = model_config(bits, hidden, batch, bits + hidden);
      const auto model = make_model(
          config, numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), hidden));
      ASSERT_NE(model, nullptr);
      for (std::uint64_t step : {3u, 4u}) {  // the second from the first one's new weights
        const Parameters start = model->parameters();
        const ReferenceStep expected =
            reference_step_with_tolerances(start, make_batch(config, step), bits, config.lr);
        const StepDetail actual = model->run_step(step, true);
        expect_step_passes(check_step(static_cast<std::int64_t>(step), actual, expected), what);
      }
    }
  }
}

TEST(FusedV2Model, SeveralRoundsPerBlockMatchTheReference) {
  // 2 blocks per SM x 132 SMs x 128 samples = 33792: a larger batch takes two rounds.
  const TrainConfig config = model_config(8, 16, 40000, 21);
  const FusedLaunch launch = fused_v2_launch(config.batch, 16, 8);
  ASSERT_EQ(launch.rounds, 2);
  ASSERT_NE(config.batch % launch.threads, 0) << "the last tile should be partial";
  const auto model = make_model(config, numpy_initial_parameters(21, 16));
  const Parameters start = model->parameters();
  const ReferenceStep expected =
      reference_step_with_tolerances(start, make_batch(config, 0), 8, config.lr);
  expect_step_passes(check_step(0, model->run_step(0, true), expected), "B 40000");
}

TEST(FusedV2Model, ThirtyStepsInLockstepAndReplayed) {
  for (TrainConfig config : {model_config(8, 16, 256, 1), model_config(16, 32, 300, 2)}) {
    config.steps = 30;
    const VerifyOutcome outcome = verify_backend(
        [&](const Parameters& initial) { return make_model(config, initial); }, config);
    testing::expect_verify_passes(outcome, 30, "H " + std::to_string(config.hidden));
  }
}

TEST(FusedV2Model, ItLearnsToAdd) {
  // The default model at B 256, lr 4 (the batch-size rule): a whole batch right well within the
  // 2000 steps, as the reference trainer does (bench/results/lr-sweep.md).
  TrainConfig config = model_config(8, 16, 256, 0);
  const auto model = make_model(config, numpy_initial_parameters(0, 16));
  std::uint64_t exact = 0;
  std::uint64_t step = 0;
  for (; step < 2000 && exact < 256; ++step) exact = model->run_step(step, true).exact_correct;
  EXPECT_EQ(exact, 256u) << "after " << step << " steps";
  std::printf("a whole batch right after %llu steps\n", static_cast<unsigned long long>(step));
}

TEST(FusedV2Model, RerunsAreBitIdentical) {
  const TrainConfig config = model_config(8, 16, 1000, 5);
  const Parameters initial = numpy_initial_parameters(5, 16);
  const auto first = make_model(config, initial);
  const auto second = make_model(config, initial);
  for (std::uint64_t step = 0; step < 5; ++step) {
    const StepDetail a = first->run_step(step, true);
    const StepDetail b = second->run_step(step, true);
    EXPECT_EQ(a.outputs, b.outputs);
    EXPECT_EQ(flatten(a.mean_update), flatten(b.mean_update));
    EXPECT_EQ(a.mean_loss, b.mean_loss);
    EXPECT_EQ(a.exact_correct, b.exact_correct);
  }
}

}  // namespace
}  // namespace carry
