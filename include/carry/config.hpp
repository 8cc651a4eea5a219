// config.hpp: what a training run is told, with the defaults and the checks on every value.
#pragma once

#include <cstdint>
#include <string>

namespace carry {

constexpr std::int64_t kMaxBatch = std::int64_t{1} << 26;
constexpr std::int64_t kMaxSeed = 0xFFFFFFFFll;  // numpy's np.random.seed accepts 0 .. 2^32 - 1
constexpr int kMaxThreads = 1024;                // --threads

struct TrainConfig {
  std::string backend = "auto";
  int bits = 8;
  int hidden = 16;
  std::int64_t batch = 32;
  double lr = 4.0;
  std::int64_t steps = 5000;
  std::int64_t seed = 0;
  std::int64_t report_every = 50;
  double until_accuracy = 1.0;   // stop once exact-match accuracy reaches this; 0 = never
  int threads = 0;               // cpu backend threads; 0 = all cores
  std::string kernel = "chain";  // the cuda backend's kernels (cuda_backend.hpp checks the name)
};

// Throws UserError naming the first bad value and the accepted range. The backend's own options
// (kernel) are checked by validate_run (backends.hpp), which calls this first.
void validate(const TrainConfig& config);

// Range checks shared with the other commands.
void check_bits(int bits, int max_bits, const char* option);
void check_hidden(int hidden);

}  // namespace carry
