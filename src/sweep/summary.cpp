// summary.cpp: see summary.hpp.
#include "carry/sweep/summary.hpp"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "carry/atomic_file.hpp"
#include "carry/csv_table.hpp"

namespace carry::sweep {

namespace {
using json = nlohmann::ordered_json;

json optional_value(bool present, double value) {
  return present ? json(value) : json();
}

json row_json(const SettingSummary& r) {
  const bool steps = r.steps_to_target.has_value();
  const Quartiles q = steps ? *r.steps_to_target : Quartiles{};
  return json{{"hidden", r.hidden},
              {"batch", r.batch},
              {"lr", r.lr},
              {"lr_rule", r.lr_auto ? "auto" : "fixed"},
              {"runs", r.runs},
              {"successes", r.successes},
              {"diverged", r.diverged},
              {"success_rate", r.success_rate},
              {"success_low", r.success_interval.low},
              {"success_high", r.success_interval.high},
              {"steps_median", optional_value(steps, q.median)},
              {"steps_q1", optional_value(steps, q.q1)},
              {"steps_q3", optional_value(steps, q.q3)},
              {"steps_min", optional_value(steps, q.min)},
              {"steps_max", optional_value(steps, q.max)},
              {"mean_seconds", r.mean_seconds}};
}
}  // namespace

std::vector<SettingSummary> summarize(const std::vector<RunRecord>& records) {
  struct Group {
    SettingSummary row;
    std::vector<double> steps;
    double seconds = 0.0;
  };
  std::map<std::tuple<int, std::int64_t, double>, Group> groups;
  for (const RunRecord& record : records) {
    Group& group = groups[{record.run.hidden, record.run.batch, record.run.lr}];
    SettingSummary& row = group.row;
    if (row.runs == 0) {
      row.hidden = record.run.hidden;
      row.batch = record.run.batch;
      row.lr = record.run.lr;
      row.lr_auto = record.run.lr_auto;
    }
    ++row.runs;
    row.successes += record.reached ? 1 : 0;
    row.diverged += record.diverged ? 1 : 0;
    if (record.reached) group.steps.push_back(static_cast<double>(record.steps));
    group.seconds += record.seconds;
  }
  std::vector<SettingSummary> rows;
  for (auto& [key, group] : groups) {
    SettingSummary row = group.row;
    row.success_rate = static_cast<double>(row.successes) / static_cast<double>(row.runs);
    row.success_interval = wilson_interval(row.successes, row.runs);
    if (!group.steps.empty()) row.steps_to_target = quartiles(group.steps);
    row.mean_seconds = group.seconds / static_cast<double>(row.runs);
    rows.push_back(row);
  }
  return rows;
}

std::string summary_csv(const std::vector<SettingSummary>& rows) {
  std::vector<json> table;
  for (const SettingSummary& row : rows) table.push_back(row_json(row));
  return csv_table(row_json(SettingSummary{}), table);
}

std::string summary_json(const std::vector<SettingSummary>& rows, const SweepSettings& settings) {
  json list = json::array();
  for (const SettingSummary& row : rows) list.push_back(row_json(row));
  const json root{
      {"format", "carry-sweep-summary"},
      {"settings",
       {{"backend", settings.backend},
        {"bits", settings.bits},
        {"steps", settings.steps},
        {"until_accuracy", settings.until_accuracy},
        {"check_every", settings.check_every}}},
      {"success_interval", "95% Wilson score interval"},
      {"quartiles",
       "of the steps to target of the runs that reached it; linear interpolation between order "
       "statistics (Hyndman and Fan type 7, numpy's default)"},
      {"rows", list}};
  return root.dump(1) + "\n";
}

void write_summary(const std::string& folder, const std::vector<SettingSummary>& rows,
                   const SweepSettings& settings) {
  write_file_atomically(folder + "/summary.csv", summary_csv(rows));
  write_file_atomically(folder + "/summary.json", summary_json(rows, settings));
}

std::string summary_table(const std::vector<SettingSummary>& rows) {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%5s %8s %8s %6s  %-26s  %s\n", "H", "B", "lr", "runs",
                "reached (95% interval)", "steps to target: median [quartiles]   s/run");
  text += line;
  for (const SettingSummary& r : rows) {
    char reached[64];
    std::snprintf(reached, sizeof reached, "%lld %5.1f%% [%.1f, %.1f]",
                  static_cast<long long>(r.successes), 100.0 * r.success_rate,
                  100.0 * r.success_interval.low, 100.0 * r.success_interval.high);
    char steps[96] = "-";
    if (r.steps_to_target) {
      std::snprintf(steps, sizeof steps, "%g [%g, %g]", r.steps_to_target->median,
                    r.steps_to_target->q1, r.steps_to_target->q3);
    }
    std::snprintf(line, sizeof line, "%5d %8lld %8g %6lld  %-26s  %-36s %.3g\n", r.hidden,
                  static_cast<long long>(r.batch), r.lr, static_cast<long long>(r.runs), reached,
                  steps, r.mean_seconds);
    text += line;
  }
  return text;
}

}  // namespace carry::sweep
