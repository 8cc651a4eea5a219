// fused_plan.cpp: which cuda kernel a --kernel request gets (see fused_plan.hpp).
#include "fused_plan.hpp"

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"

namespace carry {

namespace {

std::string shape_text(int hidden, int bits) {
  return "hidden " + std::to_string(hidden) + ", bits " + std::to_string(bits);
}

bool v1_supported(int hidden, int bits) {
  return fused_hidden_supported(hidden) && fused_bits_supported(bits);
}

CudaKernelChoice v1_or_chain(int hidden, int bits, const std::string& why) {
  if (v1_supported(hidden, bits)) return {"fused-v1", 1, why};
  return {"chain", 0,
          "note: the fused kernels are compiled for --hidden 8, 16, 32, 64 and --bits 2, 4, 8, "
          "16, 32; " +
              shape_text(hidden, bits) + " runs on the chain kernels"};
}

}  // namespace

const std::vector<std::string>& cuda_kernel_names() {
  static const std::vector<std::string> names{"chain", "fused", "fused-v1", "fused-v2"};
  return names;
}

bool is_cuda_kernel_name(const std::string& name) {
  for (const std::string& known : cuda_kernel_names()) {
    if (name == known) return true;
  }
  return false;
}

CudaKernelChoice choose_cuda_kernel(const std::string& requested, int hidden, int bits) {
  if (!is_cuda_kernel_name(requested)) {
    throw UserError(std::string("--kernel must be ") + kCudaKernelNames + " (got '" + requested +
                    "')");
  }
  if (requested == "chain") return {"chain", 0, ""};
  if (requested == "fused-v1") return v1_or_chain(hidden, bits, "");
  if (fused_v2_supported(hidden, bits)) return {"fused-v2", 2, ""};
  // "fused" quietly takes the newest version there is; an explicit fused-v2 says what it got.
  if (requested == "fused") return v1_or_chain(hidden, bits, "");
  CudaKernelChoice choice = v1_or_chain(hidden, bits, "");
  if (choice.fused_version == 1) {
    choice.note =
        "note: fused-v2 is compiled for --hidden 8, 16, 32 and the --bits whose history "
        "fits in shared memory; " +
        shape_text(hidden, bits) + " runs on fused-v1";
  }
  return choice;
}

}  // namespace carry
