// multi_run_kernels.hpp: the host launcher of the multi-run kernel (kernels/multi_run_v1.cu).
// Pointers in the LaunchArgs are device memory (multi_run_plan.hpp's records). Host code only.
//
// Shapes: H hidden (compiled: multi_run::kHidden), T bits (2 .. 13), S threads per block
// (multi_run::threads_for), one block per run.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "multi_run_plan.hpp"

namespace carry::cuda {

// Raises the kernel's dynamic shared memory limit to multi_run::kMaxSharedBytes; call once per
// H before its first launch. Throws std::invalid_argument for an H without a kernel.
void prepare_multi_run(int hidden);

// Block b trains run args.active[b], b < blocks, for up to args.steps steps. Checks the shape and
// the launch (std::invalid_argument, DeviceError); does not wait for the GPU.
void launch_multi_run(int hidden, std::int64_t blocks, const multi_run::LaunchArgs& args,
                      cudaStream_t stream);

// The kernel for H (for cudaFuncGetAttributes), or null.
const void* multi_run_kernel_pointer(int hidden);

}  // namespace carry::cuda
