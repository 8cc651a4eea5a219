// bench_records_test.cpp: benchmark records (CSV and JSON carry the same fields and values), the
// FLOP count, and reading a peer's output.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "carry/bench.hpp"
#include "carry/flops.hpp"
#include "carry/peers.hpp"

namespace carry {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, separator)) fields.push_back(field);
  return fields;
}

BenchRecord sample_record(std::int64_t batch) {
  BenchRecord r;
  r.backend = "cpu";
  r.variant = "float32-avx2";
  r.device = "AMD EPYC (2 cores)";
  r.batch = batch;
  r.hidden = 16;
  r.bits = 8;
  r.lr = 0.5;
  r.threads = 2;
  r.steps = 100;
  r.repeats = 5;
  r.samples_per_s = 1.25e6 * batch;
  r.steps_per_s = 1.25e6;
  r.gflops = 17.6;
  r.peak_gflops = 190.5;
  r.peak_fraction = 17.6 / 190.5;
  r.peak_rss_mib = 4.5;
  r.commit = "abc123";
  return r;
}

TEST(BenchRecords, CsvAndJsonCarryTheSameFieldsAndValues) {
  const fs::path folder =
      fs::temp_directory_path() / ("carry_records_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  std::vector<BenchRecord> records = {sample_record(16), sample_record(4096)};
  records[1].target_measured = true;
  records[1].target_runs = 10;
  records[1].target_successes = 10;
  records[1].target_reached = true;
  records[1].steps_to_target = 310;
  records[1].steps_to_target_q1 = 297.5;
  records[1].steps_to_target_q3 = 330;
  records[1].seconds_to_target = 0.0728;
  write_records_csv((folder / "results.csv").string(), records);
  write_records_json((folder / "results.json").string(), records);

  const std::vector<BenchRecord> back = read_records_json(read_text(folder / "results.json"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].batch, 4096);
  EXPECT_EQ(back[1].samples_per_s, records[1].samples_per_s);  // bit-exact through JSON
  EXPECT_EQ(back[0].commit, "abc123");
  EXPECT_FALSE(back[0].target_measured);
  EXPECT_TRUE(back[1].target_reached);
  EXPECT_EQ(back[1].steps_to_target, 310);
  EXPECT_EQ(back[1].steps_to_target_q1, 297.5);
  EXPECT_EQ(back[1].steps_to_target_q3, 330);
  EXPECT_EQ(back[1].target_runs, 10);
  EXPECT_EQ(back[1].target_successes, 10);
  EXPECT_EQ(back[1].seconds_to_target, 0.0728);

  std::stringstream csv(read_text(folder / "results.csv"));
  std::string line;
  std::getline(csv, line);
  const std::vector<std::string> header = split(line, ',');
  const std::vector<std::string> required = {"backend",     "variant", "device", "batch",
                                             "hidden",      "bits",    "lr",     "samples_per_s",
                                             "steps_per_s", "gflops",  "commit"};
  for (const std::string& field : required) {
    EXPECT_NE(std::find(header.begin(), header.end(), field), header.end()) << field;
  }
  const auto json = nlohmann::json::parse(read_text(folder / "results.json"));
  for (std::size_t row = 0; row < records.size(); ++row) {
    ASSERT_TRUE(std::getline(csv, line));
    const std::vector<std::string> values = split(line, ',');
    ASSERT_EQ(values.size(), header.size()) << line;
    for (std::size_t k = 0; k < header.size(); ++k) {
      const auto& value = json[row][header[k]];
      // Not measured is null in JSON and an empty cell in CSV.
      const std::string expected = value.is_null()     ? ""
                                   : value.is_string() ? value.get<std::string>()
                                                       : value.dump();
      EXPECT_EQ(values[k], expected) << header[k];
    }
  }
  fs::remove_all(folder);
}

TEST(Flops, SixteenHiddenEightBitsIs14080PerSample) {
  EXPECT_EQ(training_flops_per_sample(16, 8), 14080.0);
  EXPECT_EQ(training_flops_per_sample(1, 2), 2.0 * 2 * (3 + 7));
}

class FakePeer : public ::testing::Test {
 protected:
  void SetUp() override {
    script_ = fs::temp_directory_path() / ("carry_peer_" + std::to_string(::getpid()) + ".sh");
    ::setenv("CARRY_PYTHON", "/bin/sh", 1);  // the "peer" is a shell script
  }
  void TearDown() override {
    fs::remove(script_);
    ::unsetenv("CARRY_PYTHON");
  }
  PeerResult run(const std::string& body) {
    std::ofstream(script_) << body;
    PeerRequest request;
    request.script = script_.string();
    request.batch = 256;
    return run_peer(request);
  }
  fs::path script_;
};

TEST_F(FakePeer, ItsJsonLineBecomesARecord) {
  const PeerResult result = run(
      "echo 'warming up'\n"
      "echo '{\"peer\": \"pytorch\", \"framework\": \"torch 1.13\", \"threads\": 2, \"steps\": 7, "
      "\"samples_per_s\": 2048.0, \"steps_per_s\": 8.0}'\n");
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.record.backend, "pytorch");
  EXPECT_EQ(result.record.variant, "torch 1.13");
  EXPECT_EQ(result.record.batch, 256);
  EXPECT_EQ(result.record.samples_per_s, 2048.0);
  EXPECT_DOUBLE_EQ(result.record.gflops, 2048.0 * 14080.0 / 1e9);
}

TEST_F(FakePeer, AFailureIsReportedWithItsLastLine) {
  const PeerResult result =
      run("echo 'Traceback ...'\necho 'ModuleNotFoundError: torch'\nexit 1\n");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "ModuleNotFoundError: torch");
}

}  // namespace
}  // namespace carry

namespace carry {
namespace {

TEST(LearningRateRule, GrowsAsTheSquareRootOfTheBatchUpToFour) {
  EXPECT_EQ(bench_learning_rate(1), 1.0);
  EXPECT_EQ(bench_learning_rate(4), 2.0);
  EXPECT_EQ(bench_learning_rate(16), 4.0);
  EXPECT_EQ(bench_learning_rate(std::int64_t{1} << 20), 4.0);
  double previous = 0.0;
  for (std::int64_t batch = 1; batch <= (1 << 20); batch *= 2) {
    EXPECT_GE(bench_learning_rate(batch), previous) << batch;  // never shrinks with the batch
    previous = bench_learning_rate(batch);
  }
}

}  // namespace
}  // namespace carry
