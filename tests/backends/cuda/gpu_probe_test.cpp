// gpu_probe_test.cpp: label `gpu`. Skips without a usable GPU; CARRY_REQUIRE_GPU=1 turns the
// skip into a failure, so a broken driver cannot pass on a GPU machine.
#include "carry/gpu_probe.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

bool gpu_required() {
  const char* value = std::getenv("CARRY_REQUIRE_GPU");
  return value != nullptr && std::string(value) == "1";
}

TEST(GpuProbe, ReportsADeviceOrWhyNot) {
  const carry::GpuStatus status = carry::probe_gpu();
  EXPECT_FALSE(status.description.empty());
  if (!status.usable) {
    if (gpu_required()) FAIL() << "CARRY_REQUIRE_GPU=1 but no usable GPU: " << status.description;
    GTEST_SKIP() << "no usable GPU: " << status.description;
  }
  EXPECT_NE(status.description.find("sm_"), std::string::npos) << status.description;
}

}  // namespace
