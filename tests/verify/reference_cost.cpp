// reference_cost.cpp: not a test, a timing harness. The float64 side of every GPU check in
// scripts/gpu-check.sh and of the heavy GPU tests, with the GPU side absent: the same reference
// calls (verify_backend's lockstep and drift, expect_slot_steps_match's reference step, the
// self-check's), against a stepper that only hands back its weights. The reference is the same
// code on any CPU, so this sizes the GPU checks before a GPU is at hand.
//
//   cmake --build build-cpu --target reference_cost
//   build-cpu/tests/reference_cost [--threads N] [--only NAME]
//
// Prints one line per workload: wall seconds and the process's CPU seconds (on a shared or
// oversubscribed machine CPU seconds / threads is the better estimate of a quiet machine's wall
// time). Shapes: B batch, T bits, H hidden.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "carry/self_check.hpp"
#include "carry/trainer.hpp"
#include "carry/verification.hpp"
#include "fused_plan.hpp"

namespace carry {
namespace {

// Hands back its weights and nothing else: every comparison fails at once, so all the time is
// the reference's.
class WeightsOnlyStepper : public DetailedStepper {
 public:
  explicit WeightsOnlyStepper(const Parameters& initial) : params_(initial) {}
  std::string backend_name() const override { return "weights-only"; }
  StepResult train_step(std::uint64_t) override { return {}; }
  Parameters parameters() const override { return params_; }
  void set_parameters(const Parameters& params) override { params_ = params; }
  StepDetail run_step(std::uint64_t, bool) override {
    StepDetail detail;
    detail.mean_update = Parameters::zeros(params_.hidden);
    detail.weights_after = params_;
    return detail;
  }

