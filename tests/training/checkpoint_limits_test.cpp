// checkpoint_limits_test.cpp: what the checkpoint loader refuses beyond malformed fields
// (checkpoint_test.cpp): a key given twice, a file nested too deep or holding too many values,
// one larger than 16 MiB (unread), a weight past the divergence guard's limit (named), and the
// save that refuses to write such a weight.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "carry/bounded_json.hpp"
#include "carry/checkpoint.hpp"
#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "temp_folder.hpp"

namespace carry {
namespace {

using CheckpointFileLimits = testing::TempFolder;

Checkpoint small_checkpoint() {
  Checkpoint checkpoint;
  checkpoint.bits = 8;
  checkpoint.lr = 4.0;
  checkpoint.batch = 32;
  checkpoint.backend = "reference";
  checkpoint.params = numpy_initial_parameters(0, 2);
  return checkpoint;
}

std::string refusal(const std::string& text) {
  try {
    checkpoint_from_json(text, "doc");
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(CheckpointLimits, AKeyGivenTwiceIsRefused) {
  const std::string valid = checkpoint_to_json(small_checkpoint());
  EXPECT_EQ(refusal(replaced(valid, "\"bits\": 8", "\"bits\": 8, \"bits\": 9")),
            "checkpoint doc: duplicate key \"bits\" in config (each key may appear once)");
  EXPECT_NE(refusal(replaced(valid, "\"format\"", "\"version\": 1, \"format\""))
                .find("duplicate key \"version\" in the file"),
            std::string::npos);
  EXPECT_NE(refusal(replaced(valid, "\"W0\"", "\"W1\": [], \"W0\""))
                .find("duplicate key \"W1\" in weights"),
            std::string::npos);
}

TEST(CheckpointLimits, NestingAndSizeHaveLimits) {
  EXPECT_NE(refusal(std::string(40, '[') + std::string(40, ']')).find("nested more than 32"),
            std::string::npos);
  // 200,000 numbers: past the limit, refused before they are all built.
  std::string many = "{\"extra\": [0";
  for (int k = 1; k < 200000; ++k) many += ",0";
  many += "]}";
  EXPECT_NE(refusal(many).find("more than 131072 values"), std::string::npos);
  // The biggest real checkpoint (256 hidden units) is within the limits.
  Checkpoint largest = small_checkpoint();
  largest.params = numpy_initial_parameters(0, kMaxHidden);
  EXPECT_NO_THROW(checkpoint_from_json(checkpoint_to_json(largest), "largest"));
  JsonLimits tight;
  tight.max_values = 3;
  EXPECT_THROW(parse_bounded_json("[1, 2, 3]", tight), JsonRefusal);
  EXPECT_NO_THROW(parse_bounded_json("[1, 2]", tight));
}

TEST(CheckpointLimits, AWeightPastTheGuardsLimitIsRefusedByName) {
  nlohmann::json document = nlohmann::json::parse(checkpoint_to_json(small_checkpoint()));
  document["weights"]["Wh"][1][1] = 1e300;
  EXPECT_EQ(refusal(document.dump()),
            "checkpoint doc: weights.Wh[1][1] is 1e+300, past the largest useful weight, 709.78 "
            "(the sigmoid is stuck at 0 or 1 there)");
  document["weights"]["Wh"][1][1] = -kLargestUsefulWeight;  // at the limit: still usable
  EXPECT_EQ(refusal(document.dump()), "");
}

TEST_F(CheckpointFileLimits, ADivergedCheckpointIsNeverWritten) {
  Checkpoint checkpoint = small_checkpoint();
  checkpoint.params.w1[0] = 5e28;
  EXPECT_THROW(save_checkpoint(path("model.json"), checkpoint), UserError);
  EXPECT_EQ(listing(), "");
}

TEST_F(CheckpointFileLimits, AFileLargerThan16MiBIsRefusedUnread) {
  {
    std::ofstream file(path("big.json"));
    file << checkpoint_to_json(small_checkpoint());
    file << std::string(kLargestCheckpointBytes, ' ');  // valid JSON whitespace, but too much
  }
  try {
    load_checkpoint(path("big.json"));
    ADD_FAILURE() << "loaded";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("big.json: larger than 16 MiB"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace carry
