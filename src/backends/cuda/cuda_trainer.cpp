// cuda_trainer.cpp: the cuda backend (see cuda_backend.hpp): device memory, the step as one
// CUDA Graph, the double-buffered upload of batches, and reading results back.
//
// Shapes: B batch, T bits, H hidden, K = T·B; the device layout is device_layout.hpp.
// Everything runs on one stream. A step is captured once per (input slot, apply) pair:
//   upload operands (pinned slot -> device)
//   forward, t = 0 .. T - 1                                  kernels/forward.cu
//   per-sample loss and exact flags, CUB totals              kernels/metrics.cu
//   backward, t = T - 1 .. 0                                 kernels/backward.cu
//   mean update: three GEMMs                                 weight_updates.cpp
//   W += lr · update (when applying)                         kernels/sgd.cu
// and replayed with cudaGraphLaunch. The host (one thread pool for the run, batch_encoder.hpp)
// fills pinned slot k mod 2 for step k after the
// replay that last read it (step k - 2) has finished, so drawing step k + 1's problems overlaps
// the GPU's step k, and the host never waits for the GPU except to read results.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "carry/batch_encoder.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/gpu_probe.hpp"
#include "cublas_library.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "fused_trainer.hpp"
#include "kernels.hpp"
#include "step_stream.hpp"
#include "stream_trainer.hpp"

namespace carry {

namespace {

// cuBLAS's recommended workspace on Hopper; owned by us, so graph capture allocates nothing.
constexpr std::size_t kCublasWorkspaceBytes = std::size_t{32} << 20;
// Left free for the CUDA context's own growth (graph instantiation, module loading).
constexpr std::int64_t kReservedDeviceBytes = std::int64_t{256} << 20;

std::string gibibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", bytes / double(std::int64_t{1} << 30));
  return text;
}

class CudaTrainerImpl final : public cuda::StreamTrainer {
 public:
  CudaTrainerImpl(const TrainConfig& config, const Parameters& initial, std::string device)
      : StreamTrainer(config, std::move(device)),
        layout_{config.bits, config.hidden, config.batch},
        lr_(static_cast<float>(config.lr)) {
    allocate();  // first: a batch that does not fit is refused before anything big is made
    const cuda::CublasLibrary& blas = cuda::cublas();  // opened here, on first use
    CUBLAS_CHECK(blas.create(&cublas_));
    CUBLAS_CHECK(blas.set_stream(cublas_, stream_.get()));
    // Plain FP32 (no TF32 tensor-core rounding), no atomics: deterministic and float32-accurate.
    CUBLAS_CHECK(blas.set_math_mode(cublas_, CUBLAS_DEFAULT_MATH));
    CUBLAS_CHECK(blas.set_atomics_mode(cublas_, CUBLAS_ATOMICS_NOT_ALLOWED));
    CUBLAS_CHECK(blas.set_pointer_mode(cublas_, CUBLAS_POINTER_MODE_HOST));  // alpha, beta captured
    CUBLAS_CHECK(blas.set_workspace(cublas_, cublas_workspace_.get(), cublas_workspace_.bytes()));
    // Columns [0, B) of hidden are h_{-1} = 0 and stay so: no kernel writes them.
    CUDA_CHECK(cudaMemsetAsync(hidden_.get(), 0, hidden_.bytes(), stream_.get()));
    set_parameters(initial);
    warm_up();
  }

  ~CudaTrainerImpl() override {
    // Errors cannot be reported from here; the memory goes with the process in any case.
    stream_.synchronize_quietly();
    for (auto& by_apply : graphs_) {
      for (cudaGraphExec_t graph : by_apply) {
        if (graph != nullptr) cudaGraphExecDestroy(graph);
      }
    }
    if (cublas_ != nullptr) cuda::cublas().destroy(cublas_);
  }

  CudaTrainerImpl(const CudaTrainerImpl&) = delete;
  CudaTrainerImpl& operator=(const CudaTrainerImpl&) = delete;

 private:
  void queue_training_step(std::uint64_t step) override { queue_step(step, true); }
  std::optional<double> host_draw_seconds() const override { return encoder_.seconds(); }

