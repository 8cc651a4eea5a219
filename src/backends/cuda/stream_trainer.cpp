// stream_trainer.cpp: see stream_trainer.hpp.
#include "stream_trainer.hpp"

#include <cuda_runtime_api.h>

#include <vector>

#include "cuda_check.hpp"
#include "kernels.hpp"

namespace carry::cuda {

StepResult StreamTrainer::train_step(std::uint64_t step) {
  queue_training_step(step);
  // Provisional: the loss and the prediction come with collect_steps().
  return StepResult{0.0, example(step), 0};
}

std::optional<CollectedSteps> StreamTrainer::collect_steps() {
  return stream_.collect(config_.batch, example(last_step_));
}

Parameters StreamTrainer::parameters() const {
  return stream_.download_weights(weights_, config_.hidden);
}

void StreamTrainer::set_parameters(const Parameters& params) {
  stream_.upload_weights(params, config_.hidden, weights_);
}

double StreamTrainer::largest_weight_magnitude() const {
  return largest_magnitude_on_device(weights_.get(), static_cast<std::int64_t>(weights_.size()),
                                     stream_.get());
}

StepDetail StreamTrainer::run_step(std::uint64_t step, bool apply) {
  const DeviceArray<float>& outputs = run_recorded_step(step, apply);
  const StepTotals totals = stream_.take_totals();  // waits for the step
  StepDetail detail;
  detail.mean_loss = totals.step_loss_sum / static_cast<double>(config_.batch);
  detail.exact_correct = totals.step_exact;
  detail.first_prediction = totals.first_prediction;
  std::vector<float> host_outputs(outputs.size());
  CUDA_CHECK(cudaMemcpyAsync(host_outputs.data(), outputs.get(), outputs.bytes(),
                             cudaMemcpyDeviceToHost, stream_.get()));
  CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  detail.outputs.assign(host_outputs.begin(), host_outputs.end());
  detail.mean_update = stream_.download_weights(updates_, config_.hidden);
  detail.weights_after = stream_.download_weights(weights_, config_.hidden);
  return detail;
}

StepTiming StreamTrainer::timed_steps(std::uint64_t first, std::int64_t count) {
  const std::optional<double> drawn_before = host_draw_seconds();
  StepTiming timing = stream_.time_steps(count, [&] {
    for (std::int64_t i = 0; i < count; ++i)
      queue_training_step(first + static_cast<std::uint64_t>(i));
  });
  if (drawn_before) {
    timing.host_draws = true;
    timing.host_draw_seconds = *host_draw_seconds() - *drawn_before;
  }
  return timing;
}

}  // namespace carry::cuda
