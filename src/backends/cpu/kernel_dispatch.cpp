// kernel_dispatch.cpp: picks the cpu kernel for the processor carry runs on. Compiled for the
// x86-64 baseline, so a machine without AVX2 gets an error message rather than an illegal
// instruction.
#include "vector_kernel.hpp"

namespace carry::cpu {

const KernelTable* best_kernel() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    return &avx512_kernel();
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &avx2_kernel();
#endif
  return nullptr;
}

}  // namespace carry::cpu
