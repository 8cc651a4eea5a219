// batch_encoder.hpp: how the cuda chain kernels' host side draws a run's batches: the problems
// of step k (the shared counter-based generator), packed as uint32 operands, 2 x B (a then b;
// device_layout.hpp), into pinned memory, by one pool of threads kept for the whole run rather
// than threads started for every step. It also keeps the host time spent drawing, so that a
// timing can say whether the host or the GPU sets the pace. No CUDA here.
#pragma once

#include <cstdint>
#include <memory>

namespace carry {

class ThreadPool;

class BatchEncoder {
 public:
  // `threads` workers (encoding_threads(batch) is what is worth it); throws std::invalid_argument
  // for bits the uint32 packing cannot hold.
  BatchEncoder(std::uint64_t seed, int bits, std::int64_t batch, int threads);
  ~BatchEncoder();
  BatchEncoder(const BatchEncoder&) = delete;
  BatchEncoder& operator=(const BatchEncoder&) = delete;

  // Step `step`'s batch into `operands` (2 x B), exactly as encode_batch writes it.
  void encode(std::uint64_t step, std::uint32_t* operands);

  int threads() const;
  // Host seconds spent in encode() so far (steady clock).
  double seconds() const { return seconds_; }

 private:
  std::uint64_t seed_;
  int bits_;
  std::int64_t batch_;
  std::unique_ptr<ThreadPool> pool_;
  double seconds_ = 0.0;
};

}  // namespace carry
