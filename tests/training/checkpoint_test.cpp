// checkpoint_test.cpp: the JSON checkpoint reads back bit-identical, is written atomically, and
// every malformed file is rejected with a message that says what is wrong.
#include "carry/checkpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "carry/parameters.hpp"

namespace carry {
namespace {

namespace fs = std::filesystem;

class CheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("carry_checkpoint_test_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  std::string path(const std::string& name) const { return (folder_ / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
  }
  fs::path folder_;
};

Checkpoint sample_checkpoint(int hidden) {
  Checkpoint checkpoint;
  checkpoint.bits = 8;
  checkpoint.lr = 0.1;
  checkpoint.batch = 64;
  checkpoint.seed = 4294967295;
  checkpoint.steps_done = 12345;
  checkpoint.backend = "reference";
  checkpoint.params = numpy_initial_parameters(1u, hidden);
  return checkpoint;
}

// A valid checkpoint text with `from` replaced by `to` (which must occur once).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = checkpoint_to_json(sample_checkpoint(2));
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Checkpoint, RoundTripIsBitExact) {
  Checkpoint original = sample_checkpoint(16);
  // Values that need all 17 digits, and the extremes a checkpoint may hold: the smallest double
  // and the divergence guard's limit (a weight beyond it is refused: checkpoint_limits_test).
  original.params.w0[0] = 0.1 + 0.2;
  original.params.w0[1] = std::numeric_limits<double>::denorm_min();
  original.params.w0[2] = -kLargestUsefulWeight;
  original.params.wh[5] = std::nextafter(1.0, 2.0);
  original.params.w1[3] = -0.0;
  const Checkpoint copy = checkpoint_from_json(checkpoint_to_json(original), "memory");
  EXPECT_EQ(copy.bits, original.bits);
  EXPECT_EQ(copy.lr, original.lr);
  EXPECT_EQ(copy.batch, original.batch);
  EXPECT_EQ(copy.seed, original.seed);
  EXPECT_EQ(copy.steps_done, original.steps_done);
  EXPECT_EQ(copy.backend, original.backend);
  EXPECT_EQ(copy.params.hidden, 16);
  auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(std::memcmp(&a[k], &b[k], sizeof(double)), 0) << "entry " << k;
    }
  };
  same_bits(copy.params.w0, original.params.w0);
  same_bits(copy.params.wh, original.params.wh);
  same_bits(copy.params.w1, original.params.w1);
}

TEST(Checkpoint, WeightsAreRowsAsInTheSeed) {
  Checkpoint checkpoint = sample_checkpoint(3);
  const auto document = nlohmann::json::parse(checkpoint_to_json(checkpoint));
  EXPECT_EQ(document["format"], "carry-rnn");
  EXPECT_EQ(document["version"], 1);
  EXPECT_EQ(document["weights"]["W0"].size(), 2u);
  EXPECT_EQ(document["weights"]["W0"][1].size(), 3u);
  EXPECT_EQ(document["weights"]["W0"][1][2].get<double>(), checkpoint.params.w0[1 * 3 + 2]);
  EXPECT_EQ(document["weights"]["Wh"][2][0].get<double>(), checkpoint.params.wh[2 * 3 + 0]);
  EXPECT_EQ(document["weights"]["W1"].size(), 3u);
  EXPECT_EQ(document["weights"]["W1"][2].size(), 1u);
}

TEST_F(CheckpointFiles, SaveThenLoadLeavesNoTemporaryFile) {
  const Checkpoint original = sample_checkpoint(4);
  save_checkpoint(path("model.json"), original);
  save_checkpoint(path("model.json"), original);  // overwrite in place
  EXPECT_EQ(load_checkpoint(path("model.json")).params.wh, original.params.wh);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(folder_)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "model.json");
  }
  EXPECT_EQ(files, 1);
}

TEST_F(CheckpointFiles, NonFiniteWeightsAreNeverWritten) {
  save_checkpoint(path("model.json"), sample_checkpoint(4));
  const std::string before = checkpoint_to_json(load_checkpoint(path("model.json")));
  Checkpoint diverged = sample_checkpoint(4);
  diverged.params.wh[3] = std::nan("");
  EXPECT_THROW(save_checkpoint(path("model.json"), diverged), UserError);
  EXPECT_EQ(checkpoint_to_json(load_checkpoint(path("model.json"))), before);
}

TEST_F(CheckpointFiles, UnwritablePlacesAreRefused) {
  EXPECT_THROW(save_checkpoint(path("missing/model.json"), sample_checkpoint(2)), UserError);
  EXPECT_THROW(save_checkpoint(folder_.string(), sample_checkpoint(2)), UserError);
}

