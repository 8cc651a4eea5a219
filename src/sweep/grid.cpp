// grid.cpp: see grid.hpp.
#include "carry/sweep/grid.hpp"

#include <cstdio>
#include <tuple>

#include "carry/bench.hpp"
#include "carry/errors.hpp"

namespace carry::sweep {

std::int64_t SweepGrid::runs() const {
  return static_cast<std::int64_t>(hidden.size()) * static_cast<std::int64_t>(batch.size()) *
         rates() * static_cast<std::int64_t>(seeds.size());
}

RunSpec run_of(const SweepGrid& grid, std::int64_t index) {
  const std::int64_t seeds = static_cast<std::int64_t>(grid.seeds.size());
  const std::int64_t rates = grid.rates();
  const std::int64_t batches = static_cast<std::int64_t>(grid.batch.size());
  RunSpec run;
  run.index = index;
  run.seed = grid.seeds[static_cast<std::size_t>(index % seeds)];
  const std::int64_t rate = (index / seeds) % rates;
  run.batch = grid.batch[static_cast<std::size_t>((index / (seeds * rates)) % batches)];
  run.hidden = grid.hidden[static_cast<std::size_t>(index / (seeds * rates * batches))];
  run.lr_auto = grid.lr_auto;
  run.lr = grid.lr_auto ? bench_learning_rate(run.batch) : grid.lr[static_cast<std::size_t>(rate)];
  return run;
}

bool RunKey::operator<(const RunKey& other) const {
  return std::tie(hidden, batch, lr, seed) <
         std::tie(other.hidden, other.batch, other.lr, other.seed);
}

bool RunKey::operator==(const RunKey& other) const {
  return hidden == other.hidden && batch == other.batch && lr == other.lr && seed == other.seed;
}

RunKey key_of(const RunSpec& run) {
  return RunKey{run.hidden, run.batch, run.lr, run.seed};
}

std::string describe(const RunKey& key) {
  char text[128];
  std::snprintf(text, sizeof text, "H %d, B %lld, lr %g, seed %lld", key.hidden,
                static_cast<long long>(key.batch), key.lr, static_cast<long long>(key.seed));
  return text;
}

TrainConfig run_config(const SweepSettings& settings, const RunSpec& run, int threads) {
  TrainConfig config;
  config.backend = settings.backend;
  config.bits = settings.bits;
  config.hidden = run.hidden;
  config.batch = run.batch;
  config.lr = run.lr;
  config.steps = settings.steps;
  config.seed = run.seed;
  config.report_every = settings.check_every;
  config.until_accuracy = settings.until_accuracy;
  config.threads = threads;
  return config;
}

void validate(const SweepSettings& settings, const SweepGrid& grid) {
  if (grid.hidden.empty()) throw UserError("--hidden: the list is empty");
  if (grid.batch.empty()) throw UserError("--batch: the list is empty");
  if (!grid.lr_auto && grid.lr.empty()) throw UserError("--lr: the list is empty");
  if (grid.seeds.empty()) throw UserError("--seeds: the list is empty");
  // Counted in double: the lists' product may not fit in 64 bits.
  const double runs = static_cast<double>(grid.hidden.size()) *
                      static_cast<double>(grid.batch.size()) * static_cast<double>(grid.rates()) *
                      static_cast<double>(grid.seeds.size());
  if (runs > static_cast<double>(kMaxRuns)) {
    char text[160];
    std::snprintf(text, sizeof text, "the grid has %.4g runs; a sweep takes at most %lld", runs,
                  static_cast<long long>(kMaxRuns));
    throw UserError(text);
  }
  if (settings.check_every < 1) {
    throw UserError("--check-every must be at least 1 (got " +
                    std::to_string(settings.check_every) + ")");
  }
  // Every value as `carry train` would check it, one run per distinct value.
  RunSpec probe{0,
                grid.hidden[0],
                grid.batch[0],
                grid.lr_auto ? 1.0 : grid.lr[0],
                grid.lr_auto,
                grid.seeds[0]};
  auto check = [&](const RunSpec& run) { carry::validate(run_config(settings, run, 0)); };
  for (int h : grid.hidden) check(RunSpec{0, h, probe.batch, probe.lr, false, probe.seed});
  for (std::int64_t b : grid.batch) check(RunSpec{0, probe.hidden, b, probe.lr, false, probe.seed});
  for (double lr : grid.lr) check(RunSpec{0, probe.hidden, probe.batch, lr, false, probe.seed});
  for (std::int64_t s : grid.seeds)
    check(RunSpec{0, probe.hidden, probe.batch, probe.lr, false, s});
}

}  // namespace carry::sweep
