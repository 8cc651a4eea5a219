// step_stream.cpp: see step_stream.hpp.
#include "step_stream.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "carry/errors.hpp"
#include "cuda_check.hpp"

namespace carry::cuda {

StepStream::StepStream() {
  CUDA_CHECK(cudaSetDevice(0));  // carry runs on the first GPU
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  for (cudaEvent_t& event : slot_free_) {
    CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  }
  CUDA_CHECK(cudaEventCreate(&timing_start_));
  CUDA_CHECK(cudaEventCreate(&timing_stop_));
  totals_ = DeviceArray<StepTotals>(1);
  host_totals_ = PinnedArray<StepTotals>(1);
  CUDA_CHECK(cudaMemsetAsync(totals_.get(), 0, totals_.bytes(), stream_));
}

StepStream::~StepStream() {
  // Errors cannot be reported from here; the memory goes with the process in any case.
  cudaStreamSynchronize(stream_);
  for (cudaEvent_t event : slot_free_) {
    if (event != nullptr) cudaEventDestroy(event);
  }
  for (cudaEvent_t event : step_events_) cudaEventDestroy(event);
  if (timing_start_ != nullptr) cudaEventDestroy(timing_start_);
  if (timing_stop_ != nullptr) cudaEventDestroy(timing_stop_);
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

int StepStream::claim_slot(std::uint64_t step) {
  const int slot = static_cast<int>(step & 1u);
  if (slot_used_[slot]) CUDA_CHECK(cudaEventSynchronize(slot_free_[slot]));
  return slot;
}

void StepStream::release_slot(int slot) {
  CUDA_CHECK(cudaEventRecord(slot_free_[slot], stream_));
  slot_used_[slot] = true;
}

StepTotals StepStream::take_totals() {
  CUDA_CHECK(cudaMemcpyAsync(host_totals_.get(), totals_.get(), sizeof(StepTotals),
                             cudaMemcpyDeviceToHost, stream_));
  const std::size_t pending = offsetof(StepTotals, pending_mean_loss_sum);
  CUDA_CHECK(cudaMemsetAsync(reinterpret_cast<char*>(totals_.get()) + pending, 0,
                             sizeof(StepTotals) - pending, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  return *host_totals_.get();
}

CollectedSteps StepStream::collect(std::int64_t batch, const AdditionProblem& latest_example) {
  const StepTotals totals = take_totals();
  CollectedSteps collected;
  collected.loss_sum = totals.pending_mean_loss_sum;
  collected.last = StepResult{totals.step_loss_sum / static_cast<double>(batch), latest_example,
                              totals.first_prediction};
  return collected;
}

double StepStream::time_on_gpu(const std::function<void()>& queue) {
  CUDA_CHECK(cudaEventRecord(timing_start_, stream_));
  queue();
  CUDA_CHECK(cudaEventRecord(timing_stop_, stream_));
  CUDA_CHECK(cudaEventSynchronize(timing_stop_));
  float milliseconds = 0.0f;
  CUDA_CHECK(cudaEventElapsedTime(&milliseconds, timing_start_, timing_stop_));
  return milliseconds / 1000.0;
}

void StepStream::launch(cudaGraphExec_t graph) {
  if (timed_launches_ < 0) {
    CUDA_CHECK(cudaGraphLaunch(graph, stream_));
    return;
  }
  const std::size_t pair = 2 * static_cast<std::size_t>(timed_launches_);
  if (pair + 1 >= step_events_.size()) {
    throw std::logic_error("StepStream::time_steps: more launches than steps");
  }
  CUDA_CHECK(cudaEventRecord(step_events_[pair], stream_));
  CUDA_CHECK(cudaGraphLaunch(graph, stream_));
  CUDA_CHECK(cudaEventRecord(step_events_[pair + 1], stream_));
  ++timed_launches_;
}

StepTiming StepStream::time_steps(std::int64_t steps, const std::function<void()>& queue) {
  while (step_events_.size() < 2 * static_cast<std::size_t>(steps)) {
    cudaEvent_t event = nullptr;
    CUDA_CHECK(cudaEventCreate(&event));
    step_events_.push_back(event);
  }
  timed_launches_ = 0;
  StepTiming timing;
  timing.steps = steps;
  try {
    timing.elapsed_seconds = time_on_gpu(queue);
  } catch (...) {
    timed_launches_ = -1;
    throw;
  }
  const std::int64_t launched = timed_launches_;
  timed_launches_ = -1;
  if (launched != steps)
    throw std::logic_error("StepStream::time_steps: fewer launches than steps");
  for (std::int64_t k = 0; k < steps; ++k) {
    float milliseconds = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&milliseconds, step_events_[2 * k], step_events_[2 * k + 1]));
    timing.gpu_seconds += milliseconds / 1000.0;
  }
  return timing;
}

cudaGraphExec_t StepStream::capture(cudaStreamCaptureMode mode,
                                    const std::function<void()>& enqueue) {
  CUDA_CHECK(cudaStreamBeginCapture(stream_, mode));
  cudaGraph_t captured = nullptr;
  try {
    enqueue();
  } catch (...) {
    cudaStreamEndCapture(stream_, &captured);  // leave the stream usable
    if (captured != nullptr) cudaGraphDestroy(captured);
    throw;
  }
  CUDA_CHECK(cudaStreamEndCapture(stream_, &captured));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t status = cudaGraphInstantiate(&exec, captured, 0);
  cudaGraphDestroy(captured);
  CUDA_CHECK(status);
  return exec;
}

void StepStream::upload_weights(const Parameters& params, int hidden,
                                const DeviceArray<float>& weights) {
  if (params.hidden != hidden) {
    throw UserError("cuda backend: weights with " + std::to_string(params.hidden) +
                    " hidden units given to a run with " + std::to_string(hidden));
  }
  const std::vector<float> host = device_weights(params);
  CUDA_CHECK(cudaMemcpyAsync(weights.get(), host.data(), weights.bytes(), cudaMemcpyHostToDevice,
                             stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

Parameters StepStream::download_weights(const DeviceArray<float>& source, int hidden) const {
  std::vector<float> host(source.size());
  CUDA_CHECK(
      cudaMemcpyAsync(host.data(), source.get(), source.bytes(), cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  return parameters_from_device(host, hidden);
}

}  // namespace carry::cuda
