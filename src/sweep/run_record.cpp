// run_record.cpp: see run_record.hpp.
#include "carry/sweep/run_record.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "carry/errors.hpp"

namespace carry::sweep {

namespace {
using json = nlohmann::ordered_json;

json optional_number(const std::optional<double>& value) {
  return value && std::isfinite(*value) ? json(*value) : json();
}

std::optional<double> read_optional(const json& object, const char* name) {
  const json& value = object.at(name);
  if (value.is_null()) return std::nullopt;
  return value.get<double>();
}
}  // namespace

bool same_settings(const SweepSettings& a, const SweepSettings& b) {
  return a.backend == b.backend && a.bits == b.bits && a.steps == b.steps &&
         a.until_accuracy == b.until_accuracy && a.check_every == b.check_every;
}

std::string record_line(const RunRecord& r) {
  const json reached_steps = r.reached ? json(r.steps) : json();
  const json reached_samples = r.reached ? json(r.steps * r.run.batch) : json();
  const json line{{"hidden", r.run.hidden},
                  {"batch", r.run.batch},
                  {"lr", r.run.lr},
                  {"lr_rule", r.run.lr_auto ? "auto" : "fixed"},
                  {"seed", r.run.seed},
                  {"bits", r.settings.bits},
                  {"max_steps", r.settings.steps},
                  {"until_accuracy", r.settings.until_accuracy},
                  {"check_every", r.settings.check_every},
                  {"backend", r.settings.backend},
                  {"engine", r.engine},
                  {"reached", r.reached},
                  {"diverged", r.diverged},
                  {"steps", r.steps},
                  {"samples", r.steps * r.run.batch},
                  {"steps_to_target", reached_steps},
                  {"samples_to_target", reached_samples},
                  {"seconds", r.seconds},
                  {"training_seconds", r.training_seconds},
                  {"final_exact", optional_number(r.final_exact)},
                  {"final_bit_accuracy", optional_number(r.final_bit_accuracy)},
                  {"final_loss", optional_number(r.final_loss)}};
  return line.dump() + "\n";
}

RunRecord parse_record_line(const std::string& line, const std::string& where) {
  try {
    const json object = json::parse(line);
    RunRecord r;
    r.run.hidden = object.at("hidden").get<int>();
    r.run.batch = object.at("batch").get<std::int64_t>();
    r.run.lr = object.at("lr").get<double>();
    r.run.lr_auto = object.at("lr_rule").get<std::string>() == "auto";
    r.run.seed = object.at("seed").get<std::int64_t>();
    r.settings.bits = object.at("bits").get<int>();
    r.settings.steps = object.at("max_steps").get<std::int64_t>();
    r.settings.until_accuracy = object.at("until_accuracy").get<double>();
    r.settings.check_every = object.at("check_every").get<std::int64_t>();
    r.settings.backend = object.at("backend").get<std::string>();
    r.engine = object.at("engine").get<std::string>();
    r.reached = object.at("reached").get<bool>();
    r.diverged = object.at("diverged").get<bool>();
    r.steps = object.at("steps").get<std::int64_t>();
    r.seconds = object.at("seconds").get<double>();
    r.training_seconds = object.at("training_seconds").get<double>();
    r.final_exact = read_optional(object, "final_exact");
    r.final_bit_accuracy = read_optional(object, "final_bit_accuracy");
    r.final_loss = read_optional(object, "final_loss");
    return r;
  } catch (const json::exception& error) {
    throw UserError(where + " is not a run record (" + error.what() + ")");
  }
}

}  // namespace carry::sweep
