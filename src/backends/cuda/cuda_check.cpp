// cuda_check.cpp: see cuda_check.hpp.
#include "cuda_check.hpp"

#include <cstring>

#include "cublas_library.hpp"

namespace carry::cuda_detail {

namespace {
// "…/src/backends/cuda/x.cpp" -> "src/backends/cuda/x.cpp": the path inside the repository,
// when recognisable.
std::string short_path(const char* file) {
  const std::string path = file;
  for (const char* root : {"/kernels/", "/src/", "/tests/"}) {
    const std::size_t at = path.rfind(root);
    if (at != std::string::npos) return path.substr(at + 1);
  }
  return path;
}

std::string where(const char* expression, const char* file, int line) {
  return std::string(expression) + " failed at " + short_path(file) + ":" + std::to_string(line);
}
}  // namespace

void check_cuda(cudaError_t status, const char* expression, const char* file, int line) {
  if (status == cudaSuccess) return;
  throw DeviceError("CUDA error: " + where(expression, file, line) + ": " +
                        cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")",
                    status);
}

void check_cublas(cublasStatus_t status, const char* expression, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  // A status came from cuBLAS, so the library is loaded and cublas() returns at once.
  throw DeviceError("cuBLAS error: " + where(expression, file, line) + ": " +
                        cuda::cublas().get_status_string(status),
                    cudaSuccess);
}

}  // namespace carry::cuda_detail
