// sweep_cli_test.cpp: `carry sweep` through the program. Each run equals `carry train` with the
// same settings (the checkpoint byte for byte, the same stopping step); bad grids are refused
// with one line and status 2; a sweep killed outright (SIGKILL) while running continues when
// run again, losing and repeating no run; SIGINT and SIGTERM stop it with 130 and 143 and only
// whole records; a torn last record is refused with how to fix it; another grid goes into a
// folder only with --extend; three shards run as three processes and merged by `carry sweep
// report` give the unsharded sweep's summary; the summary and plots are written.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "carry/cpu_trainer.hpp"
#include "carry/sweep/record_log.hpp"
#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using namespace std::chrono_literals;
using CliSweep = TempFolder;

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The records of a folder by run, without the timings (which differ from run to run).
std::map<std::string, std::string> outcomes(const std::string& folder) {
  std::map<std::string, std::string> by_run;
  std::ifstream file(folder + "/runs.jsonl");
  std::string line;
  while (std::getline(file, line)) {
    nlohmann::json record = nlohmann::json::parse(line);
    record.erase("seconds");
    record.erase("training_seconds");
    const std::string run = record["hidden"].dump() + " " + record["batch"].dump() + " " +
                            record["lr"].dump() + " " + record["seed"].dump();
    EXPECT_EQ(by_run.count(run), 0u) << "recorded twice: " << run;
    by_run[run] = record.dump();
  }
  return by_run;
}

int records_in(const std::string& folder) {
  std::ifstream file(folder + "/runs.jsonl");
  return static_cast<int>(std::count(std::istreambuf_iterator<char>(file), {}, '\n'));
}

// summary.csv without its mean_seconds column (the last).
std::string summary_without_timings(const std::string& folder) {
  std::ifstream file(folder + "/summary.csv");
  std::string line;
  std::string kept;
  while (std::getline(file, line)) kept += line.substr(0, line.rfind(',')) + "\n";
  return kept;
}

bool have_cpu_backend() {
  return !cpu_backend_isa().empty();
}

// Runs long enough (tens of milliseconds each, 24 of them) to be stopped in the middle.
std::vector<std::string> long_sweep(const std::string& out) {
  return {
      "sweep", "--hidden",         "8", "--batch",       "16",   "--seeds",   "0..23", "--steps",
      "20000", "--until-accuracy", "0", "--check-every", "5000", "--backend", "cpu",   "--out",
      out,     "--quiet"};
}

