// fused_v2_model.hpp: a CPU model of the fused v2 cuda kernel: the block program of
// kernels/fused_v2_block.hpp run block after block, each phase thread after thread (which
// is what the kernel's barriers guarantee), then the slot reduction and SGD as the reduce kernel
// does them. Same launch (fused_v2_launch), same shared-memory layout, same summation order; only
// the compiler differs (g++ here, nvcc there: contraction into FMAs and expf may round
// differently). It lets the CPU tests check the kernel's indexing and arithmetic against the
// float64 reference with `carry verify`'s comparison. Test code only.
//
// Shapes: B batch, T bits, H hidden; outputs T x B.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/step_detail.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "fused_v2_block.hpp"

namespace carry::testing {

template <int H, int T>
class FusedV2Model final : public DetailedStepper {
 public:
  FusedV2Model(const TrainConfig& config, const Parameters& initial)
      : config_(config), launch_(fused_v2_launch(config.batch, H, T)) {
    const FusedV2SharedLayout layout = fused_v2_shared_layout(H, T, launch_.threads);
    // double: 8-byte (and so 16-byte after the allocator's alignment) aligned storage
    shared_.assign(static_cast<std::size_t>(layout.bytes / 8 + 2), 0.0);
    set_parameters(initial);
  }

  std::string backend_name() const override { return "fused-v2-cpu-model"; }

  StepResult train_step(std::uint64_t step) override {
    const StepDetail detail = run_step(step, true);
    const AdditionProblem example =
        counter_problem(static_cast<std::uint64_t>(config_.seed), step, 0, T);
    return StepResult{detail.mean_loss, example, detail.first_prediction};
  }

  Parameters parameters() const override { return to_parameters(weights_); }

  void set_parameters(const Parameters& params) override { weights_ = device_weights(params); }

  StepDetail run_step(std::uint64_t step, bool apply) override {
    constexpr int W = fused_weight_count(H);
    const int threads = launch_.threads;
    std::vector<float> slots(static_cast<std::size_t>(launch_.blocks) * W, -1.0f);
    std::vector<double> slot_loss(static_cast<std::size_t>(launch_.blocks), -1.0);
    std::vector<unsigned long long> slot_exact(static_cast<std::size_t>(launch_.blocks), ~0ull);
    std::vector<float> outputs(static_cast<std::size_t>(T * config_.batch), -1.0f);
    unsigned long long first_prediction = ~0ull;
    const auto seed = static_cast<std::uint64_t>(config_.seed);

    for (std::int64_t b = 0; b < launch_.blocks; ++b) {
      poison_shared();
      const auto block =
          fused_v2::Block<H, T>::at(reinterpret_cast<unsigned char*>(shared_.data()));
      std::vector<fused_v2::Thread<H>> lanes(static_cast<std::size_t>(threads));
      for (int l = 0; l < threads; ++l) fused_v2::load_weights<H, T>(l, weights_.data(), block);
      for (auto& lane : lanes) fused_v2::clear(lane);
      for (std::int64_t round = 0; round < launch_.rounds; ++round) {
        const int samples = fused_tile_samples(launch_, b, round);
        for (int l = 0; l < threads; ++l) {
          fused_v2::begin_round<H, T>(lanes[l], l, launch_, b, round, seed, step, block);
          fused_v2::forward<H, T>(lanes[l], l, block, config_.batch, outputs.data(),
                                  &first_prediction);
        }
        for (int t = T - 1; t >= 0; --t) {
          for (int l = 0; l < threads; ++l)
            fused_v2::backward_position<H, T>(lanes[l], l, t, block);
          for (int l = 0; l < threads; ++l) {
            fused_v2::update_position<H, T>(lanes[l], l, t, samples, block);
          }
        }
      }
      for (int l = 0; l < threads; ++l) fused_v2::stash<H, T>(lanes[l], l, block);
      for (int l = 0; l < threads; ++l) {
        fused_v2::block_sum<H, T>(l, block, slots.data() + b * W, &slot_loss[b], &slot_exact[b]);
      }
    }

    StepDetail detail;
    std::vector<float> mean_update(W);
    for (int w = 0; w < W; ++w) {
      mean_update[w] = fused_mean_update(w, W, launch_.blocks, config_.batch, slots.data());
      if (apply) weights_[w] += static_cast<float>(config_.lr) * mean_update[w];
    }
    double loss = 0.0;
    unsigned long long exact = 0;
    for (std::int64_t b = 0; b < launch_.blocks; ++b) {
      loss += slot_loss[b];
      exact += slot_exact[b];
    }
    detail.mean_loss = loss / static_cast<double>(config_.batch);
    detail.exact_correct = exact;
    detail.first_prediction = first_prediction;
    detail.outputs.assign(outputs.begin(), outputs.end());
    detail.mean_update = to_parameters(mean_update);
    detail.weights_after = to_parameters(weights_);
    return detail;
  }

  const FusedLaunch& launch() const { return launch_; }

 private:
  // A NaN in every shared byte a phase reads before writing would show up in the results.
  void poison_shared() {
    for (double& value : shared_) value = std::numeric_limits<double>::quiet_NaN();
  }

  Parameters to_parameters(const std::vector<float>& flat) const {
    return parameters_from_device(flat, H);
  }

  TrainConfig config_;
  FusedLaunch launch_;
  std::vector<double> shared_;  // the block's shared memory, reused block after block
  std::vector<float> weights_;  // W0 | Wh | W1
};

}  // namespace carry::testing
