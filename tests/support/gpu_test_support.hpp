// gpu_test_support.hpp: what the `gpu`-labelled tests share. A missing GPU is a skip ("waived"),
// unless CARRY_REQUIRE_GPU=1, which turns it into a failure so a GPU machine cannot pass by
// skipping. Random test data comes from a fresh seed each run, printed with every failure;
// CARRY_TEST_SEED=N repeats a run.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "carry/cuda_backend.hpp"
#include "carry/gpu_probe.hpp"
#include "carry/parameters.hpp"

namespace carry::testing {

inline bool gpu_required() {
  const char* value = std::getenv("CARRY_REQUIRE_GPU");
  return value != nullptr && std::string(value) == "1";
}

inline std::uint64_t test_seed() {
  if (const char* value = std::getenv("CARRY_TEST_SEED")) return std::strtoull(value, nullptr, 10);
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

// The cuda backend for config, from the seed program's initial weights for config.seed.
inline std::unique_ptr<CudaTrainer> make_seeded_cuda_trainer(const TrainConfig& config) {
  return make_cuda_trainer(
      config, numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden));
}

}  // namespace carry::testing

// In a TEST body: skip (or fail, with CARRY_REQUIRE_GPU=1) when no usable GPU is present.
#define CARRY_REQUIRE_GPU_OR_SKIP()                                                          \
  do {                                                                                       \
    const ::carry::GpuStatus carry_gpu_status = ::carry::probe_gpu();                        \
    if (!carry_gpu_status.usable) {                                                          \
      if (::carry::testing::gpu_required()) {                                                \
        FAIL() << "CARRY_REQUIRE_GPU=1 but no usable GPU: " << carry_gpu_status.description; \
      }                                                                                      \
      GTEST_SKIP() << "no usable GPU: " << carry_gpu_status.description;                     \
    }                                                                                        \
  } while (0)
