// vector_kernel.hpp: the cpu backend's float32 kernel, compiled once per instruction set
// (AVX2+FMA, AVX-512) from vector_kernel.inc and chosen at run time.
//
// A chunk is up to kChunkSamples problems, processed kLanes at a time with one sample per vector
// lane, so every weight is broadcast and no sum runs across lanes until the chunk ends.
// Shapes: H hidden, T bits. The forward pass uses the stacked matrix
//   W_stack = [Wh; W0]   (H + 2) x H, row-major: rows 0..H-1 are Wh, rows H, H+1 are W0,
// so that z_t = [h_{t-1}, x_t] (1 x (H + 2)) gives the pre-activation z_t·W_stack, and the
// update of W_stack is Σ_t z_tᵀ δ_t in one loop.
//
// A chunk's last few samples (at most 4 beyond its full blocks of 16) go one at a time, with the
// hidden units across the lanes instead, and chunks under 16 samples sum only the lanes they
// use; both give the same bits as the 16-lane pass (vector_kernel.inc says why).
#pragma once

#include <cstdint>

namespace carry::cpu {

constexpr int kLanes = 16;          // samples per vector (two AVX2 registers, one AVX-512)
constexpr int kChunkSamples = 128;  // fixed reduction unit: results never depend on threads

// Scratch one thread reuses across chunks: the block's z history, δ history and the
// per-lane update accumulators. Sized by reserve_workspace().
struct Workspace {
  float* storage = nullptr;
  std::int64_t floats = 0;
};
std::int64_t workspace_floats(int hidden, int bits);

struct ChunkTask {
  int hidden = 0;
  int bits = 0;
  const float* w_stack = nullptr;  // (H + 2) x H
  const float* w1 = nullptr;       // H
  // Problems of the chunk as 32-bit operands (training has bits <= 32, so a + b < 2^32).
  const std::uint32_t* a = nullptr;
  const std::uint32_t* b = nullptr;
  int count = 0;  // 1 .. kChunkSamples
  // Outputs: sums over the chunk's samples, in float64 (the mean is taken by the caller).
  double* update_stack = nullptr;             // (H + 2) x H, -∂L/∂W_stack
  double* update_w1 = nullptr;                // H
  double* loss = nullptr;                     // Σ 0.5 Σ_t (y - out)^2
  std::uint64_t* first_prediction = nullptr;  // if set: the answer to problem 0
  float* scratch = nullptr;                   // workspace_floats(H, T) floats, 64-byte aligned
  // Tests: every sample through the 16-lane pass and every lane summed (the general path that
  // the sample path and the short lane sums must match bit for bit).
  bool blocks_only = false;
};

// Lanes over runs: several runs of a batch B below kLanes side by side in one 16-lane pass, for
// sweeps (one run of B < 16 would leave lanes empty). Lane l holds sample l % B of run l / B,
// with that run's weights; each run's sums add only its own lanes, in order, so each run gets
// exactly what a chunk of its B samples gives (train_chunk sums lanes 0 .. B-1 alike).
struct LanesTask {
  int hidden = 0;
  int bits = 0;
  int batch = 0;  // B, 1 .. kLanes
  int runs = 0;   // 1 .. kLanes / B
  // Weights lane by lane, 64-byte aligned: weight k of lane l at [k·kLanes + l], that lane's run's.
  const float* w_stack = nullptr;    // (H + 2)·H·kLanes
  const float* w1 = nullptr;         // H·kLanes
  const std::uint32_t* a = nullptr;  // runs·B problems, run after run
  const std::uint32_t* b = nullptr;
  // Each run's sums over its B samples, lane by lane like the weights: entry [k·kLanes + l] is
  // the sum of lane l's run (repeated in each of its lanes; 0 in lanes of no run), so that the
  // update of every lane's weights is one loop over the lanes.
  double* update_stack = nullptr;             // (H + 2)·H·kLanes
  double* update_w1 = nullptr;                // H·kLanes
  double* loss = nullptr;                     // runs
  std::uint64_t* first_prediction = nullptr;  // runs: the answer to each run's first problem
  float* scratch = nullptr;                   // workspace_floats(H, T) floats, 64-byte aligned
};

// The SGD step of every lane after train_lanes, as CpuTrainer applies the sums of a batch of one
// chunk: W += lr · ((0.0 + sum) / B) rounded once to float32, the product and the sum each
// rounded (the trainer's are not fused either); and each lane's largest |w| afterwards, as the
// bits largest_magnitude.hpp compares. Lanes of no run have lr 0.
struct LanesUpdate {
  int hidden = 0;
  int batch = 0;
  float* w_stack = nullptr;               // (H + 2)·H·kLanes, updated in place
  float* w1 = nullptr;                    // H·kLanes
  const double* update_stack = nullptr;   // train_lanes's sums, (H + 2)·H·kLanes
  const double* update_w1 = nullptr;      // H·kLanes
  const double* lr = nullptr;             // kLanes
  std::uint32_t* largest_bits = nullptr;  // kLanes
};

struct KernelTable {
  const char* isa;
  void (*train_chunk)(const ChunkTask& task);
  // The kernel's sigmoid and exp over arrays, for tests of their error bounds.
  void (*sigmoid)(const float* x, float* y, std::int64_t n);
  void (*exp)(const float* x, float* y, std::int64_t n);
  // 2 · kLanes · fma_chains FLOP per iteration of independent FMAs (see bench/fma_peak).
  float (*fma_loop)(std::int64_t iterations);
  int fma_chains;
  void (*train_lanes)(const LanesTask& task);
  void (*apply_lanes)(const LanesUpdate& update);
};

const KernelTable& avx2_kernel();
const KernelTable& avx512_kernel();

// The best kernel this processor runs; nullptr when it lacks AVX2 and FMA.
const KernelTable* best_kernel();

}  // namespace carry::cpu
