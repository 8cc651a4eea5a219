// checkpoint.cpp: see checkpoint.hpp.
#include "carry/checkpoint.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "carry/atomic_file.hpp"
#include "carry/bounded_json.hpp"
#include "carry/bounded_read.hpp"
#include "carry/config.hpp"
#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "carry/problem.hpp"

namespace carry {

using nlohmann::json;

namespace {

json matrix_to_json(const std::vector<double>& values, int rows, int cols) {
  json matrix = json::array();
  for (int r = 0; r < rows; ++r) {
    json row = json::array();
    for (int c = 0; c < cols; ++c) row.push_back(values[static_cast<std::size_t>(r) * cols + c]);
    matrix.push_back(std::move(row));
  }
  return matrix;
}

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

// Reads and checks one checkpoint; every error names the source and the offending place.
class CheckpointReader {
 public:
  explicit CheckpointReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw UserError("checkpoint " + source_ + ": " + what);
  }

  const json& field(const json& object, const char* name, const std::string& where) const {
    if (!object.is_object()) fail(where + " is not an object");
    const auto it = object.find(name);
    if (it == object.end()) fail("missing \"" + std::string(name) + "\" in " + where);
    return *it;
  }

  std::int64_t integer(const json& object, const char* name, std::int64_t low,
                       std::int64_t high) const {
    const json& value = field(object, name, "config");
    if (!value.is_number_integer()) fail("config." + std::string(name) + " is not an integer");
    // Unsigned values above 2^63 would wrap in get<int64_t>(): check the sign kind first.
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) {
      fail(out_of_range(name, low, high));
    }
    const auto number = value.get<std::int64_t>();
    if (number < low || number > high) fail(out_of_range(name, low, high));
    return number;
  }

  std::vector<double> matrix(const json& weights, const char* name, int rows, int cols) const {
    const json& value = field(weights, name, "weights");
    const std::string shape = std::to_string(rows) + " x " + std::to_string(cols);
    if (!value.is_array() || value.size() != static_cast<std::size_t>(rows)) {
      fail("weights." + std::string(name) + " must be " + shape + " (a list of " +
           std::to_string(rows) + " rows)");
    }
    std::vector<double> values;
    values.reserve(static_cast<std::size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r) {
      const json& row = value[r];
      if (!row.is_array() || row.size() != static_cast<std::size_t>(cols)) {
        fail("weights." + std::string(name) + " must be " + shape + " (row " + std::to_string(r) +
             " does not have " + std::to_string(cols) + " entries)");
      }
      for (int c = 0; c < cols; ++c) {
        const std::string place = "weights." + std::string(name) + "[" + std::to_string(r) + "][" +
                                  std::to_string(c) + "]";
        if (!row[c].is_number()) fail(place + " is not a number");
        const double number = row[c].get<double>();
        if (!std::isfinite(number)) fail(place + " is not finite");
        // Past the divergence guard's limit the sigmoid is stuck at 0 or 1: such a weight
        // comes from a diverged run (which carry never saves) or an edit, and would only make
        // training fail later with a misleading message.
        if (std::fabs(number) > kLargestUsefulWeight) {
          fail(place + " is " + number_text(number) +
               ", past the largest useful weight, 709.78 (the sigmoid is stuck at 0 or 1 there)");
        }
        values.push_back(number);
      }
    }
    return values;
  }

 private:
  static std::string out_of_range(const char* name, std::int64_t low, std::int64_t high) {
    return "config." + std::string(name) + " must be between " + std::to_string(low) + " and " +
           std::to_string(high);
  }

  std::string source_;
};

}  // namespace

