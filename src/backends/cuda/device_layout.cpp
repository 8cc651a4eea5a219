// device_layout.cpp: see device_layout.hpp. The batch encoding for the cuda backend: the host
// draws each step's problems with the shared counter-based generator and packs them as uint32,
// into pinned buffers whose size is the backend's host memory need.
#include "device_layout.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "carry/cuda_backend.hpp"
#include "carry/worker_threads.hpp"

namespace carry {

void encode_samples(std::uint64_t seed, std::uint64_t step, int bits, std::int64_t batch,
                    std::int64_t first, std::int64_t last, std::uint32_t* operands) {
  for (std::int64_t s = first; s < last; ++s) {
    const AdditionProblem p = counter_problem(seed, step, static_cast<std::uint64_t>(s), bits);
    operands[s] = static_cast<std::uint32_t>(p.a);
    operands[batch + s] = static_cast<std::uint32_t>(p.b);
  }
}

void check_encoded_bits(int bits) {
  if (bits < kMinBits || bits > kMaxEncodedBits) {
    throw std::invalid_argument("encode_batch: bits must be between " + std::to_string(kMinBits) +
                                " and " + std::to_string(kMaxEncodedBits));
  }
}

void encode_batch(std::uint64_t seed, std::uint64_t step, int bits, std::int64_t batch,
                  std::uint32_t* operands, int threads) {
  check_encoded_bits(bits);
  threads =
      static_cast<int>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(batch, 1)));
  if (threads == 1) {
    encode_samples(seed, step, bits, batch, 0, batch, operands);
    return;
  }
  const std::int64_t chunk = (batch + threads - 1) / threads;
  run_on_threads(threads, [&](int w) {
    const std::int64_t first = std::min(batch, w * chunk);
    const std::int64_t last = std::min(batch, first + chunk);
    encode_samples(seed, step, bits, batch, first, last, operands);
  });
}

MemoryNeed cuda_host_memory_need(const TrainConfig&) {
  // Host side only (the GPU's own memory is checked by the backend): two pinned slots of
  // encode_batch's 2 x B, drawn by up to 16 threads, each past the first with its stack.
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  MemoryNeed need;
  need.bytes_per_sample = 2 * 2 * sizeof(std::uint32_t);
  need.fixed_bytes = (std::min<std::uint64_t>(cores, 16) - 1) * thread_stack_bytes();
  return need;
}

int encoding_threads(std::int64_t batch) {
  // One Philox draw costs some 30 ns; a thread pays off once it has ~16k of them (~0.5 ms).
  constexpr std::int64_t kSamplesPerThread = 16384;
  const std::int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(
      std::clamp<std::int64_t>(batch / kSamplesPerThread, 1, std::min<std::int64_t>(cores, 16)));
}

std::vector<float> device_weights(const Parameters& params) {
  const BatchLayout layout{kMinBits, params.hidden, 1};  // only the weight offsets are used
  std::vector<float> weights(static_cast<std::size_t>(layout.weight_count()));
  auto put = [&](const std::vector<double>& values, int offset) {
    for (std::size_t k = 0; k < values.size(); ++k) weights[offset + k] = float(values[k]);
  };
  put(params.w0, layout.w0_offset());
  put(params.wh, layout.wh_offset());
  put(params.w1, layout.w1_offset());
  return weights;
}

Parameters parameters_from_device(const std::vector<float>& weights, int hidden) {
  const BatchLayout layout{kMinBits, hidden, 1};
  Parameters params = Parameters::zeros(hidden);
  auto take = [&](std::vector<double>& values, int offset) {
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = weights[offset + k];
  };
  take(params.w0, layout.w0_offset());
  take(params.wh, layout.wh_offset());
  take(params.w1, layout.w1_offset());
  return params;
}

}  // namespace carry
