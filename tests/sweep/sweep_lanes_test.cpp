// sweep_lanes_test.cpp: what a sweep's cpu workers train with, against the runs alone.
//
// Lanes over runs: the cpu kernel's pass with up to 16 / B runs of batch B side by side (each
// lane its run's weights), against each run alone. The kernel: every run's
// float64 sums, loss and first prediction bit for bit those of train_chunk on its B problems, for
// every instruction set this processor runs, B from 1 to 16, H from 1 to 33, T from 2 to 13,
// weights from small to saturating, with NaN-filled workspaces. The trainer (CpuLanes): runs
// started in free slots at different times train to the same weights, losses and predictions as
// CpuTrainer, step for step.
//
// Reuse: a CpuTrainer restarted for another run (CpuTrainer::restart, any hidden size, batch or
// length, larger or smaller) trains exactly as one constructed for it; and the divergence
// guard's largest_weight_magnitude, which runs after every step, sees every weight, infinity
// and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "carry/cpu_lanes.hpp"
#include "carry/cpu_trainer.hpp"
#include "carry/parameters.hpp"
#include "carry/problem.hpp"
#include "cpu_kernels_here.hpp"
#include "vector_kernel.hpp"

namespace carry {
namespace {

using testing::kernels_here;

// A 64-byte aligned block of floats filled with `fill`.
struct AlignedFloats {
  explicit AlignedFloats(std::size_t count, float fill) : storage(count + 16, fill) {}
  float* data() {
    const auto address = reinterpret_cast<std::uintptr_t>(storage.data());
    return reinterpret_cast<float*>((address + 63) / 64 * 64);
  }
  std::vector<float> storage;
};

bool same_bits(double x, double y) {
  return std::memcmp(&x, &y, sizeof x) == 0;
}

struct RunWeights {
  std::vector<float> w_stack;  // (H + 2) x H
  std::vector<float> w1;       // H
};

RunWeights weights_of(std::uint32_t seed, int hidden, float scale) {
  const Parameters p = numpy_initial_parameters(seed, hidden);
  RunWeights w;
  for (double v : p.wh) w.w_stack.push_back(static_cast<float>(v) * scale);
  for (double v : p.w0) w.w_stack.push_back(static_cast<float>(v) * scale);
  for (double v : p.w1) w.w1.push_back(static_cast<float>(v) * scale);
  return w;
}

void expect_runs_match_alone(const cpu::KernelTable& kernel, int H, int T, int B, float scale,
                             std::uint32_t& seed) {
  const int S = H + 2;
  const int runs = cpu::kLanes / B;
  std::vector<RunWeights> weights;
  std::vector<std::uint32_t> a(static_cast<std::size_t>(runs) * B);
  std::vector<std::uint32_t> b(a.size());
  AlignedFloats w_stack(static_cast<std::size_t>(S) * H * cpu::kLanes, 0.0f);
  AlignedFloats w1(static_cast<std::size_t>(H) * cpu::kLanes, 0.0f);
  for (int r = 0; r < runs; ++r) {
    weights.push_back(weights_of(++seed, H, scale));
    for (int i = 0; i < B; ++i) {
      const int lane = r * B + i;
      const AdditionProblem p = counter_problem(seed, 7, static_cast<std::uint64_t>(i), T);
      a[static_cast<std::size_t>(lane)] = static_cast<std::uint32_t>(p.a);
      b[static_cast<std::size_t>(lane)] = static_cast<std::uint32_t>(p.b);
      for (int k = 0; k < S * H; ++k)
        w_stack.data()[k * cpu::kLanes + lane] = weights[r].w_stack[k];
      for (int k = 0; k < H; ++k) w1.data()[k * cpu::kLanes + lane] = weights[r].w1[k];
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> stack(static_cast<std::size_t>(S) * H * cpu::kLanes, nan);
  std::vector<double> w1_sums(static_cast<std::size_t>(H) * cpu::kLanes, nan);
  std::vector<double> loss(runs, nan);
  std::vector<std::uint64_t> prediction(runs, ~0ull);
  AlignedFloats scratch(cpu::workspace_floats(H, T), std::numeric_limits<float>::quiet_NaN());
  cpu::LanesTask task;
  task.hidden = H;
  task.bits = T;
  task.batch = B;
  task.runs = runs;
  task.w_stack = w_stack.data();
  task.w1 = w1.data();
  task.a = a.data();
  task.b = b.data();
  task.update_stack = stack.data();
  task.update_w1 = w1_sums.data();
  task.loss = loss.data();
  task.first_prediction = prediction.data();
  task.scratch = scratch.data();
  kernel.train_lanes(task);

  for (int r = 0; r < runs; ++r) {
    std::vector<double> alone_stack(static_cast<std::size_t>(S) * H, nan);
    std::vector<double> alone_w1(H, nan);
    double alone_loss = nan;
    std::uint64_t alone_prediction = ~0ull;
    AlignedFloats alone_scratch(cpu::workspace_floats(H, T),
                                std::numeric_limits<float>::quiet_NaN());
    cpu::ChunkTask chunk;
    chunk.hidden = H;
    chunk.bits = T;
    chunk.w_stack = weights[r].w_stack.data();
    chunk.w1 = weights[r].w1.data();
    chunk.a = a.data() + r * B;
    chunk.b = b.data() + r * B;
    chunk.count = B;
    chunk.update_stack = alone_stack.data();
    chunk.update_w1 = alone_w1.data();
    chunk.loss = &alone_loss;
    chunk.first_prediction = &alone_prediction;
    chunk.scratch = alone_scratch.data();
    kernel.train_chunk(chunk);
    const std::string what = std::string(kernel.isa) + " H " + std::to_string(H) + " T " +
                             std::to_string(T) + " B " + std::to_string(B) + " scale " +
                             std::to_string(scale) + " run " + std::to_string(r);
    // Each run's sums in every one of its lanes.
    int differing = 0;
    for (int lane = r * B; lane < (r + 1) * B; ++lane) {
      for (int k = 0; k < S * H; ++k) {
        differing += same_bits(stack[k * cpu::kLanes + lane], alone_stack[k]) ? 0 : 1;
      }
      for (int k = 0; k < H; ++k) {
        differing += same_bits(w1_sums[k * cpu::kLanes + lane], alone_w1[k]) ? 0 : 1;
      }
    }
    EXPECT_EQ(differing, 0) << what << ": update entries that differ";
    EXPECT_TRUE(same_bits(loss[r], alone_loss)) << what << ": " << loss[r] << " " << alone_loss;
    EXPECT_EQ(prediction[r], alone_prediction) << what;
  }
  // Lanes of no run hold 0.
  for (int lane = runs * B; lane < cpu::kLanes; ++lane) {
    EXPECT_EQ(stack[lane], 0.0) << lane;
    EXPECT_EQ(w1_sums[lane], 0.0) << lane;
  }
}

TEST(LanesOverRuns, EachRunGetsWhatItsOwnChunkGivesBitForBit) {
  if (kernels_here().empty()) GTEST_SKIP() << "this processor lacks AVX2/FMA";
  std::uint32_t seed = 0;
  for (const cpu::KernelTable* kernel : kernels_here()) {
    for (int H : {1, 2, 7, 8, 16, 17, 33}) {
      for (int T : {2, 8, 13}) {
        for (int B : {1, 2, 3, 4, 5, 7, 8, 16}) {
          for (float scale : {0.05f, 1.0f, 8.0f}) {
            expect_runs_match_alone(*kernel, H, T, B, scale, seed);
          }
        }
      }
    }
  }
}

TrainConfig run_config(int hidden, std::int64_t batch, std::int64_t seed, double lr, int bits = 8) {
  TrainConfig config;
  config.backend = "cpu";
  config.hidden = hidden;
  config.batch = batch;
  config.seed = seed;
  config.lr = lr;
  config.bits = bits;
  config.threads = 1;
  return config;
}

void expect_same_weights(const Parameters& a, const Parameters& b, const std::string& what) {
  EXPECT_EQ(a.w0, b.w0) << what;
  EXPECT_EQ(a.wh, b.wh) << what;
  EXPECT_EQ(a.w1, b.w1) << what;
}

TEST(CpuLanes, RunsStartedAtDifferentTimesTrainAsCpuTrainer) {
  if (cpu_backend_isa().empty()) GTEST_SKIP() << "no AVX2+FMA";
  for (int B : {1, 3, 4, 8}) {
    const int H = 6;
    CpuLanes lanes(H, 8, B);
    ASSERT_EQ(lanes.slots(), 16 / B);
    std::vector<std::unique_ptr<CpuTrainer>> alone(lanes.slots());
    std::int64_t next_seed = 0;
    for (int step = 0; step < 120; ++step) {
      // Slot s starts a run at step 10·s, and every slot restarts every 50 steps of its own.
      for (int slot = 0; slot < lanes.slots(); ++slot) {
        const bool due = lanes.busy(slot) ? lanes.steps_done(slot) == 50 : step >= 10 * slot;
        if (!due) continue;
        const TrainConfig config = run_config(H, B, next_seed, 0.5 + next_seed % 3);
        const Parameters initial =
            numpy_initial_parameters(static_cast<std::uint32_t>(next_seed), H);
        ++next_seed;
        lanes.stop(slot);
        lanes.start(slot, config, initial);
        alone[slot] = std::make_unique<CpuTrainer>(config, initial);
      }
      lanes.train_step();
      for (int slot = 0; slot < lanes.slots(); ++slot) {
        if (!lanes.busy(slot)) continue;
        CpuTrainer& trainer = *alone[slot];
        const StepResult expected =
            trainer.train_step(static_cast<std::uint64_t>(lanes.steps_done(slot) - 1));
        const std::string what = "B " + std::to_string(B) + " slot " + std::to_string(slot) +
                                 " step " + std::to_string(lanes.steps_done(slot));
        EXPECT_EQ(lanes.last_step(slot).mean_loss, expected.mean_loss) << what;
        EXPECT_EQ(lanes.last_step(slot).example_prediction, expected.example_prediction) << what;
        EXPECT_EQ(lanes.last_step(slot).example.a, expected.example.a) << what;
        EXPECT_EQ(lanes.largest_weight_magnitude(slot), trainer.largest_weight_magnitude()) << what;
        if (lanes.steps_done(slot) % 25 == 0) {
          expect_same_weights(lanes.parameters(slot), trainer.parameters(), what);
        }
      }
    }
    EXPECT_GE(next_seed, lanes.slots() + 1);  // some slots ran a second run
  }
}

TEST(CpuTrainerRestart, TrainsAsATrainerMadeForTheRun) {
  if (cpu_backend_isa().empty()) GTEST_SKIP() << "no AVX2+FMA";
  const TrainConfig runs[] = {run_config(8, 16, 0, 2.0, 8), run_config(16, 300, 1, 2.0, 8),
                              run_config(3, 1, 2, 2.0, 5),  run_config(33, 5, 3, 2.0, 10),
                              run_config(8, 16, 0, 2.0, 8), run_config(1, 129, 4, 2.0, 2)};
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
  const TrainConfig config = run_config(H, 4, 0, 2.0);
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
