// sample_chunks.hpp: float64 work over the samples of a batch spread over several threads, with
// results that do not depend on how many: the batch (B samples) is cut into fixed chunks of
// kSampleChunk consecutive samples, each chunk's sums are made alone, in sample order, and the
// chunks' sums are added in chunk order on the calling thread. A batch of one chunk (B <= 64)
// gives exactly the sums of one sequential loop.
//
// The reference side of `carry verify` and of the GPU tests (verification.cpp), and the drift
// trajectory, run this way: at B = 65537 they are 1025 chunks for as many cores as there are.
#pragma once

#include <cstdint>
#include <functional>

namespace carry {

constexpr std::int64_t kSampleChunk = 64;

// The threads to use for `requested` (0: every core, at most kMaxReferenceThreads; otherwise
// clamped to 1 .. kMaxReferenceThreads).
constexpr int kMaxReferenceThreads = 64;
int reference_threads(int requested);

// For every chunk c of samples [first, last) of a batch of `samples`:
//   work(first, last, slot) on one of `threads` threads, writing into the caller's storage `slot`
//   (0 .. threads - 1; a slot is reused only after merge has taken it), then
//   merge(slot) on the calling thread, in chunk order 0, 1, 2, ...
// Chunks run in waves of `threads`. The first exception of a wave is rethrown.
void for_each_chunk_in_order(
    std::int64_t samples, int threads,
    const std::function<void(std::int64_t first, std::int64_t last, int slot)>& work,
    const std::function<void(int slot)>& merge);

}  // namespace carry
