// host_device.hpp: marks functions that both the CPU code and CUDA kernels compile.
// Plain g++ sees an empty macro, so headers that use it stay free of CUDA syntax.
#pragma once

#if defined(__CUDACC__)
#define CARRY_HOST_DEVICE __host__ __device__
#else
#define CARRY_HOST_DEVICE
#endif
