// vector_kernel_avx2.cpp: the cpu kernel for AVX2 + FMA (x86-64-v3); see vector_kernel.inc.
// Built with -mavx2 -mfma -ffp-contract=fast; only called after a run-time check of the CPU.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <immintrin.h>

#include "vector_kernel.hpp"

namespace carry::cpu {
namespace avx2 {
constexpr int kTile = 4;       // 4 accumulators of two ymm registers each: 8 of the 16
constexpr int kFmaChains = 6;  // enough independent FMAs to fill both pipes
#include "vector_kernel.inc"
}  // namespace avx2

const KernelTable& avx2_kernel() {
  static const KernelTable table{
      "avx2",         avx2::train_chunk, avx2::sigmoid_array, avx2::exp_array,
      avx2::fma_loop, avx2::kFmaChains,  avx2::train_lanes,   avx2::apply_lanes};
  return table;
}

std::int64_t workspace_floats(int hidden, int bits) {
  return avx2::workspace_vecs(hidden, bits) * kLanes;
}

}  // namespace carry::cpu
