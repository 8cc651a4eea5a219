// sample_chunks.cpp: see sample_chunks.hpp. The waves run on a thread pool made per call (a few
// threads for at most a second of work each; starting them costs microseconds).
#include "carry/sample_chunks.hpp"

#include <algorithm>
#include <thread>

#include "carry/thread_pool.hpp"

namespace carry {

int reference_threads(int requested) {
  if (requested > 0) return std::min(requested, kMaxReferenceThreads);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::min(cores, kMaxReferenceThreads);
}

void for_each_chunk_in_order(
    std::int64_t samples, int threads,
    const std::function<void(std::int64_t first, std::int64_t last, int slot)>& work,
    const std::function<void(int slot)>& merge) {
  const std::int64_t chunks = (samples + kSampleChunk - 1) / kSampleChunk;
  const int workers =
      static_cast<int>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(chunks, 1)));
  ThreadPool pool(workers);
  for (std::int64_t wave = 0; wave < chunks; wave += workers) {
    const std::int64_t in_wave = std::min<std::int64_t>(workers, chunks - wave);
    pool.run([&](int worker) {
      if (worker >= in_wave) return;
      const std::int64_t first = (wave + worker) * kSampleChunk;
      work(first, std::min(samples, first + kSampleChunk), worker);
    });
    for (int slot = 0; slot < in_wave; ++slot) merge(slot);
  }
}

}  // namespace carry
