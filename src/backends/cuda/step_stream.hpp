// step_stream.hpp: what both cuda trainers (the chain, cuda_trainer.cpp; the fused kernels,
// fused_trainer.cpp) keep around their kernels: one stream; two input slots that the host refills
// for step k once the GPU has finished step k - 2, which last read slot k mod 2; the running
// totals on the device (device_layout.hpp's StepTotals) and their read-back; CUDA-event timing
// (of a stretch of work, or of each step's graph alone);
// graph capture; and the weights' upload and download (W0 | Wh | W1 floats on the device,
// Parameters in float64 on the host). Host code only.
#pragma once

#include <cuda_runtime_api.h>

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "carry/cuda_backend.hpp"
#include "carry/parameters.hpp"
#include "carry/trainer.hpp"
#include "device_buffer.hpp"
#include "device_layout.hpp"

namespace carry::cuda {

class StepStream {
 public:
  StepStream();  // the stream, the events, zeroed totals
  ~StepStream();
  StepStream(const StepStream&) = delete;
  StepStream& operator=(const StepStream&) = delete;

  cudaStream_t get() const { return stream_; }
  StepTotals* totals() const { return totals_.get(); }

  // Slot `step mod 2`, once the GPU has finished the last step queued on it; then the caller
  // may refill the slot's host memory and queue the step, and calls release_slot after.
  int claim_slot(std::uint64_t step);
  void release_slot(int slot);

  // Waits for everything queued, returns the totals and starts new running sums.
  StepTotals take_totals();
  // take_totals as Trainer::collect_steps reports it: the steps' summed mean losses, and the
  // latest step's mean loss, example and the network's answer to it.
  CollectedSteps collect(std::int64_t batch, const AdditionProblem& latest_example);

  // Seconds between the start of what `queue` enqueues and its end, on the GPU (CUDA events).
  double time_on_gpu(const std::function<void()>& queue);

  // Replays a step's graph. While time_steps runs, events recorded just before and after it time
  // the step's GPU work alone (its batch is ready by then).
  void launch(cudaGraphExec_t graph);
  // Runs `queue`, which must launch `steps` step graphs through launch(), and returns the elapsed
  // and per-step GPU times (host_draw_seconds left for the caller).
  StepTiming time_steps(std::int64_t steps, const std::function<void()>& queue);

  // `enqueue`'s work captured from this stream into an executable graph.
  cudaGraphExec_t capture(cudaStreamCaptureMode mode, const std::function<void()>& enqueue);

  // params (which must have `hidden` units, else UserError) rounded to float into weights.
  void upload_weights(const Parameters& params, int hidden, const DeviceArray<float>& weights);
  // A W0 | Wh | W1 buffer (weights or updates) as Parameters.
  Parameters download_weights(const DeviceArray<float>& source, int hidden) const;

  // Waits for the stream, reporting nothing (for destructors).
  void synchronize_quietly() const { cudaStreamSynchronize(stream_); }

 private:
  cudaStream_t stream_ = nullptr;
  std::array<cudaEvent_t, 2> slot_free_{};
  std::array<bool, 2> slot_used_{};
  cudaEvent_t timing_start_ = nullptr;
  cudaEvent_t timing_stop_ = nullptr;
  std::vector<cudaEvent_t> step_events_;  // before and after each timed launch, in pairs
  std::int64_t timed_launches_ = -1;      // launches recorded so far; -1 when not timing
  DeviceArray<StepTotals> totals_;
  PinnedArray<StepTotals> host_totals_;
};

}  // namespace carry::cuda
