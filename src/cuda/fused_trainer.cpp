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
#include "cuda/fused_trainer.hpp"

#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "carry/device_layout.hpp"
#include "carry/errors.hpp"
#include "carry/fused_plan.hpp"
#include "cuda/cuda_check.hpp"
#include "cuda/device_buffer.hpp"
#include "cuda/kernels.hpp"

namespace carry::cuda {

namespace {

class FusedTrainer final : public CudaTrainer {
 public:
  FusedTrainer(const TrainConfig& config, const Parameters& initial, std::string device,
               int version)
      : config_(config),
        version_(version),
        launch_(version == 2 ? fused_v2_launch(config.batch, config.hidden, config.bits)
                             : fused_launch(config.batch, config.hidden)),
        weight_count_(fused_weight_count(config.hidden)),
        lr_(static_cast<float>(config.lr)),
        device_name_(std::move(device)) {
    CUDA_CHECK(cudaSetDevice(0));
    if (version_ == 2) prepare_fused_step_v2(config.hidden, config.bits);
    weights_ = DeviceArray<float>(weight_count_);
    updates_ = DeviceArray<float>(weight_count_);
    slots_ = DeviceArray<float>(static_cast<std::size_t>(launch_.blocks) * weight_count_);
    slot_loss_ = DeviceArray<double>(launch_.blocks);
    slot_exact_ = DeviceArray<unsigned long long>(launch_.blocks);
    step_number_ = DeviceArray<std::uint64_t>(1);
    totals_ = DeviceArray<StepTotals>(1);
    host_steps_ = PinnedArray<std::uint64_t>(2);
    host_totals_ = PinnedArray<StepTotals>(1);
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    for (cudaEvent_t& event : slot_free_) {
      CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    }
    CUDA_CHECK(cudaEventCreate(&timing_start_));
    CUDA_CHECK(cudaEventCreate(&timing_stop_));
    CUDA_CHECK(cudaMemsetAsync(totals_.get(), 0, totals_.bytes(), stream_));
    set_parameters(initial);
  }

