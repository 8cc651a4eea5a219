// batch_encoder_test.cpp: label `cpu`. The cuda chain's host-side batch drawing
// (batch_encoder.hpp): one pool of threads for the run writes exactly what encode_batch writes, for
// any thread count and step after step, and keeps the host time it spent. Shapes: B batch (operands
// 2 x B).
#include "carry/batch_encoder.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "device_layout.hpp"

namespace carry {
namespace {

TEST(BatchEncoder, WritesWhatEncodeBatchWritesForAnyThreadCount) {
  for (const std::int64_t batch : {1, 2, 7, 1000, 40001}) {
    for (const int threads : {1, 2, 3, 5, 16}) {
      BatchEncoder encoder(99, 13, batch, threads);
      EXPECT_EQ(encoder.threads(), std::min<std::int64_t>(threads, batch));
      std::vector<std::uint32_t> pooled(static_cast<std::size_t>(2 * batch), 0xdeadbeefu);
      std::vector<std::uint32_t> expected(pooled.size());
      for (std::uint64_t step : {0ull, 1ull, 2ull, 1ull << 33}) {  // the pool is reused
        encoder.encode(step, pooled.data());
        encode_batch(99, step, 13, batch, expected.data());
        ASSERT_EQ(pooled, expected) << "B " << batch << " threads " << threads << " step " << step;
      }
    }
  }
}

TEST(BatchEncoder, KeepsTheHostTimeItSpent) {
  BatchEncoder encoder(1, 8, 20000, 2);
  EXPECT_EQ(encoder.seconds(), 0.0);
  std::vector<std::uint32_t> operands(40000);
  encoder.encode(0, operands.data());
  const double once = encoder.seconds();
  EXPECT_GT(once, 0.0);
  encoder.encode(1, operands.data());
  EXPECT_GT(encoder.seconds(), once);
}

TEST(BatchEncoder, RefusesBitsTheUint32PackingCannotHold) {
  EXPECT_THROW(BatchEncoder(0, kMaxEncodedBits + 1, 4, 1), std::invalid_argument);
  EXPECT_THROW(BatchEncoder(0, 1, 4, 1), std::invalid_argument);
}

}  // namespace
}  // namespace carry
