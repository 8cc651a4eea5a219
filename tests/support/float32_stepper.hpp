// float32_stepper.hpp: a CPU model of the cuda backend: the same step in the device layout with
// float32 arithmetic (layout_gold.hpp with Real = float), sums in plain sequential order.
// It lets the CPU tests run `carry verify`'s comparison and check that its float32 tolerances
// hold for a real float32 implementation, without a GPU. Test code only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/step_detail.hpp"
#include "device_layout.hpp"
#include "layout_gold.hpp"

namespace carry::testing {

class Float32CpuStepper : public DetailedStepper {
 public:
  Float32CpuStepper(const TrainConfig& config, const Parameters& initial)
      : config_(config), layout_{config.bits, config.hidden, config.batch} {
    operands_.resize(static_cast<std::size_t>(layout_.operands_size()));
    updates_.resize(static_cast<std::size_t>(layout_.weight_count()));
    hidden_.assign(static_cast<std::size_t>(layout_.hidden_size()), 0.0f);
    inputs_.resize(static_cast<std::size_t>(layout_.inputs_size()));
    outputs_.resize(static_cast<std::size_t>(layout_.positions()));
    output_deltas_.resize(outputs_.size());
    deltas_.resize(static_cast<std::size_t>(layout_.deltas_size()));
    set_parameters(initial);
  }

  // Applied to every result before it is returned (for tests of the checks themselves).
  std::function<void(std::uint64_t step, StepDetail&)> tamper;

  std::string backend_name() const override { return "float32-cpu-model"; }

  StepResult train_step(std::uint64_t step) override {
    const StepDetail detail = run_step(step, true);
    const AdditionProblem example =
        counter_problem(static_cast<std::uint64_t>(config_.seed), step, 0, config_.bits);
    return StepResult{detail.mean_loss, example, detail.first_prediction};
  }

  Parameters parameters() const override { return to_parameters(weights_); }

  void set_parameters(const Parameters& params) override { weights_ = device_weights(params); }

  StepDetail run_step(std::uint64_t step, bool apply) override {
    encode_batch(static_cast<std::uint64_t>(config_.seed), step, layout_.bits, layout_.batch,
                 operands_.data());
    for (int t = 0; t < layout_.bits; ++t) {
      gold::forward_step(layout_, t, operands_.data(), weights_.data(), hidden_.data(),
                         inputs_.data(), outputs_.data());
    }
    const gold::SampleMetrics metrics =
        gold::sample_metrics(layout_, operands_.data(), outputs_.data());
    for (int t = layout_.bits - 1; t >= 0; --t) {
      gold::backward_step(layout_, t, operands_.data(), weights_.data(), hidden_.data(),
                          outputs_.data(), output_deltas_.data(), deltas_.data());
    }
    gold::weight_updates(layout_, hidden_.data(), inputs_.data(), output_deltas_.data(),
                         deltas_.data(), updates_.data());
    if (apply) {
      gold::sgd(layout_.weight_count(), float(config_.lr), updates_.data(), weights_.data());
    }
    StepDetail detail;
    detail.outputs.assign(outputs_.begin(), outputs_.end());
    detail.mean_loss = metrics.loss_sum / static_cast<double>(layout_.batch);
    detail.exact_correct = metrics.exact_count;
    detail.first_prediction = metrics.first_prediction;
    detail.mean_update = to_parameters(updates_);
    detail.weights_after = to_parameters(weights_);
    if (tamper) tamper(step, detail);
    return detail;
  }

 private:
  Parameters to_parameters(const std::vector<float>& values) const {
    return parameters_from_device(values, layout_.hidden);
  }

  TrainConfig config_;
  BatchLayout layout_;
  std::vector<std::uint32_t> operands_;
  std::vector<float> weights_, updates_, hidden_, inputs_, outputs_, output_deltas_, deltas_;
};

}  // namespace carry::testing
