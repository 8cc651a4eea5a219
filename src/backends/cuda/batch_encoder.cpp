// batch_encoder.cpp: see batch_encoder.hpp. Worker w of n draws samples [w·c, (w + 1)·c) with
// c = ceil(B / n); every sample is written by exactly one worker, so the result does not depend
// on n.
#include "carry/batch_encoder.hpp"

#include <algorithm>
#include <chrono>

#include "carry/thread_pool.hpp"
#include "device_layout.hpp"

namespace carry {

BatchEncoder::BatchEncoder(std::uint64_t seed, int bits, std::int64_t batch, int threads)
    : seed_(seed), bits_(bits), batch_(batch) {
  check_encoded_bits(bits);
  const int workers =
      static_cast<int>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(batch, 1)));
  pool_ = std::make_unique<ThreadPool>(workers);
}

BatchEncoder::~BatchEncoder() = default;

int BatchEncoder::threads() const {
  return pool_->size();
}

void BatchEncoder::encode(std::uint64_t step, std::uint32_t* operands) {
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t chunk = (batch_ + pool_->size() - 1) / pool_->size();
  pool_->run([&](int worker) {
    const std::int64_t first = std::min(batch_, worker * chunk);
    encode_samples(seed_, step, bits_, batch_, first, std::min(batch_, first + chunk), operands);
  });
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace carry
