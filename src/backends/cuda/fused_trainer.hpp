// fused_trainer.hpp: the cuda backend's fused variants (`--kernel fused`, fused-v1, fused-v2),
// built by make_cuda_trainer when choose_cuda_kernel picks one. Host side of
// kernels/fused_step_v1.cu and fused_step_v2.cu.
#pragma once

#include <memory>
#include <string>

#include "carry/cuda_backend.hpp"

namespace carry::cuda {

// config.hidden and config.bits must have a fused kernel of this version (1 or 2;
// fused_plan.hpp).
std::unique_ptr<CudaTrainer> make_fused_trainer(const TrainConfig& config,
                                                const Parameters& initial, std::string device,
                                                int version);

}  // namespace carry::cuda
