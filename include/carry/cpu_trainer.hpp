// cpu_trainer.hpp: the cpu backend: float32, batched, vectorised (AVX2 or AVX-512, chosen at run
// time) and multi-threaded, with the reference's semantics: the same counter-based batch for the
// same seed and step, the same initial weights, W += lr · (mean update over the batch).
//
// The batch is cut into fixed chunks of 128 problems; each chunk's update is summed in float32
// per vector lane, then in float64 across lanes; chunk sums are added in chunk order in float64.
// The result is therefore bit-identical run to run and for any thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carry/memory_budget.hpp"
#include "carry/trainer.hpp"

namespace carry {

class ThreadPool;
namespace cpu {
struct KernelTable;
}  // namespace cpu

// The instruction set the cpu backend would use here ("avx512", "avx2"), or "" if it cannot run.
std::string cpu_backend_isa();

// What a run of `config` needs of memory besides every run's (memory_budget.hpp): no batch array
// (each chunk draws its own problems), each chunk's float64 sums, a workspace per thread.
MemoryNeed cpu_memory_need(const TrainConfig& config);

// The kernel's loop of independent float32 FMAs, for measuring the processor's peak (carry
// bench): run(n) does n iterations of flops_per_iteration FLOP. run is null when the cpu backend
// cannot run here.
struct CpuFmaLoop {
  float (*run)(std::int64_t iterations) = nullptr;
  double flops_per_iteration = 0.0;
};
CpuFmaLoop cpu_fma_loop();

class CpuTrainer final : public Trainer {
 public:
  // threads = 0: all cores. Throws UserError when the processor lacks AVX2 and FMA.
  CpuTrainer(const TrainConfig& config, const Parameters& initial);
  ~CpuTrainer() override;
  std::string backend_name() const override { return "cpu"; }
  StepResult train_step(std::uint64_t step) override;
  Parameters parameters() const override;
  // Checked after every step by the divergence guard: no copy, no allocation.
  double largest_weight_magnitude() const override;

  // One step's mean update and loss at the current weights, without applying it (for tests and
  // verification against the reference).
  struct StepUpdate {
    Parameters mean_update;
    double mean_loss = 0.0;
    std::uint64_t first_prediction = 0;
  };
  StepUpdate compute_update(std::uint64_t step);

  int threads() const;
  std::string isa() const;

  // Starts another run in this trainer, exactly as a trainer constructed with (config, initial)
  // would run it, on the same threads and reusing its buffers (a sweep's runs one after another).
  // The thread count stays the one it was constructed with (results never depend on it).
  void restart(const TrainConfig& config, const Parameters& initial);

 private:
  // Runs the step's chunks and adds their sums, in chunk order, into stack_total_, w1_total_ and
  // loss_total_; returns the answer to the batch's first problem.
  std::uint64_t sum_chunks(std::uint64_t step);

  TrainConfig config_;
  const cpu::KernelTable* kernel_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<float> w_stack_;  // (H + 2) x H: Wh rows, then the two W0 rows
  std::vector<float> w1_;       // H
  std::int64_t chunks_ = 0;
  std::vector<double> chunk_stack_updates_;  // chunks x (H + 2) x H
  std::vector<double> chunk_w1_updates_;     // chunks x H
  std::vector<double> chunk_losses_;         // chunks
  std::vector<double> stack_total_;          // (H + 2) x H
  std::vector<double> w1_total_;             // H
  double loss_total_ = 0.0;
  std::vector<std::unique_ptr<float, void (*)(void*)>> scratch_;  // one per thread
  std::int64_t scratch_floats_ = 0;                               // floats in each
};

}  // namespace carry
