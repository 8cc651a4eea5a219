// grid.hpp: what a sweep runs. Lists of hidden sizes, batch sizes, learning rates and seeds; every
// combination of one of each is one run, trained with the settings every run of the sweep shares.
//
// Runs are numbered in grid order: hidden size outermost, then batch, then rate, the seed
// innermost, so run i of a grid of |H|·|B|·|lr|·|S| runs is
//   hidden[i / (|B|·|lr|·|S|)], batch[(i / (|lr|·|S|)) mod |B|], lr[(i / |S|) mod |lr|],
//   seed[i mod |S|].
// That number fixes a run's shard (--shard K/N takes the runs with i mod N = K), whatever order
// the runs are trained in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carry/config.hpp"

namespace carry::sweep {

// The most runs one grid may have (each pending run costs a few bytes of bookkeeping; the memory
// check refuses a grid long before this when memory is short).
constexpr std::int64_t kMaxRuns = std::int64_t{1} << 32;

// What every run of a sweep shares (and what makes two sweeps' runs comparable).
struct SweepSettings {
  std::string backend = "cpu";  // resolved: cpu, reference or cuda
  int bits = 8;
  std::int64_t steps = 5000;  // most steps a run takes
  double until_accuracy = 1.0;
  std::int64_t check_every = 10;  // steps between exact-match checks (train's --report-every)
};

// The lists a sweep runs over. lr_auto: the rate follows the batch size (bench_learning_rate)
// instead of coming from `lr`.
struct SweepGrid {
  std::vector<int> hidden;
  std::vector<std::int64_t> batch;
  bool lr_auto = false;
  std::vector<double> lr;  // empty when lr_auto
  std::vector<std::int64_t> seeds;

  std::int64_t rates() const { return lr_auto ? 1 : static_cast<std::int64_t>(lr.size()); }
  std::int64_t runs() const;
};

// One run of a grid.
struct RunSpec {
  std::int64_t index = 0;  // in grid order (above)
  int hidden = 0;
  std::int64_t batch = 0;
  double lr = 0.0;
  bool lr_auto = false;  // lr came from the batch-size rule
  std::int64_t seed = 0;
};

RunSpec run_of(const SweepGrid& grid, std::int64_t index);

// The settings of a run (a setting is a sweep's grid point without its seed): runs with equal
// keys are the same run, whichever grid or shard they came from.
struct RunKey {
  int hidden = 0;
  std::int64_t batch = 0;
  double lr = 0.0;
  std::int64_t seed = 0;
  bool operator<(const RunKey& other) const;
  bool operator==(const RunKey& other) const;
};
RunKey key_of(const RunSpec& run);
// "H 16, B 32, lr 4, seed 0" for messages.
std::string describe(const RunKey& key);

// --shard K/N: the runs whose grid number i has i mod N = K (0 <= K < N).
struct Shard {
  std::int64_t index = 0;
  std::int64_t count = 1;
  bool contains(std::int64_t run_index) const { return run_index % count == index; }
  bool whole() const { return count == 1; }
};

// The training config of one run; `threads` is the cpu backend's (results never depend on it).
TrainConfig run_config(const SweepSettings& settings, const RunSpec& run, int threads);

// Throws UserError for values outside what `carry train` accepts (naming the option), for a
// check interval below 1, for an empty list, and for more than kMaxRuns runs.
void validate(const SweepSettings& settings, const SweepGrid& grid);

}  // namespace carry::sweep
