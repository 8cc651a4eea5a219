// stream_trainer.hpp: what both cuda trainers (the chain, cuda_trainer.cpp; the fused kernels,
// fused_trainer.cpp) do the same way around their own steps: the Trainer calls that go straight
// to StepStream (collecting queued steps, the weights up and down, timing), the provisional
// result of a queued step, a step's detail read back for verify, and the largest weight for the
// divergence guard. A trainer supplies how it queues a step (queue_training_step) and how it runs
// one with its outputs recorded (run_recorded_step). Host code only.
//
// Shapes: B batch, T bits, H hidden; weights and updates W0 | Wh | W1 (device_layout.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "carry/cuda_backend.hpp"
#include "device_buffer.hpp"
#include "step_stream.hpp"

namespace carry::cuda {

class StreamTrainer : public CudaTrainer {
 public:
  StreamTrainer(const TrainConfig& config, std::string device)
      : config_(config), device_name_(std::move(device)) {}

  std::string backend_name() const override { return "cuda"; }
  std::string device_name() const override { return device_name_; }

  // Queues the step; the loss and the prediction come with collect_steps().
  StepResult train_step(std::uint64_t step) override;
  std::optional<CollectedSteps> collect_steps() override;
  Parameters parameters() const override;
  void set_parameters(const Parameters& params) override;
  // max |weight| reduced on the GPU (kernels/metrics.cu) instead of copying the weights.
  double largest_weight_magnitude() const override;
  StepDetail run_step(std::uint64_t step, bool apply) override;
  StepTiming timed_steps(std::uint64_t first, std::int64_t count) override;

 protected:
  // Queues step `step` with its update applied, without waiting for it; sets last_step_.
  virtual void queue_training_step(std::uint64_t step) = 0;
  // Queues step `step` (its update applied when `apply`) with its outputs recorded, sets
  // last_step_, and returns the T x B outputs it writes.
  virtual const DeviceArray<float>& run_recorded_step(std::uint64_t step, bool apply) = 0;
  // Seconds the host has spent drawing batches so far, or nothing where the GPU draws them.
  virtual std::optional<double> host_draw_seconds() const { return std::nullopt; }

  TrainConfig config_;
  std::string device_name_;
  StepStream stream_;            // made before, and destroyed after, every buffer of the trainer
  DeviceArray<float> weights_;   // W0 | Wh | W1
  DeviceArray<float> updates_;   // the mean update of the latest step, laid out as the weights
  std::uint64_t last_step_ = 0;  // the step queued last

 private:
  AdditionProblem example(std::uint64_t step) const {
    return counter_problem(static_cast<std::uint64_t>(config_.seed), step, 0, config_.bits);
  }
};

}  // namespace carry::cuda
