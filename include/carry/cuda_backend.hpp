// cuda_backend.hpp: the cuda backend, float32 on one NVIDIA GPU. No CUDA syntax here: builds
// without CUDA get a stub whose make_cuda_trainer says so.
//
// Each step: the host draws the batch with the shared counter-based generator into pinned memory
// (one thread pool for the run, batch_encoder.hpp; double-buffered, so drawing step k + 1
// overlaps the GPU's step k) and queues one CUDA Graph
// replay: upload, T forward kernels, per-sample loss and exact-match flags reduced with CUB, T
// backward kernels, three cuBLAS GEMMs for the mean update, one SGD kernel. The host waits only
// when it needs a result (collect_steps, parameters, run_step). See kernels/ and
// src/backends/cuda/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/memory_budget.hpp"
#include "carry/parameters.hpp"
#include "carry/step_detail.hpp"

namespace carry {

// What timed_steps measured. The GPU's work and the host's batch drawing overlap (the host draws
// step k + 1 while the GPU runs step k), so the slower of the two sets the pace.
struct StepTiming {
  std::int64_t steps = 0;
  // CUDA events from the start of the first step's work to the end of the last's, including any
  // time the GPU waited for the host: what a training run sees.
  double elapsed_seconds = 0.0;
  // The GPU's work alone: the sum over steps of CUDA events recorded just before and after each
  // step's graph launch, once its batch is ready.
  double gpu_seconds = 0.0;
  // Host seconds spent drawing and packing the steps' batches (steady clock); 0 for the fused
  // kernels, which draw them on the GPU.
  double host_draw_seconds = 0.0;
  bool host_draws = false;  // whether the host draws the batches (the chain) at all
};

class CudaTrainer : public DetailedStepper {
 public:
  // Runs steps first .. first + count - 1 through the pipelined path and times them.
  virtual StepTiming timed_steps(std::uint64_t first, std::int64_t count) = 0;
  // The GPU's name and compute capability.
  virtual std::string device_name() const = 0;
  bool queues_steps() const override { return true; }
};

// Which cuda kernel a run gets. --kernel chain, fused (the newest fused version compiled for
// (H, T)), fused-v1 or fused-v2. A fused request with an (H, T) that has no such kernel falls back
// (fused-v2 to v1, then to the chain), and `note` says so (printed once by make_cuda_trainer).
struct CudaKernelChoice {
  std::string kernel;     // "chain", "fused-v1" or "fused-v2"
  int fused_version = 0;  // 0 for the chain
  std::string note;       // empty unless the request was changed
};

// The --kernel values, for messages, and the option's help.
constexpr const char* kCudaKernelNames = "chain, fused, fused-v1 or fused-v2";
constexpr const char* kCudaKernelHelp =
    "cuda kernels: chain (per-position kernels, the default), fused (one kernel a step, the "
    "newest version compiled for the size), fused-v1 or fused-v2; the fused kernels are "
    "unverified on hardware";
bool is_cuda_kernel_name(const std::string& name);
// The same names as a list, for --kernel's parser: chain, fused, fused-v1, fused-v2.
const std::vector<std::string>& cuda_kernel_names();

// Throws UserError for a name that is not one of kCudaKernelNames.
CudaKernelChoice choose_cuda_kernel(const std::string& requested, int hidden, int bits);

// Whether this carry was built with the cuda backend.
bool cuda_backend_built();
// Built, and a GPU it can run on is present.
bool cuda_backend_usable();

// What the run needs of the host's memory: two pinned batch buffers of two 32-bit operands per
// sample. (The GPU's own memory is checked by make_cuda_trainer.)
MemoryNeed cuda_host_memory_need(const TrainConfig& config);

// Allocates everything the run needs on the GPU, once. Throws UserError when this carry was
// built without CUDA, when no usable GPU is present (naming why), when bits exceed 32, and when
// the batch does not fit in the GPU's free memory (naming the largest batch that would).
std::unique_ptr<CudaTrainer> make_cuda_trainer(const TrainConfig& config,
                                               const Parameters& initial);

}  // namespace carry