  // Every step records its outputs.
  const cuda::DeviceArray<float>& run_recorded_step(std::uint64_t step, bool apply) override {
    queue_step(step, apply);
    return outputs_;
  }

  // Every buffer of the run, once; refuses a batch that does not fit before allocating any.
  void allocate() {
    const std::size_t scratch_bytes = cuda::step_metrics_scratch_bytes(layout_.batch);
    const std::int64_t fixed =
        static_cast<std::int64_t>(kCublasWorkspaceBytes + scratch_bytes + sizeof(StepTotals)) +
        2 * 4 * std::int64_t{layout_.weight_count()} + kReservedDeviceBytes;
    std::size_t free_bytes = 0;
    std::size_t total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    const std::int64_t needed =
        fixed + layout_.batch * device_bytes_per_sample(layout_.bits, layout_.hidden);
    if (needed > static_cast<std::int64_t>(free_bytes)) {
      throw_batch_too_large(needed, free_bytes, total_bytes, fixed);
    }
    try {
      operands_ = cuda::DeviceArray<std::uint32_t>(layout_.operands_size());
      weights_ = cuda::DeviceArray<float>(layout_.weight_count());
      updates_ = cuda::DeviceArray<float>(layout_.weight_count());
      hidden_ = cuda::DeviceArray<float>(layout_.hidden_size());
      inputs_ = cuda::DeviceArray<float>(layout_.inputs_size());
      outputs_ = cuda::DeviceArray<float>(layout_.positions());
      output_deltas_ = cuda::DeviceArray<float>(layout_.positions());
      deltas_ = cuda::DeviceArray<float>(layout_.deltas_size());
      sample_loss_ = cuda::DeviceArray<double>(layout_.batch);
      sample_exact_ = cuda::DeviceArray<std::uint32_t>(layout_.batch);
      metrics_scratch_ = cuda::DeviceArray<unsigned char>(scratch_bytes);
      cublas_workspace_ = cuda::DeviceArray<unsigned char>(kCublasWorkspaceBytes);
    } catch (const DeviceError& error) {
      if (error.cuda_status() != cudaErrorMemoryAllocation) throw;
      cudaGetLastError();  // allocation failures are not sticky; clear the record
      throw_batch_too_large(needed, free_bytes, total_bytes, fixed);
    }
    for (auto& slot : host_operands_)
      slot = cuda::PinnedArray<std::uint32_t>(layout_.operands_size());
  }

  [[noreturn]] void throw_batch_too_large(std::int64_t needed, std::size_t free_bytes,
                                          std::size_t total_bytes, std::int64_t fixed) const {
    const std::int64_t largest = largest_batch_that_fits(static_cast<std::int64_t>(free_bytes),
                                                         fixed, layout_.bits, layout_.hidden);
    std::string message =
        "--batch " + std::to_string(layout_.batch) + " needs " + gibibytes(double(needed)) +
        " of GPU memory at " + std::to_string(layout_.bits) + " bits and " +
        std::to_string(layout_.hidden) + " hidden units, but " + gibibytes(double(free_bytes)) +
        " of the " + device_name_ + "'s " + gibibytes(double(total_bytes)) + " are free; ";
    message += largest > 0 ? "the largest batch that fits is " + std::to_string(largest)
                           : "not even a batch of 1 fits";
    throw UserError(message);
  }

  // The step's work, in stream order (captured into graphs, or run directly by warm_up()).
  void enqueue_step(int slot, bool apply) {
    cudaStream_t stream = stream_.get();
    CUDA_CHECK(cudaMemcpyAsync(operands_.get(), host_operands_[slot].get(),
                               host_operands_[slot].bytes(), cudaMemcpyHostToDevice, stream));
    for (int t = 0; t < layout_.bits; ++t) {
      cuda::launch_forward_step(layout_, t, operands_.get(), weights_.get(), hidden_.get(),
                                inputs_.get(), outputs_.get(), stream);
    }
    cuda::launch_step_metrics(layout_, operands_.get(), outputs_.get(), sample_loss_.get(),
                              sample_exact_.get(), metrics_scratch_.get(), metrics_scratch_.bytes(),
                              stream_.totals(), stream);
    for (int t = layout_.bits - 1; t >= 0; --t) {
      cuda::launch_backward_step(layout_, t, operands_.get(), weights_.get(), hidden_.get(),
                                 outputs_.get(), output_deltas_.get(), deltas_.get(), stream);
    }
    cuda::enqueue_weight_updates(cublas_, layout_, hidden_.get(), inputs_.get(),
                                 output_deltas_.get(), deltas_.get(), updates_.get());
    if (apply)
      cuda::launch_sgd(layout_.weight_count(), lr_, updates_.get(), weights_.get(), stream);
  }