 private:
  Parameters params_;
};

TrainConfig config_of(int bits, int hidden, std::int64_t batch, std::int64_t steps, int threads) {
  TrainConfig config;
  config.backend = "cuda";
  config.bits = bits;
  config.hidden = hidden;
  config.batch = batch;
  config.steps = steps;
  config.lr = 4.0;
  config.threads = threads;
  return config;
}

// verify_backend's float64 side: lockstep reference steps, then the drift trajectory.
void verify_reference(const TrainConfig& config) {
  verify_backend(
      [](const Parameters& initial) { return std::make_unique<WeightsOnlyStepper>(initial); },
      config);
}

// One reference step, as expect_slot_steps_match (step 7) and the self-check make.
void one_reference_step(const TrainConfig& config) {
  const Parameters weights =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  reference_step_with_tolerances(weights, make_batch(config, 7), config.bits, config.lr,
                                 config.threads);
}

struct Workload {
  std::string name;
  std::function<void(int threads)> run;
};

std::vector<Workload> workloads() {
  std::vector<Workload> all;
  auto verify = [&](const std::string& name, int bits, int hidden, std::int64_t batch,
                    std::int64_t steps) {
    all.push_back({name, [=](int threads) {
                     verify_reference(config_of(bits, hidden, batch, steps, threads));
                   }});
  };
  // scripts/gpu-check.sh's checks, as they were (for the record) and as they are.
  verify("verify_odd B65537 H7 T16 x5 (before)", 16, 7, 65537, 5);
  verify("verify_fused_v1 B65537 H64 T16 x5 (before)", 16, 64, 65537, 5);
  verify("verify_fused_v2 B65537 H16 T8 x5 (before)", 8, 16, 65537, 5);
  verify("verify: defaults B256 H16 T8 x20", 8, 16, 256, 20);
  verify("verify_odd: B65537 H7 T16 x2", 16, 7, 65537, 2);
  verify("verify_fused_v1: B33793 H64 T16 x2", 16, 64, 33793, 2);
  verify("verify_fused_v2: B65537 H16 T8 x2", 8, 16, 65537, 2);
  verify("sanitizer verify: B300 H16 T8 x2", 8, 16, 300, 2);
  all.push_back({"self-check: defaults (B32 H16 T8)", [](int threads) {
                   TrainConfig config = config_of(8, 16, 32, 1, threads);
                   one_reference_step(config);
                 }});
  all.push_back({"self-check: largest slice at H256 T32", [](int threads) {
                   TrainConfig config = config_of(32, 256, self_check_slice(256, 32), 1, threads);
                   one_reference_step(config);
                 }});
  // The GPU tests' reference parts (tests/backends/cuda/cuda_trainer_test.cpp, cuda_fused_test.cpp,
  // cuda_cli_test.cpp), one workload per test.
  all.push_back({"CudaTrainer.OneStepMatchesTheReferenceAtOddSizes", [](int threads) {
                   for (std::int64_t batch : {1, 3, 1000, 65537}) {
                     for (int hidden : {1, 7, 16, 64}) {
                       for (int bits : {2, 8, 16}) {
                         if (batch * bits * hidden * hidden > (std::int64_t{1} << 28)) continue;
                         one_reference_step(config_of(bits, hidden, batch, 1, threads));
                       }
                     }
                   }
                 }});
  verify("CudaTrainer.HundredStepsMatchTheReference B256 H16 T8 x100", 8, 16, 256, 100);
  all.push_back({"CudaFused.OneStepMatchesTheReference (v1 and v2)", [](int threads) {
                   for (int version : {1, 2}) {
                     for (std::int64_t batch : {1, 3, 1000, 65537}) {
                       for (int hidden : kFusedHidden) {
                         for (int bits : {2, 8, 16}) {
                           if (batch * bits * hidden * hidden > (std::int64_t{1} << 28)) continue;
                           if (version == 2 && !fused_v2_supported(hidden, bits)) continue;
                           one_reference_step(config_of(bits, hidden, batch, 1, threads));
                         }
                       }
                     }
                   }
                 }});
  all.push_back({"CudaFused.SeveralRoundsPerBlockMatchTheReference", [](int threads) {
                   for (int version = 1; version <= 2; ++version) {
                     one_reference_step(config_of(8, 16, 140000, 1, threads));
                   }
                 }});
  verify("CudaFused.HundredSteps v1+v2 B256 H16 T8 x100 (both)", 8, 16, 256, 200);
  verify("CudaFused.HundredSteps v1 B1000 H64 T16 x100 (before)", 16, 64, 1000, 100);
  verify("CudaFused.HundredSteps v1 B256 H64 T16 x100", 16, 64, 256, 100);
  verify("CudaFused.HundredSteps v1+v2 B1000 H32 T16 x100 (before, both)", 16, 32, 1000, 200);
  verify("CudaFused.HundredSteps v1+v2 B256 H32 T16 x100 (both)", 16, 32, 256, 200);
  verify("CudaCliOnGpu.VerifyPassesAndWritesJson B100 x5", 8, 16, 100, 5);
  verify("CudaCliOnGpu.VerifyFusedPasses B1000 x5 (x3)", 8, 16, 1000, 15);
  return all;
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

}  // namespace
}  // namespace carry

int main(int argc, char** argv) {
  int threads = 1;
  std::string only;
  for (int k = 1; k + 1 < argc; k += 2) {
    const std::string option = argv[k];
    if (option == "--threads") threads = std::atoi(argv[k + 1]);
    if (option == "--only") only = argv[k + 1];
  }
  std::printf("%-66s %8s %8s  (threads %d)\n", "workload", "wall s", "cpu s", threads);
  for (const carry::Workload& workload : carry::workloads()) {
    if (!only.empty() && workload.name.find(only) == std::string::npos) continue;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = carry::cpu_seconds();
    workload.run(threads);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-66s %8.2f %8.2f\n", workload.name.c_str(), wall,
                carry::cpu_seconds() - cpu_start);
    std::fflush(stdout);
  }
  return 0;
}
