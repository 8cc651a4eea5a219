// cuda_cli_test.cpp: the `carry` program's cuda-facing commands end to end. Label `cpu` for what
// a machine without a GPU must do (clear one-line errors, exit status 2; time-steps on the CPU);
// label `gpu` (CudaCliOnGpu.*) for verify, train and time-steps on a GPU.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "carry/cpu_trainer.hpp"
#include "carry/cuda_backend.hpp"
#include "carry_process.hpp"
#include "gpu_test_support.hpp"

namespace {

namespace fs = std::filesystem;

using carry::testing::CarryResult;
using carry::testing::run_carry;
using carry::testing::words;

// Without a usable GPU, asking for one is a one-line error with exit status 2 that says why.
void expect_no_gpu_error(const std::string& args) {
  const CarryResult run = run_carry(words(args));
  EXPECT_EQ(run.status, 2) << args << "\n" << run.out << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_EQ(run.err.rfind("carry: error: ", 0), 0u) << run.err;
  const bool says_why = run.err.find("no usable GPU: ") != std::string::npos ||
                        run.err.find("built without CUDA") != std::string::npos;
  EXPECT_TRUE(says_why) << run.err;
}

TEST(CudaCliWithoutGpu, CudaBackendAndVerifyExplainAndExitTwo) {
  if (carry::probe_gpu().usable) GTEST_SKIP() << "a GPU is usable here";
  expect_no_gpu_error("train --backend cuda --steps 5");
  expect_no_gpu_error("verify");
  expect_no_gpu_error("verify --steps 2 --batch 4");
  expect_no_gpu_error("time-steps --backend cuda --steps 2");
  expect_no_gpu_error("time-launch");
}

TEST(CudaCliWithoutGpu, AutoFallsBackToTheCpu) {
  if (carry::probe_gpu().usable) GTEST_SKIP() << "a GPU is usable here";
  const carry::testing::AutoBackendAllowed auto_on_purpose;
  const CarryResult run = run_carry(words("train --steps 3 --report-every 1 --until-accuracy 0"));
  EXPECT_EQ(run.status, 0) << run.err;
  // The best CPU backend: cpu where the processor has AVX2 and FMA.
  const std::string expected = carry::cpu_backend_isa().empty() ? "reference" : "cpu";
  EXPECT_EQ(run.out.rfind("training on " + expected + ":", 0), 0u) << run.out;
}

TEST(CudaCli, BadVerifyOptionsExitTwo) {
  for (const char* args : {"verify --batch 0", "verify --bits 33", "verify --hidden 0",
                           "verify --steps 0", "verify --lr -1"}) {
    const CarryResult run = run_carry(words(args));
    EXPECT_EQ(run.status, 2) << args << "\n" << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
}

TEST(CudaCli, BadKernelNamesExitTwoWithOneLine) {
  for (const char* args : {"train --kernel fast", "verify --kernel fast", "bench --kernel fast",
                           "train --kernel", "time-steps --kernel fast"}) {
    const CarryResult run = run_carry(words(args));
    EXPECT_EQ(run.status, 2) << args << "\n" << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << args << "\n" << run.err;
  }
  const CarryResult run = run_carry(words("train --kernel fast"));
  EXPECT_NE(run.err.find("--kernel must be chain, fused, fused-v1 or fused-v2 (got 'fast')"),
            std::string::npos)
      << run.err;
}

TEST(CudaCli, KernelIsListedInHelp) {
  for (const char* command : {"train", "verify", "bench"}) {
    const CarryResult run = run_carry(words(std::string(command) + " --help"));
    EXPECT_EQ(run.status, 0) << command;
    EXPECT_NE(run.out.find("--kernel"), std::string::npos) << command << "\n" << run.out;
  }
}

TEST(CudaCli, TimeStepsPrintsOneJsonLine) {
  const CarryResult run =
      run_carry(words("time-steps --backend reference --batch 8 --steps 5 --warmup 2"));
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;
  const nlohmann::json line = nlohmann::json::parse(run.out);
  EXPECT_EQ(line.at("backend"), "reference");
  EXPECT_EQ(line.at("batch"), 8);
  EXPECT_EQ(line.at("steps"), 5);
  EXPECT_EQ(line.at("timer"), "steady-clock");
  EXPECT_GT(line.at("samples_per_s").get<double>(), 0.0);
  EXPECT_NEAR(line.at("samples_per_s").get<double>(), 8 * 5 / line.at("seconds").get<double>(),
              1e-6 * line.at("samples_per_s").get<double>());
  // On the CPU the steps are the whole time, and no batch is drawn apart from them.
  EXPECT_EQ(line.at("elapsed_seconds"), line.at("seconds"));
  EXPECT_TRUE(line.at("host_draw_seconds").is_null());
  EXPECT_TRUE(line.at("host_draw_samples_per_s").is_null());
  EXPECT_EQ(line.at("paced_by"), "cpu");
}

TEST(CudaCli, HelpListsVerify) {
  const CarryResult run = run_carry(words("--help"));
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("verify"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("time-steps"), std::string::npos) << run.out;  // for scripts, unlisted
  EXPECT_EQ(run.out.find("time-launch"), std::string::npos) << run.out;
  EXPECT_EQ(run_carry(words("verify --help")).status, 0);
  EXPECT_EQ(run_carry(words("time-steps --help")).status, 0);
  EXPECT_EQ(run_carry(words("time-launch --help")).status, 0);
  const CarryResult bad = run_carry(words("time-launch --repeats 0"));
  EXPECT_EQ(bad.status, 2) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

// --- gpu ---------------------------------------------------------------------------------------

TEST(CudaCliOnGpu, VerifyPassesAndWritesJson) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const fs::path json =
      fs::temp_directory_path() / ("carry_verify_" + std::to_string(::getpid()) + ".json");
  const CarryResult run = run_carry(words("verify --steps 5 --batch 100 --json " + json.string()));
  EXPECT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("PASS"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("bit-identical"), std::string::npos) << run.out;
  std::ifstream file(json);
  const nlohmann::json figures = nlohmann::json::parse(file);
  EXPECT_EQ(figures.at("passed"), true);
  EXPECT_EQ(figures.at("per_step").size(), 5u);
  fs::remove(json);
}

TEST(CudaCliOnGpu, VerifyFusedPasses) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  // fused: the newest version for the default size (v2); then each version by name.
  for (const char* kernel : {"fused", "fused-v1", "fused-v2"}) {
    const CarryResult run =
        run_carry(words(std::string("verify --steps 5 --batch 1000 --kernel ") + kernel));
    EXPECT_EQ(run.status, 0) << kernel << "\n" << run.out << run.err;
    const std::string expected = std::string(kernel) == "fused" ? "fused-v2" : kernel;
    EXPECT_NE(run.out.find("(" + expected + " kernel)"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("bit-identical"), std::string::npos) << run.out;
  }
}

TEST(CudaCliOnGpu, FusedFallsBackToTheChainWithANote) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const CarryResult run = run_carry(words("verify --kernel fused --hidden 7 --steps 2 --batch 10"));
  EXPECT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("chain kernel"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("runs on the chain kernels"), std::string::npos) << run.err;
}

TEST(CudaCliOnGpu, TrainOnCudaReachesFullAccuracy) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const CarryResult run = run_carry(words("train --backend cuda"));
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.rfind("training on cuda:", 0), 0u) << run.out;
  EXPECT_NE(run.out.find("reached 100.00% exact-match accuracy"), std::string::npos) << run.out;
}

