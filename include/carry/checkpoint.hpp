// checkpoint.hpp: the JSON checkpoint, written atomically and validated on load.
//
//   {"format": "carry-rnn", "version": 1,
//    "config": {"bits", "hidden", "lr", "batch", "seed", "steps_done", "backend", "seed_compat"},
//    "weights": {"W0": 2 x H, "Wh": H x H, "W1": H x 1}}
//
// Weights are nested arrays of rows exactly as the seed's synapse_0, synapse_h, synapse_1, and
// every number is written with enough digits to read back bit-identical.
#pragma once

#include <cstdint>
#include <string>

#include "carry/parameters.hpp"

namespace carry {

constexpr const char* kCheckpointFormat = "carry-rnn";
constexpr int kCheckpointVersion = 1;
// A checkpoint at 256 hidden units is about 1.5 MB; anything past this is refused unread.
constexpr std::uint64_t kLargestCheckpointBytes = std::uint64_t{16} << 20;

struct Checkpoint {
  int bits = 8;
  double lr = 0.0;
  std::int64_t batch = 1;
  std::int64_t seed = 0;
  std::int64_t steps_done = 0;
  std::string backend;
  bool seed_compat = false;
  Parameters params;  // params.hidden is the config's "hidden"
};

std::string checkpoint_to_json(const Checkpoint& checkpoint);
// `source` names the text in error messages (usually its path).
Checkpoint checkpoint_from_json(const std::string& text, const std::string& source);

// Refuses non-finite weights and weights past the divergence guard's limit (divergence.hpp), so
// a diverged run never replaces a good checkpoint. Write failures are WriteErrors.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Throws UserError saying what is wrong: missing, unreadable, not a regular file, larger than
// kLargestCheckpointBytes, not JSON (or a key given twice, nested too deep, too many values),
// wrong format or version, missing or mistyped field, wrong shape, a weight that is not finite
// or past the divergence guard's limit (naming the entry).
Checkpoint load_checkpoint(const std::string& path);

}  // namespace carry
