// fused_plan_test.cpp: label `cpu`. The fused cuda kernel's shared index arithmetic
// (fused_plan.hpp), on the CPU: every sample handled exactly once, a launch that depends only on
// (B, H), the fixed summation order's shape, the device-side problem generator against the
// host's encode_batch, the shared-memory budget, and which (H, T) get the fused kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "carry/backends.hpp"
#include "carry/config.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"

namespace carry {
namespace {

TEST(FusedPlan, EverySampleIsHandledExactlyOnce) {
  for (int hidden : kFusedHidden) {
    for (std::int64_t batch : {1, 3, 31, 32, 33, 127, 128, 129, 1000, 65537, 135168, 1 << 20}) {
      const FusedLaunch launch = fused_launch(batch, hidden);
      std::vector<int> seen(static_cast<std::size_t>(batch), 0);
      std::int64_t beyond = 0;
      for (std::int64_t block = 0; block < launch.blocks; ++block) {
        for (int lane = 0; lane < launch.threads; ++lane) {
          for (std::int64_t round = 0; round < launch.rounds; ++round) {
            const std::int64_t s = launch.sample(block, lane, round);
            ASSERT_GE(s, 0);
            if (s < batch) {
              ++seen[static_cast<std::size_t>(s)];
            } else {
              ++beyond;
            }
          }
        }
      }
      for (std::int64_t s = 0; s < batch; ++s) {
        ASSERT_EQ(seen[static_cast<std::size_t>(s)], 1)
            << "B " << batch << " H " << hidden << " sample " << s;
      }
      // Idle slots are less than one round of the whole grid.
      EXPECT_LT(beyond, launch.stride()) << "B " << batch << " H " << hidden;
    }
  }
}

TEST(FusedPlan, TheLaunchDependsOnlyOnBatchAndHidden) {
  for (int hidden : kFusedHidden) {
    const int threads = fused_threads_per_block(hidden);
    EXPECT_EQ(threads % 32, 0) << "whole warps";
    for (std::int64_t batch :
         {std::int64_t{1}, std::int64_t{1000}, std::int64_t{65537}, kMaxBatch}) {
      const FusedLaunch a = fused_launch(batch, hidden);
      const FusedLaunch b = fused_launch(batch, hidden);
      EXPECT_EQ(a.threads, threads);
      EXPECT_EQ(a.blocks, b.blocks);
      EXPECT_EQ(a.rounds, b.rounds);
      EXPECT_GE(a.blocks, 1);
      EXPECT_LE(a.blocks, kFusedMaxBlocks);
      EXPECT_GE(a.rounds * a.stride(), batch);
      EXPECT_LT((a.rounds - 1) * a.stride(), batch);
    }
  }
  // Small batches use one round and no empty blocks.
  const FusedLaunch small = fused_launch(1000, 16);
  EXPECT_EQ(small.rounds, 1);
  EXPECT_EQ(small.blocks, 8);
}

TEST(FusedPlan, WeightCountMatchesTheDeviceLayout) {
  for (int hidden : kFusedHidden) {
    EXPECT_EQ(fused_weight_count(hidden), (BatchLayout{8, hidden, 1}.weight_count()));
  }
}

// The v1 kernel's static shared memory (kernels/fused_step_v1.cu): weights, the stage (x (2), e,
// h_{t-1}, h_t, δ (H each) rows of threads + 1 floats), a double and a 64-bit count per thread;
// 48 KiB at most.
TEST(FusedPlan, TheV1StagingFitsInStaticSharedMemory) {
  for (int hidden : kFusedHidden) {
    const std::int64_t threads = fused_threads_per_block(hidden);
    const std::int64_t bytes =
        4 * (fused_weight_count(hidden) + (3 + 3 * std::int64_t{hidden}) * (threads + 1)) +
        16 * threads;
    EXPECT_EQ(fused_v1_shared_bytes(hidden), bytes);
    EXPECT_LE(bytes, 48 * 1024) << "H " << hidden;
  }
}

// Every weight reads the rows of its own terms: x_i or h_{t-1,i} or h_{t,j} with δ_j or e.
TEST(FusedPlan, EachV1WeightSumsItsOwnTerms) {
  for (int hidden : kFusedHidden) {
    const int H = hidden;
    std::vector<int> pairs_seen(
        static_cast<std::size_t>(fused_v1_stage_rows(H) * fused_v1_stage_rows(H)), 0);
    for (int w = 0; w < fused_weight_count(H); ++w) {
      const FusedV1Terms terms = fused_v1_terms(H, w);
      ASSERT_GE(terms.left, 0);
      ASSERT_LT(terms.right, fused_v1_stage_rows(H));
      ++pairs_seen[static_cast<std::size_t>(terms.left * fused_v1_stage_rows(H) + terms.right)];
      if (w < 2 * H) {
        EXPECT_EQ(terms.left, w / H);
        EXPECT_EQ(terms.right, fused_v1_delta_row(H, w % H));
      } else if (w < 2 * H + H * H) {
        EXPECT_EQ(terms.left, fused_v1_h_prev_row((w - 2 * H) / H));
        EXPECT_EQ(terms.right, fused_v1_delta_row(H, (w - 2 * H) % H));
      } else {
        EXPECT_EQ(terms.left, fused_v1_h_now_row(H, w - 2 * H - H * H));
        EXPECT_EQ(terms.right, kFusedV1ERow);
      }
    }
    for (int count : pairs_seen) EXPECT_LE(count, 1) << "two weights sum the same terms";
  }
}

// The most distinct addresses any bank serves at once when the 32 lanes of a warp read their
// weights' rows at one column l (all lanes read the same l, so l shifts every bank alike), with
// rows `stride` floats apart. 1 means conflict-free (lanes reading one address get a broadcast).
// Lane k of a block owns weights k + q·threads and threads is a multiple of 32, so each warp
// reads 32 consecutive weights starting at a multiple of 32.
int worst_v1_bank_conflict(int hidden, int stride) {
  const int weights = fused_weight_count(hidden);
  int worst = 0;
  for (int first = 0; first < weights; first += 32) {  // a warp's weights in one round of q
    for (int side = 0; side < 2; ++side) {
      std::vector<std::vector<int>> addresses(32);
      for (int lane = 0; lane < 32 && first + lane < weights; ++lane) {
        const FusedV1Terms terms = fused_v1_terms(hidden, first + lane);
        const int address = (side == 0 ? terms.left : terms.right) * stride;
        std::vector<int>& bank = addresses[static_cast<std::size_t>(address % 32)];
        if (std::find(bank.begin(), bank.end(), address) == bank.end()) bank.push_back(address);
      }
      for (const std::vector<int>& bank : addresses) {
        worst = std::max(worst, static_cast<int>(bank.size()));
      }
    }
  }
  return worst;
}

TEST(FusedPlan, TheV1StageIsReadWithoutBankConflicts) {
  for (int hidden : kFusedHidden) {
    const int threads = fused_threads_per_block(hidden);
    ASSERT_EQ(threads % 32, 0);
    EXPECT_EQ(worst_v1_bank_conflict(hidden, fused_v1_stage_stride(hidden)), 1) << "H " << hidden;
    // Unpadded rows (a multiple of 32 floats apart), as before: 8- to 32-way conflicts.
    EXPECT_GE(worst_v1_bank_conflict(hidden, threads), std::min(hidden, 32)) << "H " << hidden;
  }
}

TEST(FusedPlan, DeviceGeneratedOperandsEqualTheHostBatch) {
  for (int bits : {2, 8, 16, 31, 32}) {
    for (std::uint64_t seed : {0ull, 7ull, 0xFFFFFFFFull}) {
      for (std::uint64_t step : {0ull, 1ull, 4999ull, (1ull << 40) + 3}) {
        const std::int64_t batch = 1000;
        std::vector<std::uint32_t> host(2 * batch);
        encode_batch(seed, step, bits, batch, host.data());
        for (std::int64_t s = 0; s < batch; ++s) {
          std::uint32_t a = 0;
          std::uint32_t b = 0;
          fused_operands(seed, step, s, bits, &a, &b);
          ASSERT_EQ(a, operand_a(host.data(), s)) << bits << " " << seed << " " << step << " " << s;
          ASSERT_EQ(b, operand_b(host.data(), batch, s)) << bits << " " << seed << " " << step;
        }
      }
    }
  }
}

TEST(FusedPlan, SupportedShapesGoFusedOthersFallBackWithANote) {
  for (int hidden : {1, 7, 8, 16, 24, 32, 64, 128, 256}) {
    for (int bits = kMinBits; bits <= kMaxTrainBits; ++bits) {
      const CudaKernelChoice chain = choose_cuda_kernel("chain", hidden, bits);
      EXPECT_EQ(chain.kernel, "chain");
      EXPECT_TRUE(chain.note.empty());
      const bool supported = (hidden == 8 || hidden == 16 || hidden == 32 || hidden == 64) &&
                             (bits == 2 || bits == 4 || bits == 8 || bits == 16 || bits == 32);
      const CudaKernelChoice fused = choose_cuda_kernel("fused", hidden, bits);
      const std::string newest = fused_v2_supported(hidden, bits) ? "fused-v2" : "fused-v1";
      EXPECT_EQ(fused.kernel, supported ? newest : "chain") << "H " << hidden << " T " << bits;
      EXPECT_EQ(fused.fused_version, supported ? (newest == "fused-v2" ? 2 : 1) : 0);
      EXPECT_EQ(fused.note.empty(), supported) << "H " << hidden << " T " << bits;
      if (!supported) {
        EXPECT_NE(fused.note.find("runs on the chain kernels"), std::string::npos) << fused.note;
        EXPECT_NE(
            fused.note.find("hidden " + std::to_string(hidden) + ", bits " + std::to_string(bits)),
            std::string::npos)
            << fused.note;
      }
    }
  }
  EXPECT_THROW(choose_cuda_kernel("fast", 16, 8), UserError);
  EXPECT_THROW(choose_cuda_kernel("", 16, 8), UserError);
}

TEST(FusedPlan, ConfigAcceptsOnlyKnownKernels) {
  TrainConfig config;
  EXPECT_EQ(config.kernel, "chain");
  EXPECT_NO_THROW(validate_run(config));
  for (const char* kernel : {"fused", "fused-v1", "fused-v2"}) {
    config.kernel = kernel;
    EXPECT_NO_THROW(validate_run(config)) << kernel;
  }
  config.kernel = "Fused";
  EXPECT_THROW(validate_run(config), UserError);
}

}  // namespace
}  // namespace carry
