// fused_plan.cpp: see fused_plan.hpp.
#include "carry/fused_plan.hpp"

#include "carry/errors.hpp"

namespace carry {

CudaKernelChoice choose_cuda_kernel(const std::string& requested, int hidden, int bits) {
  if (requested == "chain") return {"chain", ""};
  if (requested != "fused") {
    throw UserError("--kernel must be chain or fused (got '" + requested + "')");
  }
  if (fused_hidden_supported(hidden) && fused_bits_supported(bits)) return {"fused", ""};
  return {"chain",
          "note: --kernel fused is compiled for --hidden 8, 16, 32, 64 and --bits 2, 4, 8, 16, 32; "
          "hidden " +
              std::to_string(hidden) + ", bits " + std::to_string(bits) +
              " runs on the chain kernels"};
}

}  // namespace carry
