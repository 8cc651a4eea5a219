// fused_trainer.hpp: the cuda backend's fused variant (`--kernel fused`), built by
// make_cuda_trainer when choose_cuda_kernel picks it. Host side of kernels/fused_step_v1.cu.
#pragma once

#include <memory>
#include <string>

#include "carry/cuda_backend.hpp"

namespace carry::cuda {

// config.hidden and config.bits must have a fused kernel (fused_plan.hpp).
std::unique_ptr<CudaTrainer> make_fused_trainer(const TrainConfig& config,
                                                const Parameters& initial, std::string device);

}  // namespace carry::cuda
