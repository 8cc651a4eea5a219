// multi_run_model.hpp: the multi-run cuda kernel run on the CPU. Each block of a launch is the
// block program of src/backends/cuda/multi_run_block.hpp (the same function the kernel runs) on S
// lanes that take turns (lane_fibers.hpp): lane 0 runs until its barrier, then lane 1, ..., then
// lane 0 again after the barrier, which is one of the orders a GPU barrier allows. Shared memory is
// poisoned with NaN before every block, so a value read before it is written shows. Only the
// compiler differs from the GPU (g++ here: no fused multiply-adds, glibc's expf). Test code only.
//
// Shapes: H hidden (compile time, via with_hidden), T bits, S threads, B batch, W weights.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "lane_fibers.hpp"
#include "multi_run_block.hpp"
#include "multi_run_device.hpp"
#include "multi_run_stepper.hpp"

namespace carry::testing {

struct FiberSync {
  LaneFibers* fibers;
  int lane;
  void barrier() { fibers->barrier(lane); }
};

// One launch of the kernel for H: blocks 0 .. blocks-1, one after another.
template <int H>
void run_launch_on_cpu(const multi_run::LaunchArgs& args, std::int64_t blocks) {
  const multi_run::SharedLayout layout = multi_run::shared_layout(H, args.bits, args.threads);
  std::vector<std::uint32_t> shared(static_cast<std::size_t>(layout.bytes / 4 + 4));
  auto* base = reinterpret_cast<unsigned char*>(shared.data());
  // The lanes' stacks, kept from launch to launch (a test may launch every step).
  static thread_local std::map<int, std::unique_ptr<LaneFibers>> fibers_by_threads;
  std::unique_ptr<LaneFibers>& kept = fibers_by_threads[args.threads];
  if (!kept) kept = std::make_unique<LaneFibers>(args.threads);
  LaneFibers& fibers = *kept;
  for (std::int64_t slot = 0; slot < blocks; ++slot) {
    std::fill(shared.begin(), shared.end(), 0x7fc00000u);  // quiet NaN in every float
    fibers.run([&](int lane) {
      FiberSync sync{&fibers, lane};
      multi_run::run_block<H>(args, slot, lane, base, sync);
    });
  }
}

inline void run_launch_on_cpu(int hidden, const multi_run::LaunchArgs& args, std::int64_t blocks) {
  const bool known = multi_run::with_hidden(
      hidden, [&](auto h) { run_launch_on_cpu<decltype(h)::value>(args, blocks); });
  if (!known) std::abort();
}

// The engine's device, on the CPU: the records in host memory, each launch run_launch_on_cpu.
class ModelDevice final : public multi_run::Device {
 public:
  ModelDevice(int hidden, int bits, int threads)
      : hidden_(hidden), bits_(bits), threads_(threads) {}

  void load(const std::vector<multi_run::RunDescriptor>& runs,
            const std::vector<multi_run::RunState>& states,
            const std::vector<float>& weights) override {
    runs_ = runs;
    states_ = states;
    weights_ = weights;
  }
  void advance(const std::vector<std::int32_t>& active, std::int64_t steps) override {
    run_launch_on_cpu(hidden_,
                      multi_run::launch_over(runs_.data(), states_.data(), weights_.data(),
                                             active.data(), steps, bits_, threads_),
                      static_cast<std::int64_t>(active.size()));
    ++launches_;
  }
  void read_states(std::vector<multi_run::RunState>& states) override { states = states_; }
  void read_weights(std::vector<float>& weights) override { weights = weights_; }
  void write_states(const std::vector<multi_run::RunState>& states) override { states_ = states; }

  std::int64_t launches() const { return launches_; }

 private:
  int hidden_;
  int bits_;
  int threads_;
  std::vector<multi_run::RunDescriptor> runs_;
  std::vector<multi_run::RunState> states_;
  std::vector<float> weights_;
  std::int64_t launches_ = 0;
};

// One run, one step per launch, on the CPU (multi_run_stepper.hpp).
class ModelStepper final : public MultiRunStepper {
 public:
  using MultiRunStepper::MultiRunStepper;
  std::string backend_name() const override { return "multi-run-cpu-model"; }

 protected:
  void launch_one_step(OneStepRecords& records) override {
    run_launch_on_cpu(config().hidden, records.args(), 1);
  }
};

}  // namespace carry::testing
