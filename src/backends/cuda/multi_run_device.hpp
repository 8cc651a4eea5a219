// multi_run_device.hpp: the multi-run engine's core, apart from where its kernel runs. The engine
// (multi_run_engine.cpp) groups runs by shape, advances each group launch by launch on a
// Device, confirms the paused runs' checks with the host's float64 evaluation and reports
// finished runs; the device is the GPU (multi_run_gpu.cpp) or, in the tests, the kernel's block
// program on the CPU (tests/backends/cuda/multi_run_model.hpp). No CUDA syntax.
//
// Shapes: H hidden, T bits, S threads per run, W weights per run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "carry/multi_run_engine.hpp"
#include "multi_run_plan.hpp"

namespace carry::multi_run {

// The records of one group of runs of shape (H, T, S), where the kernel runs.
class Device {
 public:
  virtual ~Device() = default;
  // Copies the group's records over: descriptors, states, weights (runs x W).
  virtual void load(const std::vector<multi_run::RunDescriptor>& runs,
                    const std::vector<multi_run::RunState>& states,
                    const std::vector<float>& weights) = 0;
  // One launch: block b advances run active[b] by up to `steps` steps. Returns when it is done.
  virtual void advance(const std::vector<std::int32_t>& active, std::int64_t steps) = 0;
  virtual void read_states(std::vector<multi_run::RunState>& states) = 0;
  virtual void read_weights(std::vector<float>& weights) = 0;
  virtual void write_states(const std::vector<multi_run::RunState>& states) = 0;
};

// A device for a group, or null when there is no kernel for its hidden size.
using DeviceFactory = std::function<std::unique_ptr<Device>(int hidden, int bits, int threads)>;
using RunAlone = std::function<RunOutcome(const TrainConfig& spec)>;

// train_runs_on_gpu with the devices and the fallback given: what it does, testable without a GPU.
Totals train_runs(const std::vector<TrainConfig>& specs, const Options& options,
                  const DeviceFactory& make_device, const RunAlone& run_alone,
                  const RunFinished& on_run_finished, const std::function<bool()>& stop_requested);

// The fewest exact pairs of `pairs` at which a check passes, as run_training decides it
// (exact / pairs >= until); pairs + 1 when none does (until 0: checks never stop a run).
std::uint32_t needed_exact(double until, std::uint32_t pairs);

// Whether the host's float64 count `exact` agrees with what the device's check found certain:
// a complete walk brackets it (right <= exact <= right + uncertain), a walk stopped early found
// `wrong` pairs certainly wrong (exact <= pairs - wrong, and below `needed`).
bool host_agrees(const multi_run::RunState& state, std::uint64_t exact, std::uint32_t pairs,
                 std::uint32_t needed);

// The steps each launch runs: about 20 ms of work for the runs in flight at the FLOP rate the
// docs predict, within 16 .. 1024 (multi_run_engine.cpp says why).
std::int64_t steps_per_launch(const std::vector<TrainConfig>& specs, std::int64_t runs_in_flight);

}  // namespace carry::multi_run
