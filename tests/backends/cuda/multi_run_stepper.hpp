// multi_run_stepper.hpp: one run of the multi-run kernel as a DetailedStepper, so `carry
// verify`'s lockstep and replay (verify_backend) and check_step apply to it: each run_step is a
// launch of one block for one step, with no check and the step trace on (outputs, operands, mean
// update, loss, exact count). Where the launch runs is the subclass's: the CPU model
// (multi_run_model.hpp) or the GPU (cuda_multi_run_test.cpp). Test code only.
//
// Shapes: B batch, T bits, H hidden, W weights; outputs T x B, operands 2 x B.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/step_detail.hpp"
#include "device_layout.hpp"
#include "multi_run_plan.hpp"

namespace carry::testing {

// The records and trace buffers of a one-run, one-step launch, in host memory.
struct OneStepRecords {
  multi_run::RunDescriptor run;
  multi_run::RunState state;
  std::vector<float> weights;  // W
  std::int32_t active = 0;
  int bits = 0;
  int threads = 0;
  std::vector<float> outputs;           // T x B
  std::vector<std::uint32_t> operands;  // 2 x B
  std::vector<float> mean_update;       // W
  double loss = -1.0;
  unsigned long long exact = ~0ull;

  // The launch over these host buffers.
  multi_run::LaunchArgs args() {
    return multi_run::launch_over(
        &run, &state, weights.data(), &active, 1, bits, threads,
        multi_run::StepTrace{outputs.data(), operands.data(), mean_update.data(), &loss, &exact});
  }
};

class MultiRunStepper : public DetailedStepper {
 public:
  MultiRunStepper(const TrainConfig& config, const Parameters& initial)
      : config_(config),
        threads_(multi_run::threads_for(config.hidden, config.bits, config.batch)) {
    set_parameters(initial);
  }

  int threads() const { return threads_; }
  const TrainConfig& config() const { return config_; }

  StepResult train_step(std::uint64_t step) override {
    const StepDetail detail = run_step(step, true);
    return StepResult{
        detail.mean_loss,
        counter_problem(static_cast<std::uint64_t>(config_.seed), step, 0, config_.bits),
        detail.first_prediction};
  }
  Parameters parameters() const override {
    return parameters_from_device(weights_, config_.hidden);
  }
  void set_parameters(const Parameters& params) override { weights_ = device_weights(params); }

  StepDetail run_step(std::uint64_t step, bool apply) override {
    const std::int64_t B = config_.batch;
    const int T = config_.bits;
    OneStepRecords records;
    records.run.seed = static_cast<std::uint64_t>(config_.seed);
    records.run.batch = B;
    records.run.max_steps = std::int64_t{1} << 62;  // and check_every 0: no check
    records.run.lr = static_cast<float>(config_.lr);
    records.run.needed = multi_run::evaluation_pairs(T) + 1;
    records.state.steps_done = static_cast<std::int64_t>(step);
    records.weights = weights_;
    records.bits = T;
    records.threads = threads_;
    records.outputs.assign(static_cast<std::size_t>(T * B), -1.0f);
    records.operands.assign(static_cast<std::size_t>(2 * B), ~0u);
    records.mean_update.assign(weights_.size(), -1.0f);
    launch_one_step(records);
    operands_ = records.operands;
    last_state_ = records.state;

    StepDetail detail;
    detail.outputs.assign(records.outputs.begin(), records.outputs.end());
    detail.mean_loss = records.loss / static_cast<double>(B);
    detail.exact_correct = records.exact;
    for (int t = 0; t < T; ++t) {
      detail.first_prediction |= static_cast<std::uint64_t>(records.outputs[t * B] > 0.5f ? 1 : 0)
                                 << t;
    }
    detail.mean_update = parameters_from_device(records.mean_update, config_.hidden);
    if (apply) weights_ = records.weights;  // otherwise the step leaves the weights as they were
    detail.weights_after = parameters_from_device(weights_, config_.hidden);
    return detail;
  }

  // The operands the block drew in the last step (2 x B, as encode_batch) and the run's state.
  const std::vector<std::uint32_t>& operands() const { return operands_; }
  const multi_run::RunState& last_state() const { return last_state_; }

 protected:
  // Runs the launch records.args() describes and leaves its results in `records`.
  virtual void launch_one_step(OneStepRecords& records) = 0;

 private:
  TrainConfig config_;
  int threads_;
  std::vector<float> weights_;  // W0 | Wh | W1
  std::vector<std::uint32_t> operands_;
  multi_run::RunState last_state_;
};

}  // namespace carry::testing
