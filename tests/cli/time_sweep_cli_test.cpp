// time_sweep_cli_test.cpp: label `cpu`. `carry time-sweep` as a real process: a small sweep on
// the cpu backend prints one JSON line whose figures add up (runs, reached, samples from the
// steps), bad values are one line on stderr and exit status 2, and --backend cuda without a
// usable GPU says why (exit 2).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "carry/gpu_probe.hpp"
#include "carry_process.hpp"

namespace carry {
namespace {

using testing::run_carry;
using testing::words;

TEST(TimeSweepCli, PrintsOneJsonLineOfTheSweep) {
  const testing::CarryResult result = run_carry(
      words("time-sweep --backend cpu --runs 3 --first-seed 5 --hidden 4 --bits 4 --batch 8 "
            "--steps 40 --check-every 20 --until-accuracy 0 --threads 1"));
  ASSERT_EQ(result.status, 0) << result.err;
  const nlohmann::json line = nlohmann::json::parse(result.out);
  EXPECT_EQ(line.at("runs"), 3);
  EXPECT_EQ(line.at("reached"), 0) << "--until-accuracy 0 never stops a run";
  EXPECT_EQ(line.at("samples"), 3 * 40 * 8);
  EXPECT_EQ(line.at("engine"), "cpu-per-run");
  EXPECT_GT(line.at("runs_per_s").get<double>(), 0.0);
  EXPECT_TRUE(line.at("steps_to_target_median").is_null());
}

TEST(TimeSweepCli, RefusesBadValuesWithOneLine) {
  for (const char* args :
       {"time-sweep --runs 0", "time-sweep --backend gpu", "time-sweep --backend cpu --hidden 0",
        "time-sweep --backend cpu --confirm maybe", "time-sweep --backend cpu --check-every 0",
        "time-sweep --backend cpu --runs 010x",
        "time-sweep --backend cpu --first-seed 4294967295 "
        "--runs 2"}) {
    const testing::CarryResult result = run_carry(words(args));
    EXPECT_EQ(result.status, 2) << args;
    EXPECT_TRUE(result.out.empty()) << args;
    EXPECT_EQ(result.err.find("carry: error: "), 0u) << args << ": " << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << args << ": " << result.err;
  }
}

TEST(TimeSweepCli, CudaWithoutAGpuSaysWhy) {
  if (probe_gpu().usable) GTEST_SKIP() << "a GPU is here: the gpu tests time the sweep";
  const testing::CarryResult result = run_carry(words("time-sweep --runs 2"));
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("--backend cuda"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace carry