TEST(CudaCliOnGpu, TheSelfCheckPassesAndLeavesTheRunAsItWas) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const fs::path folder =
      fs::temp_directory_path() / ("carry_self_check_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  const std::string checked = (folder / "checked.json").string();
  const std::string unchecked = (folder / "unchecked.json").string();
  const CarryResult with =
      run_carry(words("train --backend cuda --steps 60 --until-accuracy 0 "
                      "--report-every 20 --save " +
                      checked));
  const CarryResult without =
      run_carry(words("train --backend cuda --no-self-check --steps 60 "
                      "--until-accuracy 0 --report-every 20 --save " +
                      unchecked));
  EXPECT_EQ(with.status, 0) << with.out << with.err;
  EXPECT_EQ(without.status, 0) << without.out << without.err;
  EXPECT_NE(with.out.find("self-check: step 0 on 32 problems agrees with the float64 reference"),
            std::string::npos)
      << with.out;
  EXPECT_EQ(without.out.find("self-check"), std::string::npos) << without.out;
  std::ifstream a(checked), b(unchecked);
  const std::string checked_text((std::istreambuf_iterator<char>(a)), {});
  const std::string unchecked_text((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(checked_text.empty());
  EXPECT_EQ(checked_text, unchecked_text);
  // A batch above the slice is checked on a second trainer of the slice's size.
  const CarryResult large = run_carry(
      words("train --backend cuda --kernel fused --batch 5000 --steps 3 --until-accuracy 0"));
  EXPECT_EQ(large.status, 0) << large.out << large.err;
  EXPECT_NE(large.out.find("self-check: step 0 on 1024 problems agrees"), std::string::npos)
      << large.out;
  fs::remove_all(folder);
}

TEST(CudaCliOnGpu, AutoPicksCudaAndTimeStepsUsesEvents) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const CarryResult train = run_carry(words("train --steps 3 --report-every 1 --until-accuracy 0"));
  EXPECT_EQ(train.status, 0) << train.err;
  EXPECT_EQ(train.out.rfind("training on cuda:", 0), 0u) << train.out;
  const CarryResult bench = run_carry(words("time-steps --backend cuda --batch 1000 --steps 20"));
  ASSERT_EQ(bench.status, 0) << bench.err;
  const nlohmann::json line = nlohmann::json::parse(bench.out);
  EXPECT_EQ(line.at("timer"), "cuda-events");
  EXPECT_GT(line.at("samples_per_s").get<double>(), 0.0);
  // The GPU's work alone, within the elapsed stretch; the host's drawing apart.
  EXPECT_LE(line.at("seconds").get<double>(), line.at("elapsed_seconds").get<double>() + 1e-4);
  EXPECT_GT(line.at("host_draw_samples_per_s").get<double>(), 0.0);
  EXPECT_TRUE(line.at("paced_by") == "gpu" || line.at("paced_by") == "host") << line.dump();
  const CarryResult fused =
      run_carry(words("time-steps --backend cuda --kernel fused --batch 1000 --steps 20"));
  ASSERT_EQ(fused.status, 0) << fused.err;
  const nlohmann::json fused_line = nlohmann::json::parse(fused.out);
  EXPECT_TRUE(fused_line.at("host_draw_seconds").is_null()) << fused.out;  // drawn on the GPU
  EXPECT_EQ(fused_line.at("paced_by"), "gpu");
}

TEST(CudaCliOnGpu, TimeLaunchPrintsCostsAndKernelResources) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const CarryResult run = run_carry(words("time-launch --repeats 200"));
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;
  const nlohmann::json line = nlohmann::json::parse(run.out);
  for (const char* key : {"kernel_launch_us", "graph_1_node_us", "graph_3_nodes_us"}) {
    const double us = line.at(key).get<double>();
    EXPECT_GT(us, 0.0) << key;
    EXPECT_LT(us, 1000.0) << key;  // a launch costs microseconds, not milliseconds
  }
  EXPECT_EQ(line.at("repeats"), 200);
  ASSERT_EQ(line.at("fused").size(), 4u);
  for (const nlohmann::json& kernel : line.at("fused")) {
    EXPECT_GT(kernel.at("registers").get<int>(), 0) << kernel.dump();
    EXPECT_GE(kernel.at("blocks_per_sm").get<int>(), 1) << kernel.dump();
  }
}

TEST(CudaCliOnGpu, TooLargeABatchNamesTheLargestThatFits) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const CarryResult run =
      run_carry(words("train --backend cuda --batch 67108864 --hidden 256 --bits 32"));
  EXPECT_EQ(run.status, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("the largest batch that fits is "), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

}  // namespace
