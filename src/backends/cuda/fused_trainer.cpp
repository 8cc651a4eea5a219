// fused_trainer.cpp: the cuda backend's fused variants: one kernel per step generates the batch
// on the device and does forward, backward and the block partial updates; a second tiny kernel
// sums the blocks in a fixed order and applies SGD (kernels/fused_step_v1.cu, fused_step_v2.cu:
// the version is chosen by choose_cuda_kernel; both use the same host side).
//
// Shapes: B batch, T bits, H hidden, W weights; launch and summation order in fused_plan.hpp.
// A step is one CUDA Graph, captured once per pinned slot:
//   copy the step number (pinned slot -> device), fused step kernel, reduce + SGD kernel
// and replayed with cudaGraphLaunch, so consecutive steps need no host round trip; the host
// only writes 8 bytes per step (after the replay that last read that slot has finished).
// run_step (verify, tests) launches the same kernels uncaptured, with the outputs recorded.
#include "fused_trainer.hpp"

#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "carry/errors.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "kernels.hpp"
#include "step_stream.hpp"
#include "stream_trainer.hpp"

namespace carry::cuda {

namespace {

class FusedTrainer final : public StreamTrainer {
 public:
  FusedTrainer(const TrainConfig& config, const Parameters& initial, std::string device,
               int version)
      : StreamTrainer(config, std::move(device)),
        version_(version),
        launch_(version == 2 ? fused_v2_launch(config.batch, config.hidden, config.bits)
                             : fused_launch(config.batch, config.hidden)),
        weight_count_(fused_weight_count(config.hidden)),
        lr_(static_cast<float>(config.lr)) {
    if (version_ == 2) prepare_fused_step_v2(config.hidden, config.bits);
    weights_ = DeviceArray<float>(weight_count_);
    updates_ = DeviceArray<float>(weight_count_);
    slots_ = DeviceArray<float>(static_cast<std::size_t>(launch_.blocks) * weight_count_);
    slot_loss_ = DeviceArray<double>(launch_.blocks);
    slot_exact_ = DeviceArray<unsigned long long>(launch_.blocks);
    step_number_ = DeviceArray<std::uint64_t>(1);
    host_steps_ = PinnedArray<std::uint64_t>(2);
    set_parameters(initial);
  }

  ~FusedTrainer() override {
    stream_.synchronize_quietly();
    for (cudaGraphExec_t graph : graphs_) {
      if (graph != nullptr) cudaGraphExecDestroy(graph);
    }
  }

  FusedTrainer(const FusedTrainer&) = delete;
  FusedTrainer& operator=(const FusedTrainer&) = delete;

 private:
  void queue_training_step(std::uint64_t step) override { queue_step(step); }

  // Uncaptured, with the outputs recorded (graph replays skip them).
  const DeviceArray<float>& run_recorded_step(std::uint64_t step, bool apply) override {
    if (outputs_.size() == 0) {
      outputs_ = DeviceArray<float>(static_cast<std::size_t>(config_.bits * config_.batch));
    }
    const int slot = claim_slot(step);
    enqueue_step(slot, apply, outputs_.get());
    finish_step(slot, step);
    return outputs_;
  }

  // The step number goes into pinned slot step mod 2 once the GPU has read its previous value.
  int claim_slot(std::uint64_t step) {
    const int slot = stream_.claim_slot(step);
    host_steps_.get()[slot] = step;
    return slot;
  }
  void finish_step(int slot, std::uint64_t step) {
    stream_.release_slot(slot);
    last_step_ = step;
  }

  void enqueue_step(int slot, bool apply, float* outputs) {
    cudaStream_t stream = stream_.get();
    CUDA_CHECK(cudaMemcpyAsync(step_number_.get(), host_steps_.get() + slot, sizeof(std::uint64_t),
                               cudaMemcpyHostToDevice, stream));
    FusedStepArguments args;
    args.launch = launch_;
    args.seed = static_cast<std::uint64_t>(config_.seed);
    args.step_number = step_number_.get();
    args.weights = weights_.get();
    args.slots = slots_.get();
    args.slot_loss = slot_loss_.get();
    args.slot_exact = slot_exact_.get();
    args.outputs = outputs;
    args.totals = stream_.totals();
    if (version_ == 2) {
      launch_fused_step_v2(config_.hidden, config_.bits, args, stream);
    } else {
      launch_fused_step_v1(config_.hidden, config_.bits, args, stream);
    }
    launch_fused_reduce(config_.hidden, launch_, lr_, apply, slots_.get(), slot_loss_.get(),
                        slot_exact_.get(), updates_.get(), weights_.get(), stream_.totals(),
                        stream);
  }

  cudaGraphExec_t graph(int slot) {
    cudaGraphExec_t& exec = graphs_[slot];
    if (exec == nullptr) {
      exec = stream_.capture(cudaStreamCaptureModeThreadLocal,
                             [&] { enqueue_step(slot, true, nullptr); });
    }
    return exec;
  }

  void queue_step(std::uint64_t step) {
    const int slot = claim_slot(step);
    stream_.launch(graph(slot));
    finish_step(slot, step);
  }

  int version_;  // 1 or 2
  FusedLaunch launch_;
  int weight_count_;
  float lr_;

  std::array<cudaGraphExec_t, 2> graphs_{};  // [slot], applying the update

  // (weights_ and updates_, W0 | Wh | W1 and the batch's mean update, are StreamTrainer's.)
  DeviceArray<float> slots_;                    // blocks x W
  DeviceArray<double> slot_loss_;               // blocks
  DeviceArray<unsigned long long> slot_exact_;  // blocks
  DeviceArray<float> outputs_;                  // T x B, made by the first run_step
  DeviceArray<std::uint64_t> step_number_;      // the step the kernel runs
  PinnedArray<std::uint64_t> host_steps_;       // [slot]
};

}  // namespace

std::unique_ptr<CudaTrainer> make_fused_trainer(const TrainConfig& config,
                                                const Parameters& initial, std::string device,
                                                int version) {
  if (version != 1 && version != 2) {
    throw std::invalid_argument("make_fused_trainer: version " + std::to_string(version));
  }
  return std::make_unique<FusedTrainer>(config, initial, std::move(device), version);
}

}  // namespace carry::cuda