std::string checkpoint_to_json(const Checkpoint& checkpoint) {
  const Parameters& p = checkpoint.params;
  json document;
  document["format"] = kCheckpointFormat;
  document["version"] = kCheckpointVersion;
  document["config"] = {{"bits", checkpoint.bits},       {"hidden", p.hidden},
                        {"lr", checkpoint.lr},           {"batch", checkpoint.batch},
                        {"seed", checkpoint.seed},       {"steps_done", checkpoint.steps_done},
                        {"backend", checkpoint.backend}, {"seed_compat", checkpoint.seed_compat}};
  // nlohmann writes the shortest decimal that reads back as the same double.
  document["weights"] = {{"W0", matrix_to_json(p.w0, kInputs, p.hidden)},
                         {"Wh", matrix_to_json(p.wh, p.hidden, p.hidden)},
                         {"W1", matrix_to_json(p.w1, p.hidden, 1)}};
  return document.dump(1) + "\n";
}

Checkpoint checkpoint_from_json(const std::string& text, const std::string& source) {
  const CheckpointReader reader(source);
  json document;
  try {
    document = parse_bounded_json(text);
  } catch (const JsonRefusal& refusal) {  // not JSON, a key given twice, too deep or too large
    reader.fail(refusal.what());
  }
  if (!document.is_object()) reader.fail("not a JSON object");
  const json& format = reader.field(document, "format", "the file");
  if (!format.is_string() || format.get<std::string>() != kCheckpointFormat) {
    reader.fail("format is not \"" + std::string(kCheckpointFormat) + "\"");
  }
  const json& version = reader.field(document, "version", "the file");
  if (!version.is_number_integer() || version.get<std::int64_t>() != kCheckpointVersion) {
    // Only a number is shown: dump() recurses, and a list nested deep enough overflows the stack.
    reader.fail("version " + (version.is_number() ? version.dump() : "that is not a number") +
                " is not supported (expected " + std::to_string(kCheckpointVersion) + ")");
  }

  const json& config = reader.field(document, "config", "the file");
  Checkpoint checkpoint;
  checkpoint.bits = static_cast<int>(reader.integer(config, "bits", kMinBits, kMaxTrainBits));
  const int hidden = static_cast<int>(reader.integer(config, "hidden", 1, kMaxHidden));
  checkpoint.batch = reader.integer(config, "batch", 1, kMaxBatch);
  checkpoint.seed = reader.integer(config, "seed", 0, kMaxSeed);
  checkpoint.steps_done =
      reader.integer(config, "steps_done", 0, std::numeric_limits<std::int64_t>::max());
  const json& lr = reader.field(config, "lr", "config");
  if (!lr.is_number() || !(lr.get<double>() > 0.0) || !std::isfinite(lr.get<double>())) {
    reader.fail("config.lr must be a finite number above 0");
  }
  checkpoint.lr = lr.get<double>();
  const json& backend = reader.field(config, "backend", "config");
  if (!backend.is_string()) reader.fail("config.backend is not a string");
  checkpoint.backend = backend.get<std::string>();
  if (const auto it = config.find("seed_compat"); it != config.end()) {
    if (!it->is_boolean()) reader.fail("config.seed_compat is not true or false");
    checkpoint.seed_compat = it->get<bool>();
  }

  const json& weights = reader.field(document, "weights", "the file");
  checkpoint.params.hidden = hidden;
  checkpoint.params.w0 = reader.matrix(weights, "W0", kInputs, hidden);
  checkpoint.params.wh = reader.matrix(weights, "Wh", hidden, hidden);
  checkpoint.params.w1 = reader.matrix(weights, "W1", hidden, 1);
  return checkpoint;
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  if (!all_finite(checkpoint.params)) {
    throw UserError("refusing to write " + path + ": the weights are not finite");
  }
  // What the loader would refuse is never written.
  if (largest_magnitude(checkpoint.params) > kLargestUsefulWeight) {
    throw UserError("refusing to write " + path + ": a weight is past 709.78 (a diverged run)");
  }
  write_file_atomically(path, checkpoint_to_json(checkpoint));
}

Checkpoint load_checkpoint(const std::string& path) {
  return checkpoint_from_json(
      read_regular_file(path, kLargestCheckpointBytes, "checkpoint " + path), path);
}

}  // namespace carry
