// device_layout_test.cpp: label `cpu`. The cuda backend's host/device pieces that need no GPU:
// the index arithmetic of the device layout, the uint32 batch encoding against the shared
// problem generator, the memory arithmetic behind "the largest batch that fits", and γ(n).
#include "device_layout.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "carry/float32_error.hpp"

namespace carry {
namespace {

const BatchLayout kLayouts[] = {{2, 1, 1}, {2, 7, 3}, {8, 16, 5}, {16, 3, 17}, {32, 2, 9}};

// Marks every index a function produces; each must be in range and hit exactly once.
template <typename Visit>
void expect_bijection(std::int64_t size, Visit visit, const char* what) {
  std::vector<int> hits(static_cast<std::size_t>(size), 0);
  visit([&](std::int64_t index) {
    ASSERT_GE(index, 0) << what;
    ASSERT_LT(index, size) << what;
    ++hits[static_cast<std::size_t>(index)];
  });
  for (std::int64_t k = 0; k < size; ++k) EXPECT_EQ(hits[k], 1) << what << " index " << k;
}

TEST(DeviceLayout, EveryTensorIndexIsABijection) {
  for (const BatchLayout& L : kLayouts) {
    SCOPED_TRACE("T " + std::to_string(L.bits) + " H " + std::to_string(L.hidden) + " B " +
                 std::to_string(L.batch));
    expect_bijection(
        L.hidden_size(),
        [&](auto mark) {
          for (int t = -1; t < L.bits; ++t)
            for (std::int64_t s = 0; s < L.batch; ++s)
              for (int j = 0; j < L.hidden; ++j) mark(L.hidden_index(t, s, j));
        },
        "hidden");
    expect_bijection(
        L.deltas_size(),
        [&](auto mark) {
          for (int t = 0; t < L.bits; ++t)
            for (std::int64_t s = 0; s < L.batch; ++s)
              for (int j = 0; j < L.hidden; ++j) mark(L.delta_index(t, s, j));
        },
        "deltas");
    expect_bijection(
        L.inputs_size(),
        [&](auto mark) {
          for (int t = 0; t < L.bits; ++t)
            for (std::int64_t s = 0; s < L.batch; ++s)
              for (int i = 0; i < 2; ++i) mark(L.input_index(t, s, i));
        },
        "inputs");
    expect_bijection(
        L.positions(),
        [&](auto mark) {
          for (int t = 0; t < L.bits; ++t)
            for (std::int64_t s = 0; s < L.batch; ++s) mark(L.position(t, s));
        },
        "positions");
  }
}

TEST(DeviceLayout, GemmViewsSeeTheRightElements) {
  // weight_updates.cpp reads h_{t-1} as rows 0..K-1 and h_t as rows B..B+K-1 of the column-major
  // view of hidden (leading dimension (T+1)·B): element (k, j) at j·ld + k (+ B).
  const BatchLayout L{5, 4, 7};
  for (int t = 0; t < L.bits; ++t) {
    for (std::int64_t s = 0; s < L.batch; ++s) {
      for (int j = 0; j < L.hidden; ++j) {
        const std::int64_t k = L.position(t, s);
        EXPECT_EQ(L.hidden_index(t - 1, s, j), j * L.hidden_columns() + k);
        EXPECT_EQ(L.hidden_index(t, s, j), j * L.hidden_columns() + L.batch + k);
        EXPECT_EQ(L.delta_index(t, s, j), j * L.positions() + k);
      }
    }
  }
  // The initial state h_{-1} occupies exactly columns [0, B) of every unit's row.
  for (std::int64_t s = 0; s < L.batch; ++s)
    EXPECT_EQ(L.hidden_index(-1, s, 2), 2 * L.hidden_columns() + s);
}

TEST(DeviceLayout, WeightOffsetsFollowParameters) {
  const BatchLayout L{8, 5, 1};
  EXPECT_EQ(L.w0_offset(), 0);
  EXPECT_EQ(L.wh_offset(), 2 * 5);
  EXPECT_EQ(L.w1_offset(), 2 * 5 + 25);
  EXPECT_EQ(L.weight_count(), 2 * 5 + 25 + 5);
}

TEST(BatchEncoding, MatchesTheSharedGeneratorForEveryLength) {
  const std::int64_t batch = 1000;
  std::vector<std::uint32_t> operands(2 * batch);
  for (int bits = kMinBits; bits <= kMaxEncodedBits; ++bits) {
    encode_batch(77, 12345, bits, batch, operands.data());
    for (std::int64_t s = 0; s < batch; ++s) {
      const AdditionProblem p = counter_problem(77, 12345, static_cast<std::uint64_t>(s), bits);
      ASSERT_EQ(operand_a(operands.data(), s), p.a) << "bits " << bits << " sample " << s;
      ASSERT_EQ(operand_b(operands.data(), batch, s), p.b) << "bits " << bits << " sample " << s;
      for (int t = 0; t < bits; ++t) {
        ASSERT_EQ(
            target_bit(operand_a(operands.data(), s), operand_b(operands.data(), batch, s), t),
            bit_at(p.sum(), t));
      }
    }
  }
}

TEST(BatchEncoding, LargestOperandsStillGiveTheRightTargets) {
  // bits = 32: a, b up to 2^31 - 1, a + b up to 2^32 - 2, bit 31 of the sum set.
  const std::uint32_t a = 0x7FFFFFFFu;
  const std::uint32_t b = 0x7FFFFFFFu;
  const std::uint64_t sum = std::uint64_t{a} + b;
  for (int t = 0; t < 32; ++t) EXPECT_EQ(target_bit(a, b, t), bit_at(sum, t)) << t;
  EXPECT_EQ(target_bit(a, b, 31), 1);
  EXPECT_EQ(target_bit(a, b, 0), 0);
}

TEST(BatchEncoding, ThreadCountDoesNotChangeTheBatch) {
  for (std::int64_t batch : {1, 2, 7, 1000, 65537}) {
    std::vector<std::uint32_t> single(2 * batch), split(2 * batch);
    encode_batch(5, 9, 13, batch, single.data(), 1);
    for (int threads : {2, 3, 8, 64}) {
      std::fill(split.begin(), split.end(), 0xDEADBEEFu);
      encode_batch(5, 9, 13, batch, split.data(), threads);
      EXPECT_EQ(split, single) << "batch " << batch << " threads " << threads;
    }
  }
  EXPECT_GE(encoding_threads(1), 1);
  EXPECT_EQ(encoding_threads(1), 1);
  EXPECT_LE(encoding_threads(std::int64_t{1} << 26), 16);
}

TEST(BatchEncoding, RefusesLengthsBeyondUint32) {
  std::vector<std::uint32_t> operands(2);
  EXPECT_THROW(encode_batch(0, 0, kMaxEncodedBits + 1, 1, operands.data()), std::invalid_argument);
  EXPECT_THROW(encode_batch(0, 0, 1, 1, operands.data()), std::invalid_argument);
}

TEST(DeviceMemory, LargestBatchIsTheLargestThatFits) {
  for (int bits : {2, 8, 32}) {
    for (int hidden : {1, 16, 256}) {
      const std::int64_t per_sample = device_bytes_per_sample(bits, hidden);
      // Every per-sample tensor of device_layout.hpp, counted by hand.
      EXPECT_EQ(per_sample,
                4 * ((bits + 1) * hidden + bits * hidden + 2 * bits + 2 * bits) + 8 + 8 + 4);
      for (std::int64_t available : {std::int64_t{1} << 20, std::int64_t{141} << 30}) {
        const std::int64_t fixed = std::int64_t{300} << 10;
        const std::int64_t largest = largest_batch_that_fits(available, fixed, bits, hidden);
        EXPECT_LE(fixed + largest * per_sample, available);
        EXPECT_GT(fixed + (largest + 1) * per_sample, available);
      }
      EXPECT_EQ(largest_batch_that_fits(1000, 1000, bits, hidden), 0);
      EXPECT_EQ(largest_batch_that_fits(1000, 5000, bits, hidden), 0);
    }
  }
}

TEST(Float32Error, GammaIsTheSmallerOfTheWorstCaseAndTheProbabilisticBound) {
  const double u = kUnitRoundoff32;
  EXPECT_EQ(u, std::ldexp(1.0, -24));
  EXPECT_DOUBLE_EQ(float32_sum_error(1), 1 * u);
  EXPECT_DOUBLE_EQ(float32_sum_error(16), 16 * u);  // n = 4·√n at n = 16
  EXPECT_DOUBLE_EQ(float32_sum_error(18), 4 * std::sqrt(18.0) * u);
  EXPECT_DOUBLE_EQ(float32_sum_error(8 << 20), 4 * std::sqrt(double(8 << 20)) * u);
  double previous = 0.0;
  for (int n = 1; n < 100000; n += 7) {
    EXPECT_GT(float32_sum_error(n), previous);
    previous = float32_sum_error(n);
  }
}

}  // namespace
}  // namespace carry