  ~FusedTrainer() override {
    cudaStreamSynchronize(stream_);
    for (cudaGraphExec_t graph : graphs_) {
      if (graph != nullptr) cudaGraphExecDestroy(graph);
    }
    for (cudaEvent_t event : slot_free_) {
      if (event != nullptr) cudaEventDestroy(event);
    }
    if (timing_start_ != nullptr) cudaEventDestroy(timing_start_);
    if (timing_stop_ != nullptr) cudaEventDestroy(timing_stop_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  FusedTrainer(const FusedTrainer&) = delete;
  FusedTrainer& operator=(const FusedTrainer&) = delete;

  std::string backend_name() const override { return "cuda"; }
  std::string device_name() const override { return device_name_; }

  StepResult train_step(std::uint64_t step) override {
    queue_step(step);
    return StepResult{0.0, example(step), 0};  // provisional, as the chain
  }

  std::optional<CollectedSteps> collect_steps() override {
    const StepTotals totals = take_totals();
    CollectedSteps collected;
    collected.loss_sum = totals.pending_mean_loss_sum;
    collected.last = StepResult{totals.step_loss_sum / static_cast<double>(config_.batch),
                                example(last_step_), totals.first_prediction};
    return collected;
  }

  Parameters parameters() const override { return download(weights_); }

  void set_parameters(const Parameters& params) override {
    if (params.hidden != config_.hidden) {
      throw UserError("cuda backend: weights with " + std::to_string(params.hidden) +
                      " hidden units given to a run with " + std::to_string(config_.hidden));
    }
    const BatchLayout layout{config_.bits, config_.hidden, config_.batch};
    std::vector<float> host(static_cast<std::size_t>(weight_count_));
    auto put = [&](const std::vector<double>& values, int offset) {
      for (std::size_t k = 0; k < values.size(); ++k)
        host[offset + k] = static_cast<float>(values[k]);
    };
    put(params.w0, layout.w0_offset());
    put(params.wh, layout.wh_offset());
    put(params.w1, layout.w1_offset());
    CUDA_CHECK(cudaMemcpyAsync(weights_.get(), host.data(), weights_.bytes(),
                               cudaMemcpyHostToDevice, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  StepDetail run_step(std::uint64_t step, bool apply) override {
    if (outputs_.size() == 0) {
      outputs_ = DeviceArray<float>(static_cast<std::size_t>(config_.bits * config_.batch));
    }
    const int slot = claim_slot(step);
    enqueue_step(slot, apply, outputs_.get());
    finish_step(slot, step);
    const StepTotals totals = take_totals();  // waits for the step
    StepDetail detail;
    detail.mean_loss = totals.step_loss_sum / static_cast<double>(config_.batch);
    detail.exact_correct = totals.step_exact;
    detail.first_prediction = totals.first_prediction;
    std::vector<float> outputs(outputs_.size());
    CUDA_CHECK(cudaMemcpyAsync(outputs.data(), outputs_.get(), outputs_.bytes(),
                               cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    detail.outputs.assign(outputs.begin(), outputs.end());
    detail.mean_update = download(updates_);
    detail.weights_after = download(weights_);
    return detail;
  }

  double timed_steps(std::uint64_t first, std::int64_t count) override {
    CUDA_CHECK(cudaEventRecord(timing_start_, stream_));
    for (std::int64_t i = 0; i < count; ++i) queue_step(first + static_cast<std::uint64_t>(i));
    CUDA_CHECK(cudaEventRecord(timing_stop_, stream_));
    CUDA_CHECK(cudaEventSynchronize(timing_stop_));
    float milliseconds = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&milliseconds, timing_start_, timing_stop_));
    return milliseconds / 1000.0;
  }

 private:
  AdditionProblem example(std::uint64_t step) const {
    return counter_problem(static_cast<std::uint64_t>(config_.seed), step, 0, config_.bits);
  }

  // The step number goes into pinned slot step mod 2 once the GPU has read its previous value.
  int claim_slot(std::uint64_t step) {
    const int slot = static_cast<int>(step & 1u);
    if (slot_used_[slot]) CUDA_CHECK(cudaEventSynchronize(slot_free_[slot]));
    host_steps_.get()[slot] = step;
    return slot;
  }
  void finish_step(int slot, std::uint64_t step) {
    CUDA_CHECK(cudaEventRecord(slot_free_[slot], stream_));
    slot_used_[slot] = true;
    last_step_ = step;
  }

  void enqueue_step(int slot, bool apply, float* outputs) {
    CUDA_CHECK(cudaMemcpyAsync(step_number_.get(), host_steps_.get() + slot, sizeof(std::uint64_t),
                               cudaMemcpyHostToDevice, stream_));
    FusedStepArguments args;
    args.launch = launch_;
    args.seed = static_cast<std::uint64_t>(config_.seed);
    args.step_number = step_number_.get();
    args.weights = weights_.get();
    args.slots = slots_.get();
    args.slot_loss = slot_loss_.get();
    args.slot_exact = slot_exact_.get();
    args.outputs = outputs;
    args.totals = totals_.get();
    if (version_ == 2) {
      launch_fused_step_v2(config_.hidden, config_.bits, args, stream_);
    } else {
      launch_fused_step_v1(config_.hidden, config_.bits, args, stream_);
    }
    launch_fused_reduce(config_.hidden, launch_, lr_, apply, slots_.get(), slot_loss_.get(),
                        slot_exact_.get(), updates_.get(), weights_.get(), totals_.get(), stream_);
  }

  cudaGraphExec_t graph(int slot) {
    cudaGraphExec_t& exec = graphs_[slot];
    if (exec != nullptr) return exec;
    CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    cudaGraph_t captured = nullptr;
    try {
      enqueue_step(slot, true, nullptr);
    } catch (...) {
      cudaStreamEndCapture(stream_, &captured);
      if (captured != nullptr) cudaGraphDestroy(captured);
      throw;
    }
    CUDA_CHECK(cudaStreamEndCapture(stream_, &captured));
    const cudaError_t status = cudaGraphInstantiate(&exec, captured, 0);
    cudaGraphDestroy(captured);
    CUDA_CHECK(status);
    return exec;
  }

  void queue_step(std::uint64_t step) {
    const int slot = claim_slot(step);
    CUDA_CHECK(cudaGraphLaunch(graph(slot), stream_));
    finish_step(slot, step);
  }

  StepTotals take_totals() {
    CUDA_CHECK(cudaMemcpyAsync(host_totals_.get(), totals_.get(), sizeof(StepTotals),
                               cudaMemcpyDeviceToHost, stream_));
    const std::size_t pending = offsetof(StepTotals, pending_mean_loss_sum);
    CUDA_CHECK(cudaMemsetAsync(reinterpret_cast<char*>(totals_.get()) + pending, 0,
                               sizeof(StepTotals) - pending, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return *host_totals_.get();
  }

  Parameters download(const DeviceArray<float>& source) const {
    std::vector<float> host(source.size());
    CUDA_CHECK(cudaMemcpyAsync(host.data(), source.get(), source.bytes(), cudaMemcpyDeviceToHost,
                               stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    const BatchLayout layout{config_.bits, config_.hidden, config_.batch};
    Parameters params = Parameters::zeros(config_.hidden);
    auto take = [&](std::vector<double>& values, int offset) {
      for (std::size_t k = 0; k < values.size(); ++k) values[k] = host[offset + k];
    };
    take(params.w0, layout.w0_offset());
    take(params.wh, layout.wh_offset());
    take(params.w1, layout.w1_offset());
    return params;
  }

  TrainConfig config_;
  int version_;  // 1 or 2
  FusedLaunch launch_;
  int weight_count_;
  float lr_;
  std::string device_name_;

  cudaStream_t stream_ = nullptr;
  std::array<cudaEvent_t, 2> slot_free_{};
  std::array<bool, 2> slot_used_{};
  cudaEvent_t timing_start_ = nullptr;
  cudaEvent_t timing_stop_ = nullptr;
  std::array<cudaGraphExec_t, 2> graphs_{};  // [slot], applying the update
  std::uint64_t last_step_ = 0;

  DeviceArray<float> weights_;                  // W0 | Wh | W1
  DeviceArray<float> updates_;                  // the mean update of the latest step
  DeviceArray<float> slots_;                    // blocks x W
  DeviceArray<double> slot_loss_;               // blocks
  DeviceArray<unsigned long long> slot_exact_;  // blocks
  DeviceArray<float> outputs_;                  // T x B, made by the first run_step
  DeviceArray<std::uint64_t> step_number_;      // the step the kernel runs
  DeviceArray<StepTotals> totals_;
  PinnedArray<std::uint64_t> host_steps_;  // [slot]
  PinnedArray<StepTotals> host_totals_;
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
