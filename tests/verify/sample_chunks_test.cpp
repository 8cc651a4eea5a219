// sample_chunks_test.cpp: label `cpu`. The float64 reference side spread over threads
// (sample_chunks.hpp): every sample in exactly one chunk, chunks merged in order, and
// reference_step_with_tolerances and the drift's reference_batch_update_by_chunks bit for bit
// the same for any thread count; one chunk gives exactly the sequential sums. Shapes: B batch,
// T bits, H hidden.
#include "carry/sample_chunks.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "carry/trainer.hpp"
#include "carry/verification.hpp"

namespace carry {
namespace {

TEST(SampleChunks, EverySampleOnceAndChunksMergedInOrder) {
  for (const std::int64_t samples : {0, 1, 63, 64, 65, 1000, 4097}) {
    for (const int threads : {1, 2, 3, 16}) {
      std::vector<int> seen(static_cast<std::size_t>(samples), 0);
      std::vector<std::int64_t> slot_first(static_cast<std::size_t>(threads), -1);
      std::vector<std::int64_t> merged;
      for_each_chunk_in_order(
          samples, threads,
          [&](std::int64_t first, std::int64_t last, int slot) {
            EXPECT_EQ(first % kSampleChunk, 0);
            EXPECT_LE(last - first, kSampleChunk);
            for (std::int64_t s = first; s < last; ++s) ++seen[static_cast<std::size_t>(s)];
            slot_first[static_cast<std::size_t>(slot)] = first;
          },
          [&](int slot) { merged.push_back(slot_first[static_cast<std::size_t>(slot)]); });
      for (int count : seen) ASSERT_EQ(count, 1) << samples << " " << threads;
      ASSERT_EQ(static_cast<std::int64_t>(merged.size()),
                (samples + kSampleChunk - 1) / kSampleChunk);
      for (std::size_t k = 0; k < merged.size(); ++k) {
        EXPECT_EQ(merged[k], static_cast<std::int64_t>(k) * kSampleChunk);
      }
    }
  }
}

TEST(SampleChunks, ExceptionsReachTheCaller) {
  EXPECT_THROW(for_each_chunk_in_order(
                   1000, 3,
                   [](std::int64_t first, std::int64_t, int) {
                     if (first == 640) throw std::runtime_error("chunk 10");
                   },
                   [](int) {}),
               std::runtime_error);
}

void expect_same(const ReferenceStep& a, const ReferenceStep& b, const std::string& what) {
  EXPECT_EQ(a.outputs, b.outputs) << what;
  EXPECT_EQ(a.output_tolerance, b.output_tolerance) << what;
  EXPECT_EQ(a.mean_loss, b.mean_loss) << what;
  EXPECT_EQ(a.loss_tolerance, b.loss_tolerance) << what;
  EXPECT_EQ(a.exact_correct, b.exact_correct) << what;
  EXPECT_EQ(a.ambiguous_samples, b.ambiguous_samples) << what;
  EXPECT_EQ(a.first_prediction, b.first_prediction) << what;
  EXPECT_EQ(flatten(a.mean_update), flatten(b.mean_update)) << what;
  EXPECT_EQ(flatten(a.update_tolerance), flatten(b.update_tolerance)) << what;
  EXPECT_EQ(flatten(a.weights_after), flatten(b.weights_after)) << what;
  EXPECT_EQ(flatten(a.weights_tolerance), flatten(b.weights_tolerance)) << what;
}

TrainConfig config_of(std::int64_t batch) {
  TrainConfig config;
  config.bits = 8;
  config.hidden = 7;
  config.batch = batch;
  config.seed = 5;
  return config;
}

TEST(SampleChunks, TheReferenceStepIsTheSameForAnyThreadCount) {
  const TrainConfig config = config_of(1000);  // 16 chunks, the last partial
  const Parameters weights = numpy_initial_parameters(5u, config.hidden);
  const std::vector<AdditionProblem> batch = make_batch(config, 3);
  const ReferenceStep one = reference_step_with_tolerances(weights, batch, 8, 4.0, 1);
  for (const int threads : {2, 3, 7, 0}) {
    expect_same(reference_step_with_tolerances(weights, batch, 8, 4.0, threads), one,
                "threads " + std::to_string(threads));
  }
}

TEST(SampleChunks, TheDriftsUpdateIsTheSameForAnyThreadCountAndTheReferencesInOneChunk) {
  const Parameters weights = numpy_initial_parameters(5u, 7);
  const std::vector<AdditionProblem> large = make_batch(config_of(1000), 3);
  const BatchUpdate one = reference_batch_update_by_chunks(weights, large, 8, 1);
  for (const int threads : {2, 5, 0}) {
    const BatchUpdate many = reference_batch_update_by_chunks(weights, large, 8, threads);
    EXPECT_EQ(flatten(many.mean_update), flatten(one.mean_update)) << threads;
    EXPECT_EQ(many.mean_loss, one.mean_loss) << threads;
    EXPECT_EQ(many.first_prediction, one.first_prediction) << threads;
  }
  // Sums in another order than reference_batch_update's: the same to rounding.
  const BatchUpdate sequential = reference_batch_update(weights, large, 8);
  const std::vector<double> a = flatten(one.mean_update);
  const std::vector<double> b = flatten(sequential.mean_update);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-14) << k;
  // One chunk: exactly reference_batch_update.
  const std::vector<AdditionProblem> small = make_batch(config_of(kSampleChunk), 3);
  const BatchUpdate chunked = reference_batch_update_by_chunks(weights, small, 8, 4);
  const BatchUpdate plain = reference_batch_update(weights, small, 8);
  EXPECT_EQ(flatten(chunked.mean_update), flatten(plain.mean_update));
  EXPECT_EQ(chunked.mean_loss, plain.mean_loss);
}

}  // namespace
}  // namespace carry
