// step_expectations.hpp: what every test that holds a fast step against the float64 reference
// expects (verification.hpp's check_step): each tensor within its float32 tolerance, and the
// exact-match count and sample 0's answer equal up to outputs within their tolerance of 0.5; and
// the configuration such tests start from. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "carry/config.hpp"
#include "carry/verification.hpp"

namespace carry::testing {

inline void expect_step_passes(const StepCheck& check, const std::string& what) {
  for (const TensorCheck& tensor : check.tensors) {
    EXPECT_TRUE(tensor.passed()) << what << ": " << tensor.name << " " << tensor.failures << " of "
                                 << tensor.elements << " over tolerance, worst error/tolerance "
                                 << tensor.worst_ratio << " at " << tensor.worst_index
                                 << ", max abs " << tensor.max_abs_error;
  }
  EXPECT_TRUE(check.exact_ok) << what << ": exact " << check.exact_actual << " vs "
                              << check.exact_expected << " (" << check.ambiguous << " ambiguous)";
  EXPECT_TRUE(check.prediction_ok) << what;
}

// A cuda run of the given kernel and size, lr 4 (the batch-size rule's value from B 16 on).
inline TrainConfig cuda_test_config(const std::string& kernel, int bits, int hidden,
                                    std::int64_t batch, std::int64_t seed = 0) {
  TrainConfig config;
  config.backend = "cuda";
  config.kernel = kernel;
  config.bits = bits;
  config.hidden = hidden;
  config.batch = batch;
  config.seed = seed;
  config.lr = 4.0;
  return config;
}

}  // namespace carry::testing
