// host_device.hpp: marks functions that both the CPU code and CUDA kernels compile.
// Plain g++ sees an empty macro, so headers that use it stay free of CUDA syntax.
#pragma once

#if defined(__CUDACC__)
#define CARRY_HOST_DEVICE __host__ __device__
#else
#define CARRY_HOST_DEVICE
#endif

// Loop unrolling requests for code both compilers see: nvcc's device pass unrolls (the loop
// bounds are compile-time there); the host compilers get nothing and decide for themselves.
#if defined(__CUDA_ARCH__)
#define CARRY_UNROLL _Pragma("unroll")
#define CARRY_NO_UNROLL _Pragma("unroll 1")
#else
#define CARRY_UNROLL
#define CARRY_NO_UNROLL
#endif
