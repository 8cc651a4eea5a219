// vector_kernel_avx512.cpp: the cpu kernel for AVX-512 (x86-64-v4); see vector_kernel.inc.
// Built with -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -ffp-contract=fast; only called
// after a run-time check of the CPU.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <immintrin.h>

#include "vector_kernel.hpp"

namespace carry::cpu {
namespace avx512 {
constexpr int kTile = 8;        // 8 of the 32 zmm registers hold accumulators
constexpr int kFmaChains = 12;  // enough independent FMAs to fill both pipes
#include "vector_kernel.inc"
}  // namespace avx512

const KernelTable& avx512_kernel() {
  static const KernelTable table{
      "avx512",         avx512::train_chunk, avx512::sigmoid_array, avx512::exp_array,
      avx512::fma_loop, avx512::kFmaChains,  avx512::train_lanes,   avx512::apply_lanes};
  return table;
}

}  // namespace carry::cpu
