// machine.cpp: facts about the machine and the build that every benchmark record carries.
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "carry/bench.hpp"
#include "carry/cpu_trainer.hpp"
#include "carry/worker_threads.hpp"

namespace carry {

extern const char* const kBuildCommit;  // generated at build time (cmake/commit.cmake)

std::string build_commit() {
  return kBuildCommit;
}

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        return line.substr(line.find_first_not_of(' ', colon + 1)) + " (" +
               std::to_string(std::thread::hardware_concurrency()) + " cores)";
      }
    }
  }
  return "unknown CPU";
}

double measure_cpu_peak_gflops(int threads) {
  const CpuFmaLoop loop = cpu_fma_loop();
  if (loop.run == nullptr) return 0.0;
  // About 0.3 s of FMAs per thread at ~100 GFLOP/s; all threads run at once.
  const auto iterations = static_cast<std::int64_t>(1.6e9 / loop.flops_per_iteration);
  std::vector<float> sinks(threads);
  const auto start = std::chrono::steady_clock::now();
  run_on_threads(threads, [&](int t) { sinks[t] = loop.run(iterations); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double flops = loop.flops_per_iteration * static_cast<double>(iterations) * threads;
  return flops / seconds / 1e9;
}

}  // namespace carry
