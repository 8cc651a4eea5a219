// cpu_kernels_here.hpp: the cpu kernels this processor runs (AVX2, and AVX-512 where present),
// for tests that hold each instruction set's build to the same bits. Test code only.
#pragma once

#include <string>
#include <vector>

#include "vector_kernel.hpp"

namespace carry::testing {

inline std::vector<const cpu::KernelTable*> kernels_here() {
  std::vector<const cpu::KernelTable*> kernels;
  if (cpu::best_kernel() == nullptr) return kernels;
  kernels.push_back(&cpu::avx2_kernel());
  if (std::string(cpu::best_kernel()->isa) == "avx512") kernels.push_back(&cpu::avx512_kernel());
  return kernels;
}

}  // namespace carry::testing