// Waits until the folder holds at least `count` records (or a minute passed).
bool wait_for_records(const std::string& folder, int count) {
  for (int k = 0; k < 1200; ++k) {
    if (records_in(folder) >= count) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST_F(CliSweep, EachRunEqualsCarryTrainWithTheSameSettings) {
  if (!have_cpu_backend()) GTEST_SKIP() << "no AVX2+FMA: the cpu backend cannot run here";
  for (const std::string backend : {"cpu", "reference"}) {
    const std::string out = path(backend);
    // On cpu, batches in lanes over runs (1, 5: several runs to a pass, a slot taking the next
    // run when its run ends), one 16-lane block, and blocks plus a tail (33). H 3 fails to reach
    // 100% within the steps, H 8 reaches it for some seeds.
    const std::string batches = backend == "cpu" ? "1,5,16,33" : "1,16";
    const std::string seeds = backend == "cpu" ? "0..2" : "0,1";
    const CarryResult sweep =
        run_carry({"sweep", "--hidden", "3,8", "--batch", batches, "--lr", "auto", "--seeds", seeds,
                   "--steps", "500", "--check-every", "7", "--backend", backend, "--out", out,
                   "--save-weights", "--quiet"});
    ASSERT_EQ(sweep.status, 0) << sweep.err;
    int reached = 0;
    int checked = 0;
    for (const sweep::RunRecord& record : sweep::read_run_records(out + "/runs.jsonl")) {
      const sweep::RunSpec& run = record.run;
      const std::string lr = nlohmann::json(run.lr).dump();
      const std::string name = "h" + std::to_string(run.hidden) + "-b" + std::to_string(run.batch) +
                               "-lr" + lr + "-s" + std::to_string(run.seed) + ".json";
      const CarryResult train = run_carry(
          {"train", "--backend", backend, "--hidden", std::to_string(run.hidden), "--batch",
           std::to_string(run.batch), "--lr", lr, "--seed", std::to_string(run.seed), "--steps",
           "500", "--report-every", "7", "--quiet", "--save", path("train-" + name)});
      ASSERT_EQ(train.status, 0) << train.err;
      EXPECT_EQ(read(backend + "/weights/" + name), read("train-" + name)) << name;
      const std::string ending = " after " + std::to_string(record.steps) + " steps";
      EXPECT_NE(train.out.find(ending), std::string::npos) << name << "\n" << train.out;
      EXPECT_EQ(train.out.rfind(record.reached ? "reached" : "final", 0), 0u) << train.out;
      EXPECT_EQ(record.engine, backend == "cpu" && run.batch <= 8 ? "cpu-lanes" : backend);
      reached += record.reached ? 1 : 0;
      ++checked;
    }
    EXPECT_EQ(checked, backend == "cpu" ? 24 : 8);
    EXPECT_GE(reached, 1) << backend;  // some runs stop early at a check
    EXPECT_LT(reached, checked) << backend;
  }
}

TEST_F(CliSweep, ADivergedRunIsRecordedAsSuch) {
  const CarryResult sweep =
      run_carry({"sweep", "--hidden", "4", "--batch", "4", "--lr", "1e30", "--seeds", "0",
                 "--backend", "reference", "--out", path("d"), "--quiet"});
  ASSERT_EQ(sweep.status, 0) << sweep.err;
  const std::vector<sweep::RunRecord> records = sweep::read_run_records(path("d/runs.jsonl"));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].diverged);
  EXPECT_FALSE(records[0].reached);
  EXPECT_EQ(records[0].steps, 1);
  // carry train stops at the same step, with exit status 3.
  const CarryResult train = run_carry({"train", "--backend", "reference", "--hidden", "4",
                                       "--batch", "4", "--lr", "1e30", "--quiet"});
  EXPECT_EQ(train.status, 3);
  EXPECT_NE(train.err.find("diverged at step 1"), std::string::npos) << train.err;
}

