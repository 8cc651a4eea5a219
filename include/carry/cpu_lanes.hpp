// cpu_lanes.hpp: the cpu backend with lanes over runs, for sweeps of small batches. One run of
// batch B < 16 fills B of a vector's 16 lanes; here up to 16 / B runs of the same hidden size H,
// length T and batch B share each 16-lane pass, lane l holding sample l % B of the run in slot
// l / B, with that run's own weights.
//
// Each slot's run has its own weights, seed, rate and step counter, and trains exactly as
// CpuTrainer trains it alone, bit for bit: the same problems (seed, step, 0 .. B-1), the same
// arithmetic in its lanes, its sums over its own lanes in order (as a chunk of B samples sums
// lanes 0 .. B-1), and W += lr · mean rounded once to float32. Runs come and go independently:
// a slot whose run ended takes the next run, at its own step 0.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "carry/trainer.hpp"

namespace carry {

namespace cpu {
struct KernelTable;
}

class CpuLanes {
 public:
  // Slots for runs of `hidden` units, `bits`-bit problems and `batch` problems a step
  // (1 .. 16). Throws UserError when the processor lacks AVX2 and FMA.
  CpuLanes(int hidden, int bits, std::int64_t batch);
  ~CpuLanes();
  CpuLanes(const CpuLanes&) = delete;
  CpuLanes& operator=(const CpuLanes&) = delete;

  int slots() const { return slots_; }
  int hidden() const { return hidden_; }
  int bits() const { return bits_; }
  std::int64_t batch() const { return batch_; }

  // Puts a run in free slot `slot`: config's seed and lr, these weights, from step 0.
  // config.hidden, bits and batch must be the slots' (std::invalid_argument otherwise).
  void start(int slot, const TrainConfig& config, const Parameters& initial);
  void stop(int slot);
  bool busy(int slot) const { return runs_[static_cast<std::size_t>(slot)].busy; }
  int busy_slots() const;

  // One step for every busy slot (each its own next step) in one pass of the kernel.
  void train_step();

  std::int64_t steps_done(int slot) const { return runs_[static_cast<std::size_t>(slot)].steps; }
  // The result of the slot's last step, as CpuTrainer::train_step returns it.
  const StepResult& last_step(int slot) const { return runs_[static_cast<std::size_t>(slot)].last; }
  Parameters parameters(int slot) const;
  // As CpuTrainer::largest_weight_magnitude for the slot's weights (after its last step; before
  // the first, 0).
  double largest_weight_magnitude(int slot) const;

 private:
  struct Run {
    bool busy = false;
    std::uint64_t seed = 0;
    double lr = 0.0;
    std::int64_t steps = 0;
    StepResult last;
    double largest_magnitude = 0.0;  // of its weights after the last step
  };
  // Weight k of the slot (its first lane's copy).
  float stack_weight(int slot, int k) const;
  float w1_weight(int slot, int k) const;

  const cpu::KernelTable* kernel_;
  int hidden_;
  int bits_;
  std::int64_t batch_;
  int slots_;
  std::vector<Run> runs_;
  std::unique_ptr<float, void (*)(void*)> w_stack_;  // (H + 2)·H·16, lane by lane
  std::unique_ptr<float, void (*)(void*)> w1_;       // H·16
  std::unique_ptr<float, void (*)(void*)> scratch_;
  std::vector<std::uint32_t> a_;  // 16
  std::vector<std::uint32_t> b_;
  std::vector<double> update_stack_;  // (H + 2)·H·16: each lane's run's sums
  std::vector<double> update_w1_;     // H·16
  std::vector<double> loss_;          // slots
  std::vector<std::uint64_t> first_prediction_;
};

}  // namespace carry
