// records.cpp: benchmark records as CSV (one row each) and JSON (a list of objects), with the
// same fields in the same order; written atomically.
#include <nlohmann/json.hpp>

#include "carry/atomic_file.hpp"
#include "carry/bench.hpp"
#include "carry/csv_table.hpp"

namespace carry {

// ordered_json keeps the fields in the order written, so CSV columns read naturally.
using json = nlohmann::ordered_json;

namespace {
json to_json(const BenchRecord& r) {
  return json{{"backend", r.backend},
              {"variant", r.variant},
              {"device", r.device},
              {"batch", r.batch},
              {"hidden", r.hidden},
              {"bits", r.bits},
              {"lr", r.lr},
              {"threads", r.threads},
              {"steps", r.steps},
              {"repeats", r.repeats},
              {"samples_per_s", r.samples_per_s},
              {"steps_per_s", r.steps_per_s},
              {"gflops", r.gflops},
              {"peak_gflops", r.peak_gflops},
              {"peak_fraction", r.peak_fraction},
              {"peak_rss_mib", r.peak_rss_mib},
              {"target_runs", r.target_measured ? json(r.target_runs) : json()},
              {"target_successes", r.target_measured ? json(r.target_successes) : json()},
              {"target_reached", r.target_measured ? json(r.target_reached) : json()},
              {"steps_to_target", r.target_measured ? json(r.steps_to_target) : json()},
              {"steps_to_target_q1", r.target_measured ? json(r.steps_to_target_q1) : json()},
              {"steps_to_target_q3", r.target_measured ? json(r.steps_to_target_q3) : json()},
              {"seconds_to_target", r.target_measured ? json(r.seconds_to_target) : json()},
              {"commit", r.commit}};
}

}  // namespace

void write_records_csv(const std::string& path, const std::vector<BenchRecord>& records) {
  std::vector<json> rows;
  for (const BenchRecord& record : records) rows.push_back(to_json(record));
  write_file_atomically(path, csv_table(to_json(BenchRecord{}), rows));
}

void write_records_json(const std::string& path, const std::vector<BenchRecord>& records) {
  json list = json::array();
  for (const BenchRecord& record : records) list.push_back(to_json(record));
  write_file_atomically(path, list.dump(1) + "\n");
}

std::vector<BenchRecord> read_records_json(const std::string& text) {
  std::vector<BenchRecord> records;
  for (const json& item : json::parse(text)) {
    BenchRecord r;
    r.backend = item.at("backend");
    r.variant = item.at("variant");
    r.device = item.at("device");
    r.batch = item.at("batch");
    r.hidden = item.at("hidden");
    r.bits = item.at("bits");
    r.lr = item.at("lr");
    r.threads = item.at("threads");
    r.steps = item.at("steps");
    r.repeats = item.at("repeats");
    r.samples_per_s = item.at("samples_per_s");
    r.steps_per_s = item.at("steps_per_s");
    r.gflops = item.at("gflops");
    r.peak_gflops = item.at("peak_gflops");
    r.peak_fraction = item.at("peak_fraction");
    r.peak_rss_mib = item.at("peak_rss_mib");
    r.target_measured = !item.at("target_reached").is_null();
    if (r.target_measured) {
      r.target_runs = item.at("target_runs");
      r.target_successes = item.at("target_successes");
      r.target_reached = item.at("target_reached");
      r.steps_to_target = item.at("steps_to_target");
      r.steps_to_target_q1 = item.at("steps_to_target_q1");
      r.steps_to_target_q3 = item.at("steps_to_target_q3");
      r.seconds_to_target = item.at("seconds_to_target");
    }
    r.commit = item.at("commit");
    records.push_back(r);
  }
  return records;
}

}  // namespace carry