TEST_F(CliSweep, BadGridsAreRefusedWithOneLine) {
  const std::vector<std::string> base = {"sweep", "--out", path("x"), "--backend", "reference"};
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--hidden", "0"}, "--hidden must be between 1 and 256 (got 0)"},
      {{"--hidden", ""}, "--hidden: the list is empty"},
      {{"--seeds", "5..1"}, "--seeds: the range 5..1 is reversed (write 1..5)"},
      {{"--batch", "16,16"}, "--batch: 16 is listed twice"},
      {{"--batch", "0x10"},
       "--batch must be a whole number between 1 and 67108864 written in decimal digits (got "
       "'0x10')"},
      {{"--lr", "4,x"},
       "--lr must be a finite number above 0, written in decimal notation (got 'x')"},
      {{"--seeds", "4294967296"}, "--seeds must be between 0 and 4294967295 (got 4294967296)"},
      {{"--check-every", "0"}, "--check-every must be at least 1 (got 0)"},
      {{"--bits", "40"}, "--bits must be between 2 and 32 (got 40)"},
      {{"--shard", "3/3"}, "--shard must be K/N with 0 <= K < N (got '3/3')"},
      {{"--shard", "1"}, "--shard must be K/N with 0 <= K < N (got '1')"},
      {{"--steps", "010x"}, "written in decimal digits (got '010x')"},
  };
  for (const auto& [args, message] : cases) {
    const CarryResult result = run_carry(with(base, args));
    EXPECT_EQ(result.status, 2) << args[0] << " " << args[1];
    EXPECT_EQ(line_count(result.err), 1) << result.err;
    EXPECT_NE(result.err.find("carry: error: "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
  }
  const CarryResult no_out = run_carry({"sweep", "--backend", "reference"});
  EXPECT_EQ(no_out.status, 2);
  EXPECT_EQ(no_out.err, "carry: error: --out DIR is required: the folder of the sweep\n");
  // A grid whose trainers do not fit in memory.
  ::setenv("CARRY_MEMORY_LIMIT", "100000000", 1);
  const CarryResult big = run_carry(with(base, {"--batch", "67108864", "--hidden", "256"}));
  ::unsetenv("CARRY_MEMORY_LIMIT");
  EXPECT_EQ(big.status, 2);
  EXPECT_EQ(line_count(big.err), 1) << big.err;
  EXPECT_NE(big.err.find("the sweep needs about"), std::string::npos) << big.err;
  // Nothing was created by any refusal.
  EXPECT_FALSE(std::filesystem::exists(path("x")));
  // Without a GPU, the cuda backend is refused the way train refuses it.
  const CarryResult cuda = run_carry({"sweep", "--backend", "cuda", "--out", path("c")});
  if (cuda.status != 0) {
    EXPECT_EQ(cuda.status, 2);
    EXPECT_EQ(line_count(cuda.err), 1) << cuda.err;
    EXPECT_NE(cuda.err.find("--backend cuda"), std::string::npos) << cuda.err;
  }
}

TEST_F(CliSweep, ResumesAfterSigkillWithNoRunLostOrRepeated) {
  if (!have_cpu_backend()) GTEST_SKIP() << "no AVX2+FMA";
  const std::string out = path("killed");
  {
    CarryProcess sweep(carry_argv(long_sweep(out)));
    ASSERT_TRUE(wait_for_records(out, 3)) << sweep.err();
    sweep.send(SIGKILL);
    EXPECT_EQ(sweep.wait(), 128 + SIGKILL);
  }
  const int recorded = records_in(out);
  ASSERT_LT(recorded, 24) << "the sweep ended before it was killed";
  const CarryResult resumed = run_carry(long_sweep(out));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("24 runs, " + std::to_string(recorded) + " recorded, " +
                             std::to_string(24 - recorded) + " to run"),
            std::string::npos)
      << resumed.out;
  const CarryResult straight = run_carry(long_sweep(path("straight")));
  ASSERT_EQ(straight.status, 0) << straight.err;
  const std::map<std::string, std::string> after_kill = outcomes(out);
  EXPECT_EQ(after_kill.size(), 24u);
  EXPECT_EQ(records_in(out), 24);
  EXPECT_EQ(after_kill, outcomes(path("straight")));
  // Once complete, running it again trains nothing.
  const CarryResult again = run_carry(long_sweep(out));
  EXPECT_NE(again.out.find("24 runs, 24 recorded, 0 to run"), std::string::npos) << again.out;
  EXPECT_EQ(records_in(out), 24);
}

TEST_F(CliSweep, SigintAndSigtermStopWithWholeRecords) {
  if (!have_cpu_backend()) GTEST_SKIP() << "no AVX2+FMA";
  for (const auto& [signal, status, name] :
       {std::tuple<int, int, std::string>{SIGINT, 130, "SIGINT"}, {SIGTERM, 143, "SIGTERM"}}) {
    const std::string out = path(name);
    CarryProcess sweep(carry_argv(long_sweep(out)));
    ASSERT_TRUE(wait_for_records(out, 1)) << sweep.err();
    sweep.send(signal);
    EXPECT_EQ(sweep.wait(), status);
    EXPECT_NE(sweep.err().find("carry: stopped by " + name + "; "), std::string::npos)
        << sweep.err();
    EXPECT_NE(sweep.err().find("(run the same command again to continue)"), std::string::npos);
    // Every line a whole record (reading refuses anything else), each run once.
    const int recorded = static_cast<int>(sweep::read_run_records(out + "/runs.jsonl").size());
    EXPECT_EQ(recorded, static_cast<int>(outcomes(out).size()));
    EXPECT_LT(recorded, 24);
    const CarryResult resumed = run_carry(long_sweep(out));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_EQ(outcomes(out).size(), 24u);
  }
}