// Each malformed input and a piece of the message it must produce.
struct Malformed {
  std::string text;
  std::string message;
};

TEST_F(CheckpointFiles, EveryMalformedFileIsRejectedWithItsReason) {
  const std::string valid = checkpoint_to_json(sample_checkpoint(2));
  const Malformed cases[] = {
      {"", "not valid JSON"},
      {valid.substr(0, valid.size() / 2), "not valid JSON"},
      {"garbage", "not valid JSON"},
      {"[1, 2]", "not a JSON object"},
      {edited("\"carry-rnn\"", "\"other\""), "format"},
      {edited("\"version\": 1", "\"version\": 2"), "version 2 is not supported"},
      {edited("\"config\"", "\"konfig\""), "missing \"config\""},
      {edited("\"hidden\": 2", "\"hidden\": 0"), "config.hidden must be between 1 and 256"},
      {edited("\"hidden\": 2", "\"hidden\": 3"), "weights.W0 must be 2 x 3"},
      {edited("\"hidden\": 2", "\"hidden\": \"2\""), "config.hidden is not an integer"},
      {edited("\"bits\": 8", "\"bits\": 64"), "config.bits must be between 2 and 32"},
      {edited("\"batch\": 64", "\"batch\": -1"), "config.batch must be between"},
      {edited("\"seed\": 4294967295", "\"seed\": 18446744073709551615"), "config.seed"},
      {edited("\"lr\": 0.1", "\"lr\": 0"), "config.lr must be a finite number above 0"},
      {edited("\"backend\": \"reference\"", "\"backend\": 7"), "config.backend is not a string"},
      {edited("\"steps_done\": 12345", "\"steps_done\": 1.5"),
       "config.steps_done is not an integer"},
      {edited("\"W1\"", "\"W2\""), "missing \"W1\""},
      {edited("\"weights\"", "\"wates\""), "missing \"weights\""},
  };
  int index = 0;
  for (const Malformed& c : cases) {
    const std::string name = "bad" + std::to_string(index++) + ".json";
    write(name, c.text);
    try {
      load_checkpoint(path(name));
      ADD_FAILURE() << "accepted: " << c.text.substr(0, 80);
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find(c.message), std::string::npos)
          << "message '" << error.what() << "' lacks '" << c.message << "'";
      EXPECT_NE(std::string(error.what()).find(path(name)), std::string::npos);
    }
  }
}

TEST_F(CheckpointFiles, WrongShapesAndValuesInTheWeightsAreRejected) {
  // Build a document, then break one weight at a time.
  const auto valid = nlohmann::json::parse(checkpoint_to_json(sample_checkpoint(2)));
  auto expect_rejected = [&](nlohmann::json document, const std::string& message) {
    try {
      checkpoint_from_json(document.dump(), "doc");
      ADD_FAILURE() << "accepted: " << document.dump();
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find(message), std::string::npos) << error.what();
    }
  };
  nlohmann::json document = valid;
  document["weights"]["Wh"][1] = {1.0};
  expect_rejected(document, "weights.Wh must be 2 x 2 (row 1");
  document = valid;
  document["weights"]["W0"].push_back({1.0, 2.0});
  expect_rejected(document, "weights.W0 must be 2 x 2");
  document = valid;
  document["weights"]["W1"][0][0] = "x";
  expect_rejected(document, "weights.W1[0][0] is not a number");
  document = valid;
  document["weights"]["Wh"][0][1] = nullptr;  // how a NaN would have been written
  expect_rejected(document, "weights.Wh[0][1] is not a number");
  document = valid;
  document["weights"]["W1"] = 3;
  expect_rejected(document, "weights.W1 must be 2 x 1");
  // A literal too large for a double is refused by the parser, not read as infinity.
  std::string text = checkpoint_to_json(sample_checkpoint(2));
  const std::size_t number = text.find_first_of("-0123456789", text.find("\"W1\"") + 4);
  text.replace(number, text.find_first_of(",]\n", number) - number, "1e999");
  try {
    checkpoint_from_json(text, "doc");
    ADD_FAILURE() << "accepted infinity";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("number overflow"), std::string::npos) << error.what();
  }
}

TEST_F(CheckpointFiles, MissingFileAndFolderAreRejected) {
  try {
    load_checkpoint(path("nope.json"));
    ADD_FAILURE();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot open it"), std::string::npos);
  }
  try {
    load_checkpoint(folder_.string());
    ADD_FAILURE();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("folder"), std::string::npos);
  }
}

}  // namespace
}  // namespace carry