  // One uncaptured step on an all-zero batch, without the update: loads every kernel module and
  // lets cuBLAS and CUB settle before capture. Its totals are cleared.
  void warm_up() {
    std::fill_n(host_operands_[0].get(), host_operands_[0].size(), 0u);
    enqueue_step(0, false);
    CUDA_CHECK(cudaMemsetAsync(stream_.totals(), 0, sizeof(StepTotals), stream_.get()));
    CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  }

  cudaGraphExec_t graph(int slot, bool apply) {
    cudaGraphExec_t& exec = graphs_[slot][apply ? 1 : 0];
    // Relaxed: cuBLAS and CUB may query the device while being captured; nothing here
    // synchronises or allocates.
    if (exec == nullptr) {
      exec = stream_.capture(cudaStreamCaptureModeRelaxed, [&] { enqueue_step(slot, apply); });
    }
    return exec;
  }

  // Draws step `step`'s batch into its pinned slot once the GPU is done with that slot, and
  // queues the step's graph. Does not wait for the step.
  void queue_step(std::uint64_t step, bool apply) {
    const int slot = stream_.claim_slot(step);
    encoder_.encode(step, host_operands_[slot].get());
    stream_.launch(graph(slot, apply));
    stream_.release_slot(slot);
    last_step_ = step;
  }

  BatchLayout layout_;
  float lr_;
  BatchEncoder encoder_{static_cast<std::uint64_t>(config_.seed), config_.bits, config_.batch,
                        encoding_threads(config_.batch)};  // one pool for the run

  cublasHandle_t cublas_ = nullptr;
  std::array<std::array<cudaGraphExec_t, 2>, 2> graphs_{};  // [slot][apply]

  // (weights_ and updates_, W0 | Wh | W1 and the batch's mean update, are StreamTrainer's.)
  cuda::DeviceArray<std::uint32_t> operands_;      // 2 x B
  cuda::DeviceArray<float> hidden_;                // H x (T+1)·B
  cuda::DeviceArray<float> inputs_;                // 2 x K
  cuda::DeviceArray<float> outputs_;               // 1 x K
  cuda::DeviceArray<float> output_deltas_;         // 1 x K
  cuda::DeviceArray<float> deltas_;                // H x K
  cuda::DeviceArray<double> sample_loss_;          // B
  cuda::DeviceArray<std::uint32_t> sample_exact_;  // B
  cuda::DeviceArray<unsigned char> metrics_scratch_;
  cuda::DeviceArray<unsigned char> cublas_workspace_;
  std::array<cuda::PinnedArray<std::uint32_t>, 2> host_operands_;  // 2 x B each
};

}  // namespace

bool cuda_backend_built() {
  return true;
}

bool cuda_backend_usable() {
  return probe_gpu().usable;
}

std::unique_ptr<CudaTrainer> make_cuda_trainer(const TrainConfig& config,
                                               const Parameters& initial) {
  const GpuStatus gpu = probe_gpu();
  if (!gpu.usable) throw UserError("--backend cuda: no usable GPU: " + gpu.description);
  if (config.bits > kMaxEncodedBits) {
    throw UserError("--backend cuda: --bits must be at most " + std::to_string(kMaxEncodedBits));
  }
  validate(config);
  const CudaKernelChoice choice = choose_cuda_kernel(config.kernel, config.hidden, config.bits);
  if (!choice.note.empty()) std::fprintf(stderr, "%s\n", choice.note.c_str());
  if (choice.fused_version > 0) {
    return cuda::make_fused_trainer(config, initial, gpu.description, choice.fused_version);
  }
  return std::make_unique<CudaTrainerImpl>(config, initial, gpu.description);
}

}  // namespace carry
