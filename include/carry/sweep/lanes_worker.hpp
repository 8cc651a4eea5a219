// lanes_worker.hpp: a sweep worker's runs of a small batch side by side in the lanes of the cpu
// kernel (lanes over runs, cpu_lanes.hpp): up to 16 / B runs of one hidden size, length and
// batch B train in each pass, and a slot whose run ends takes the next at its own step 0.
//
// Each run follows run_training's rules (RunSchedule: checks at multiples of the check interval
// and at the last step, the divergence guard after every step, the same ExactMatchCheck), so it
// stops at the same step with the same weights as `carry train` (bit for bit: cpu_lanes.hpp).
// A run's training seconds are its share of each pass (the pass's time over its busy slots).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "carry/cpu_lanes.hpp"
#include "carry/evaluate.hpp"
#include "carry/sweep/engine.hpp"
#include "carry/training_loop.hpp"

namespace carry::sweep {

// The batches lanes over runs take: two runs or more to a pass.
constexpr std::int64_t kLanesMaxBatch = 8;

class LanesWorker {
 public:
  // `check` is the worker's (it holds the evaluation set's pair order), used by every run here.
  LanesWorker(const SweepSettings& settings, const RunSpec& shape, ExactMatchCheck& check);

  // Whether `run` has the hidden size and batch of this worker's slots.
  bool fits(const RunSpec& run) const;
  bool has_free_slot() const;
  bool busy() const;
  // Starts `run` (settings.steps > 0) in a free slot.
  void start(const RunSpec& run);

  // One pass: a step of every run; calls `finished` for each run that ended with it.
  void step(const std::function<void(FinishedRun&&)>& finished);

 private:
  struct Slot {
    RunSpec run;
    TrainConfig config;
    std::unique_ptr<RunSchedule> schedule;
    std::chrono::steady_clock::time_point started;
    double training_seconds = 0.0;
  };
  void finish(int slot, bool reached, bool diverged,
              const std::function<void(FinishedRun&&)>& finished);

  SweepSettings settings_;
  CpuLanes lanes_;
  ExactMatchCheck& check_;
  std::vector<Slot> slots_;
};

}  // namespace carry::sweep
