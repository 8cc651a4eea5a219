// summary.hpp: one row per setting (hidden size, batch, rate) of a sweep's records: how many runs,
// how many reached the target (rate and 95% Wilson interval), the steps to target of those that
// did (median, quartiles, extremes) and the mean seconds per run. Written as summary.csv and
// summary.json; rows sorted by hidden size, batch, then rate, so the order of the records (which
// finish in any order) never shows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "carry/sweep/run_record.hpp"
#include "carry/sweep/statistics.hpp"

namespace carry::sweep {

struct SettingSummary {
  int hidden = 0;
  std::int64_t batch = 0;
  double lr = 0.0;
  bool lr_auto = false;
  std::int64_t runs = 0;
  std::int64_t successes = 0;  // reached the target
  std::int64_t diverged = 0;
  double success_rate = 0.0;
  Interval success_interval;                 // 95% Wilson
  std::optional<Quartiles> steps_to_target;  // of the successful runs; none without any
  double mean_seconds = 0.0;                 // wall time per run, all runs
};

std::vector<SettingSummary> summarize(const std::vector<RunRecord>& records);

std::string summary_csv(const std::vector<SettingSummary>& rows);
std::string summary_json(const std::vector<SettingSummary>& rows, const SweepSettings& settings);
// summary.csv and summary.json in `folder`, each written atomically.
void write_summary(const std::string& folder, const std::vector<SettingSummary>& rows,
                   const SweepSettings& settings);

// The rows as an aligned text table, for the terminal.
std::string summary_table(const std::vector<SettingSummary>& rows);

}  // namespace carry::sweep