TEST_F(CliSweep, ATornLastLineIsRefusedWithHowToCutItOff) {
  const std::vector<std::string> args = {"sweep",     "--hidden", "2",       "--seeds",
                                         "0..2",      "--steps",  "20",      "--backend",
                                         "reference", "--out",    path("t"), "--quiet"};
  ASSERT_EQ(run_carry(args).status, 0);
  const auto size = std::filesystem::file_size(path("t/runs.jsonl"));
  std::ofstream(path("t/runs.jsonl"), std::ios::app) << "{\"hidden\": 2, \"bat";
  const CarryResult torn = run_carry(args);
  EXPECT_EQ(torn.status, 2);
  EXPECT_EQ(line_count(torn.err), 1) << torn.err;
  EXPECT_NE(torn.err.find("runs.jsonl ends in an incomplete line (18 bytes without a newline"),
            std::string::npos)
      << torn.err;
  EXPECT_NE(torn.err.find("truncate -s " + std::to_string(size) + " '" + path("t/runs.jsonl")),
            std::string::npos)
      << torn.err;
  // `carry sweep report` refuses it too.
  EXPECT_EQ(run_carry({"sweep", "report", path("t")}).status, 2);
  std::filesystem::resize_file(path("t/runs.jsonl"), size);
  const CarryResult fixed = run_carry(args);
  EXPECT_EQ(fixed.status, 0) << fixed.err;
  EXPECT_EQ(records_in(path("t")), 3);
}

TEST_F(CliSweep, AnotherGridGoesIntoAFolderOnlyWithExtend) {
  const std::vector<std::string> base = {"sweep",     "--hidden",  "2",     "--steps", "20",
                                         "--backend", "reference", "--out", path("e"), "--quiet"};
  ASSERT_EQ(run_carry(with(base, {"--seeds", "0..2"})).status, 0);
  const CarryResult other = run_carry(with(base, {"--seeds", "2..4"}));
  EXPECT_EQ(other.status, 2);
  EXPECT_EQ(line_count(other.err), 1) << other.err;
  EXPECT_NE(other.err.find(" holds another grid (--hidden 2 --batch 32 --lr 4 --seeds 0..2); add "
                           "--extend to add this grid's runs to it, or use another --out"),
            std::string::npos)
      << other.err;
  const CarryResult extended = run_carry(with(base, {"--seeds", "2..4", "--extend"}));
  ASSERT_EQ(extended.status, 0) << extended.err;
  // Seed 2 was recorded by the first grid and is not run again.
  EXPECT_NE(extended.out.find("3 runs, 1 recorded, 2 to run"), std::string::npos) << extended.out;
  EXPECT_EQ(records_in(path("e")), 5);
  EXPECT_NE(read("e/summary.csv").find("\n2,32,4.0,fixed,5,"), std::string::npos)
      << read("e/summary.csv");
  // Both grids now continue without --extend; other settings never mix in.
  EXPECT_EQ(run_carry(with(base, {"--seeds", "0..2"})).status, 0);
  const CarryResult longer =
      run_carry({"sweep", "--hidden", "2", "--steps", "21", "--seeds", "0..2", "--backend",
                 "reference", "--out", path("e"), "--extend"});
  EXPECT_EQ(longer.status, 2);
  EXPECT_NE(longer.err.find("holds a sweep with other settings (--steps 21 against 20 there)"),
            std::string::npos)
      << longer.err;
}

