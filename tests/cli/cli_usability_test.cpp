// cli_usability_test.cpp: what a new user meets first: `carry add` labels its bit strings truly
// and exits 1 on a wrong answer; --version and `carry help [COMMAND]`; time-steps --help lists
// every backend; bench finds its peer scripts from its own path, not from a build-time path;
// ASCII marks outside a UTF-8 locale; long problems report on a sample and end on the full set;
// and --seed-compat is guarded against divergence like every run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

namespace fs = std::filesystem;
using CliUsability = TempFolder;

TEST_F(CliUsability, AddSaysWhichWayItsBitsRunAndFailsOnAWrongAnswer) {
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--save",
                       path("trained.json")})
                .status,
            0);
  const CarryResult right =
      run_carry_with({"LC_ALL=C.UTF-8"}, {"add", "39", "17", "--checkpoint", path("trained.json")});
  EXPECT_EQ(right.status, 0) << right.err;
  EXPECT_EQ(right.out.rfind("39 + 17 = 56 \u2713\n", 0), 0u) << right.out;
  EXPECT_NE(right.out.find("  true sum    00111000\n"), std::string::npos) << right.out;  // 56
  EXPECT_NE(right.out.find("bits shown most significant first"), std::string::npos) << right.out;
  // Untrained weights get most sums wrong: each answer's status says which.
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "0",
                       "--save", path("raw.json")})
                .status,
            0);
  int wrong = 0;
  for (int a = 1; a < 30; a += 7) {
    const CarryResult run = run_carry_with(
        {"LC_ALL=C.UTF-8"}, {"add", std::to_string(a), "5", "--checkpoint", path("raw.json")});
    const bool is_right = run.out.find("\u2713") != std::string::npos;
    EXPECT_EQ(run.status, is_right ? 0 : 1) << run.out;
    wrong += is_right ? 0 : 1;
  }
  EXPECT_GT(wrong, 0) << "no wrong answer to check the status of";
}

TEST(CliUsabilityHelp, VersionAndHelpCommand) {
  const CarryResult version = run_carry({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(std::regex_match(version.out, std::regex("carry [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit "
                                                       "[^)]+\\)\n")))
      << version.out;
  EXPECT_EQ(run_carry({"help"}).out, run_carry({"--help"}).out);
  for (const char* command : {"train", "eval", "add", "verify", "bench", "time-steps"}) {
    const CarryResult help = run_carry({"help", command});
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_EQ(help.out, run_carry({command, "--help"}).out) << command;
  }
  const CarryResult unknown = run_carry({"help", "frobnicate"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos) << unknown.err;
  EXPECT_NE(run_carry({"time-steps", "--help"}).out.find("auto, cuda, cpu or reference"),
            std::string::npos);
}

TEST_F(CliUsability, BenchFindsItsPeersFromItsOwnPath) {
  const CarryResult help = run_carry({"bench", "--help"});
  // The default is not a path fixed at build time, such as the source tree's (the parent of the
  // build folder carry is in).
  const std::string source = fs::path(CARRY_BINARY).parent_path().parent_path().string();
  EXPECT_EQ(help.out.find(source + "/bench/peers"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("found from its own path"), std::string::npos) << help.out;
  fs::create_directories(path("empty"));
  const CarryResult run =
      run_carry({"bench", "--peers", "--peers-dir", path("empty"), "--batch", "1"});
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("--peers: cannot read " + path("empty") + "/torch_rnn.py"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.out, "") << "measured before refusing";
}

TEST_F(CliUsability, BenchChecksItsOutputBeforeMeasuring) {
  std::ofstream(path("results")) << "a file, not a folder";
  const CarryResult run = run_carry({"bench", "--batch", "1", "--out", path("results")});
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, "carry: error: --out " + path("results") +
                         ": it is a file, not a folder (the bench writes several files into it)\n");
  EXPECT_EQ(run.out, "");
  // A picture gnuplot would write into a FIFO (and wait there forever).
  fs::create_directories(path("out"));
  ASSERT_EQ(::mkfifo(path("out/throughput.png").c_str(), 0600), 0);
  const CarryResult fifo = run_carry({"bench", "--batch", "1", "--out", path("out")});
  EXPECT_EQ(fifo.status, 2);
  EXPECT_NE(fifo.err.find("it is a FIFO (named pipe), not a regular file"), std::string::npos)
      << fifo.err;
  EXPECT_EQ(fifo.out, "");
}

TEST_F(CliUsability, MarksAreAsciiOutsideAUtf8Locale) {
  ASSERT_EQ(
      run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--save", path("m.json")})
          .status,
      0);
  const CarryResult ascii =
      run_carry_with({"LC_ALL=C"}, {"add", "39", "17", "--checkpoint", path("m.json")});
  EXPECT_EQ(ascii.out.rfind("39 + 17 = 56 ok\n", 0), 0u) << ascii.out;
  const CarryResult report =
      run_carry_with({"LC_ALL=C"}, {"train", "--backend", cpu_backend_here(), "--steps", "50",
                                    "--until-accuracy", "0", "--seed", "3"});
  EXPECT_TRUE(std::regex_search(report.out, std::regex(" = [0-9]+ (ok|wrong \\([0-9]+\\))\n")))
      << report.out;
  for (const std::string& text : {ascii.out, report.out}) {
    for (const char c : text) EXPECT_EQ(static_cast<unsigned char>(c) & 0x80, 0) << text;
  }
}

TEST(CliUsabilityReports, LongProblemsReportOnASampleAndEndOnTheFullSet) {
  const CarryResult run = run_carry({"train", "--backend", cpu_backend_here(), "--bits", "16",
                                     "--steps", "100", "--until-accuracy", "0"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("reports: exact match on a fixed sample of 16384 pairs; the final figure "
                         "on the whole evaluation set\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("accuracy on a fixed sample of 1048576 16-bit pairs after 100 steps"),
            std::string::npos)
      << run.out;
  // Up to 8 bits the reports evaluate every pair themselves: no such line.
  EXPECT_EQ(
      run_carry({"train", "--backend", cpu_backend_here(), "--steps", "50"}).out.find("reports:"),
      std::string::npos);
}

TEST_F(CliUsability, SeedCompatIsGuardedAgainstDivergence) {
  const CarryResult run =
      run_carry({"train", "--seed-compat", "--lr", "1e30", "--save", path("seed.json")});
  EXPECT_EQ(run.status, 3) << run.err;
  EXPECT_NE(run.err.find("carry: error: training diverged at step 1: a weight reached "),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(path("seed.json") + " was left as it was"), std::string::npos) << run.err;
  EXPECT_EQ(listing(), "");
}

TEST_F(CliUsability, ACheckpointWithADivergedWeightIsRefusedByName) {
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "1",
                       "--hidden", "2", "--save", path("m.json")})
                .status,
            0);
  std::ifstream in(path("m.json"));
  nlohmann::json document = nlohmann::json::parse(in);
  document["weights"]["W0"][1][0] = 1e300;
  std::ofstream(path("m.json")) << document.dump();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", path("m.json")},
        std::vector<std::string>{"train", "--resume", path("m.json")}}) {
    const CarryResult run = run_carry(args);
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.err, "carry: error: checkpoint " + path("m.json") +
                           ": weights.W0[1][0] is 1e+300, past the largest useful weight, 709.78 "
                           "(the sigmoid is stuck at 0 or 1 there)\n");
  }
}

}  // namespace
}  // namespace carry::testing
