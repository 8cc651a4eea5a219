// cuda_check.hpp: CUDA_CHECK and CUBLAS_CHECK, which throw DeviceError naming the failing
// expression, the file and line, and the library's own description of the error.
// Host code only (plain .cpp files and the host side of kernels/*.cu).
#pragma once

#include <cublas_api.h>
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace carry {

// A CUDA or cuBLAS call failed; the command line prints what() as one line.
class DeviceError : public std::runtime_error {
 public:
  DeviceError(const std::string& message, cudaError_t cuda_status)
      : std::runtime_error(message), cuda_status_(cuda_status) {}
  cudaError_t cuda_status() const { return cuda_status_; }  // cudaSuccess for cuBLAS failures

 private:
  cudaError_t cuda_status_;
};

namespace cuda_detail {
void check_cuda(cudaError_t status, const char* expression, const char* file, int line);
void check_cublas(cublasStatus_t status, const char* expression, const char* file, int line);
}  // namespace cuda_detail

}  // namespace carry

#define CUDA_CHECK(expression) \
  ::carry::cuda_detail::check_cuda((expression), #expression, __FILE__, __LINE__)
#define CUBLAS_CHECK(expression) \
  ::carry::cuda_detail::check_cublas((expression), #expression, __FILE__, __LINE__)
