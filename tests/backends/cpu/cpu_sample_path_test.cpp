// cpu_sample_path_test.cpp: the cpu kernel's sample path (a chunk's last few samples one at a
// time, hidden units across the lanes) and its short lane sums (chunks under 16 samples) against
// the general path, every sample through the 16-lane pass and every lane summed: the chunk's
// float64 sums, loss and first prediction must agree bit for bit, for every instruction set this
// processor runs, over sizes, sample counts and weights from small to saturating and trained.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "carry/cpu_trainer.hpp"
#include "carry/parameters.hpp"
#include "carry/problem.hpp"
#include "cpu_kernels_here.hpp"
#include "vector_kernel.hpp"

namespace carry {
namespace {

struct ChunkWeights {
  int hidden = 0;
  std::vector<float> w_stack;  // (H + 2) x H
  std::vector<float> w1;       // H
};

struct ChunkResult {
  std::vector<double> stack;
  std::vector<double> w1;
  double loss = 0.0;
  std::uint64_t first_prediction = 0;
};

using testing::kernels_here;

ChunkResult run_chunk(const cpu::KernelTable& kernel, const ChunkWeights& weights, int bits,
                      std::uint64_t seed, int count, bool blocks_only) {
  const int H = weights.hidden;
  std::vector<std::uint32_t> a(count), b(count);
  for (int k = 0; k < count; ++k) {
    const AdditionProblem p = counter_problem(seed, 0, static_cast<std::uint64_t>(k), bits);
    a[k] = static_cast<std::uint32_t>(p.a);
    b[k] = static_cast<std::uint32_t>(p.b);
  }
  // NaN in the workspace and the outputs: everything read must have been written.
  std::vector<float> scratch(cpu::workspace_floats(H, bits) + 16,
                             std::numeric_limits<float>::quiet_NaN());
  const auto address = reinterpret_cast<std::uintptr_t>(scratch.data());
  ChunkResult result;
  result.stack.assign(static_cast<std::size_t>(H + 2) * H, std::nan(""));
  result.w1.assign(H, std::nan(""));
  cpu::ChunkTask task;
  task.hidden = H;
  task.bits = bits;
  task.w_stack = weights.w_stack.data();
  task.w1 = weights.w1.data();
  task.a = a.data();
  task.b = b.data();
  task.count = count;
  task.update_stack = result.stack.data();
  task.update_w1 = result.w1.data();
  task.loss = &result.loss;
  task.first_prediction = &result.first_prediction;
  task.scratch = reinterpret_cast<float*>((address + 63) / 64 * 64);
  task.blocks_only = blocks_only;
  kernel.train_chunk(task);
  return result;
}

// Bit for bit, NaN included.
bool same_bits(double x, double y) {
  return std::memcmp(&x, &y, sizeof x) == 0;
}

void expect_same_bits(const ChunkResult& fast, const ChunkResult& general,
                      const std::string& what) {
  int differing = 0;
  for (std::size_t k = 0; k < general.stack.size(); ++k) {
    if (!same_bits(fast.stack[k], general.stack[k])) {
      if (++differing <= 3) {
        ADD_FAILURE() << what << ": stack update " << k << " is " << fast.stack[k] << ", not "
                      << general.stack[k];
      }
    }
  }
  EXPECT_EQ(differing, 0) << what << ": stack update entries that differ";
  for (std::size_t k = 0; k < general.w1.size(); ++k) {
    EXPECT_TRUE(same_bits(fast.w1[k], general.w1[k]))
        << what << ": w1 update " << k << " is " << fast.w1[k] << ", not " << general.w1[k];
  }
  EXPECT_TRUE(same_bits(fast.loss, general.loss))
      << what << ": loss " << fast.loss << ", not " << general.loss;
  EXPECT_EQ(fast.first_prediction, general.first_prediction) << what;
}

// The seed's initial weights times `scale`, rounded to float32.
ChunkWeights scaled_weights(std::uint32_t seed, int hidden, float scale) {
  const Parameters p = numpy_initial_parameters(seed, hidden);
  ChunkWeights weights;
  weights.hidden = hidden;
  for (double w : p.wh) weights.w_stack.push_back(static_cast<float>(w) * scale);
  for (double w : p.w0) weights.w_stack.push_back(static_cast<float>(w) * scale);
  for (double w : p.w1) weights.w1.push_back(static_cast<float>(w) * scale);
  return weights;
}

ChunkWeights trained_weights(int hidden, int bits, int steps) {
  TrainConfig config;
  config.hidden = hidden;
  config.bits = bits;
  config.batch = 64;
  config.threads = 1;
  CpuTrainer trainer(config, numpy_initial_parameters(2u, hidden));
  for (int step = 0; step < steps; ++step) trainer.train_step(static_cast<std::uint64_t>(step));
  const Parameters p = trainer.parameters();
  ChunkWeights weights;
  weights.hidden = hidden;
  weights.w_stack.assign(p.wh.begin(), p.wh.end());
  weights.w_stack.insert(weights.w_stack.end(), p.w0.begin(), p.w0.end());
  weights.w1.assign(p.w1.begin(), p.w1.end());
  return weights;
}

// Sample counts with no tail, tails the sample path takes and tails it leaves to the 16-lane
// pass, with and without full blocks before them.
const int kCounts[] = {1, 2, 3, 4, 5, 9, 15, 16, 17, 18, 20, 21, 32, 33, 100, 127, 128};

TEST(CpuSamplePath, MatchesTheSixteenLanePassBitForBit) {
  if (kernels_here().empty()) GTEST_SKIP() << "this processor lacks AVX2/FMA";
  std::uint32_t seed = 0;
  for (const cpu::KernelTable* kernel : kernels_here()) {
    for (int hidden : {1, 2, 7, 8, 9, 16, 17, 33, 64}) {
      for (int bits : {2, 8, 16, 32}) {
        for (float scale : {0.05f, 1.0f, 6.0f, 40.0f}) {
          const ChunkWeights weights = scaled_weights(++seed, hidden, scale);
          for (int count : kCounts) {
            const std::string what = std::string(kernel->isa) + " H " + std::to_string(hidden) +
                                     " T " + std::to_string(bits) + " scale " +
                                     std::to_string(scale) + " count " + std::to_string(count);
            expect_same_bits(run_chunk(*kernel, weights, bits, seed, count, false),
                             run_chunk(*kernel, weights, bits, seed, count, true), what);
          }
        }
      }
    }
  }
}

TEST(CpuSamplePath, MatchesTheSixteenLanePassOnTrainedWeights) {
  if (kernels_here().empty()) GTEST_SKIP() << "this processor lacks AVX2/FMA";
  for (const cpu::KernelTable* kernel : kernels_here()) {
    for (int steps : {50, 300}) {
      const ChunkWeights weights = trained_weights(16, 8, steps);
      for (int count : kCounts) {
        const std::string what = std::string(kernel->isa) + " after " + std::to_string(steps) +
                                 " steps, count " + std::to_string(count);
        expect_same_bits(run_chunk(*kernel, weights, 8, 11, count, false),
                         run_chunk(*kernel, weights, 8, 11, count, true), what);
      }
    }
  }
}

TEST(CpuSamplePath, NonFiniteWeightsTakeTheGeneralPath) {
  // An infinite or NaN weight makes the empty lanes add NaN, which the sample path would leave
  // out: it must not be taken, and the results must still be those of the general path.
  if (kernels_here().empty()) GTEST_SKIP() << "this processor lacks AVX2/FMA";
  for (float bad : {std::numeric_limits<float>::infinity(), std::nanf("")}) {
    ChunkWeights weights = scaled_weights(3u, 7, 1.0f);
    weights.w_stack[5] = bad;
    for (int count : {1, 3, 17}) {
      expect_same_bits(run_chunk(*kernels_here()[0], weights, 8, 4, count, false),
                       run_chunk(*kernels_here()[0], weights, 8, 4, count, true),
                       "weight " + std::to_string(bad) + ", count " + std::to_string(count));
    }
  }
}

}  // namespace
}  // namespace carry