TEST_F(CliSweep, ThreeShardsMergedEqualTheUnshardedSweep) {
  const std::vector<std::string> grid = {"sweep", "--hidden",  "3,6",       "--batch", "1,16",
                                         "--lr",  "auto",      "--seeds",   "0..4",    "--steps",
                                         "300",   "--backend", "reference", "--quiet"};
  ASSERT_EQ(run_carry(with(grid, {"--out", path("whole")})).status, 0);
  {
    std::vector<std::unique_ptr<CarryProcess>> shards;
    for (int k = 0; k < 3; ++k) {
      shards.push_back(std::make_unique<CarryProcess>(carry_argv(with(
          grid, {"--shard", std::to_string(k) + "/3", "--out", path("s" + std::to_string(k))}))));
    }
    for (auto& shard : shards) EXPECT_EQ(shard->wait(), 0) << shard->err();
  }
  EXPECT_EQ(records_in(path("s0")), 7);  // runs 0, 3, ..., 18 of 20
  EXPECT_EQ(records_in(path("s1")), 7);
  EXPECT_EQ(records_in(path("s2")), 6);
  const CarryResult merged =
      run_carry({"sweep", "report", path("s0"), path("s1"), path("s2"), "--out", path("m")});
  ASSERT_EQ(merged.status, 0) << merged.err;
  EXPECT_NE(merged.out.find("20 runs from 3 folders: 20 of the grid's 20"), std::string::npos)
      << merged.out;
  EXPECT_EQ(summary_without_timings(path("m")), summary_without_timings(path("whole")));
  EXPECT_EQ(summary_without_timings(path("m")).size() > 100, true);
  // Two shards: what is missing is said.
  const CarryResult partial =
      run_carry({"sweep", "report", path("s0"), path("s2"), "--out", path("p")});
  EXPECT_EQ(partial.status, 0) << partial.err;
  EXPECT_NE(partial.out.find("13 runs from 2 folders: 13 of the grid's 20 (7 not yet run)"),
            std::string::npos)
      << partial.out;

  // Refusals: the same runs twice, another grid, several folders without --out.
  const CarryResult twice =
      run_carry({"sweep", "report", path("s1"), path("s1"), "--out", path("m")});
  EXPECT_EQ(twice.status, 2);
  EXPECT_NE(twice.err.find(" is recorded in both "), std::string::npos) << twice.err;
  const CarryResult overlap =
      run_carry({"sweep", "report", path("whole"), path("s0"), "--out", path("m")});
  EXPECT_EQ(overlap.status, 2);
  ASSERT_EQ(run_carry({"sweep", "--hidden", "4", "--steps", "10", "--backend", "reference",
                       "--seeds", "0", "--out", path("other"), "--quiet"})
                .status,
            0);
  const CarryResult other =
      run_carry({"sweep", "report", path("s0"), path("other"), "--out", path("m")});
  EXPECT_EQ(other.status, 2);
  EXPECT_EQ(line_count(other.err), 1) << other.err;
  EXPECT_NE(other.err.find("hold sweeps with other settings"), std::string::npos) << other.err;
  const CarryResult no_out = run_carry({"sweep", "report", path("s0"), path("s1")});
  EXPECT_EQ(no_out.status, 2);
  EXPECT_NE(no_out.err.find("--out DIR is required to merge several folders"), std::string::npos);
  const CarryResult not_a_sweep = run_carry({"sweep", "report", path("nothing")});
  EXPECT_EQ(not_a_sweep.status, 2);
  EXPECT_NE(not_a_sweep.err.find("is not a sweep folder"), std::string::npos) << not_a_sweep.err;
}

TEST_F(CliSweep, SummaryAndPlotsAreWrittenAndAPipeGetsNoProgressLine) {
  const CarryResult sweep =
      run_carry({"sweep", "--hidden", "2,4", "--batch", "4,16", "--seeds", "0..3", "--steps", "400",
                 "--backend", "reference", "--out", path("p")});
  ASSERT_EQ(sweep.status, 0) << sweep.err;
  EXPECT_EQ(sweep.err, "");  // no progress line on a pipe
  EXPECT_NE(sweep.out.find("reached (95% interval)"), std::string::npos) << sweep.out;
  const std::string csv = read("p/summary.csv");
  EXPECT_EQ(line_count(csv), 5) << csv;  // header and four settings
  const nlohmann::json summary = nlohmann::json::parse(read("p/summary.json"));
  EXPECT_EQ(summary["rows"].size(), 4u);
  EXPECT_EQ(summary["rows"][0]["runs"], 4);
  const std::string script = read("p/plots.gp");
  EXPECT_NE(script.find("set output 'success_rate.png'"), std::string::npos);
  EXPECT_NE(script.find("$rate0 << EOD"), std::string::npos);
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "gnuplot is not installed: plots.gp written, the PNGs not drawn";
  }
  for (const char* png : {"success_rate.png"}) {
    const std::string image = read(std::string("p/") + png);
    ASSERT_GT(image.size(), 1000u) << png;
    EXPECT_EQ(image.substr(1, 3), "PNG") << png;
  }
  // The steps plots need runs that reached the target.
  if (script.find("$steps0") != std::string::npos) {
    EXPECT_GT(read("p/steps_to_target.png").size(), 1000u);
    EXPECT_GT(read("p/steps_distribution.png").size(), 1000u);
  }
}

}  // namespace
}  // namespace carry::testing
