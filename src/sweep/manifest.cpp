// manifest.cpp: see manifest.hpp.
#include "carry/sweep/manifest.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "carry/atomic_file.hpp"
#include "carry/errors.hpp"

namespace carry::sweep {

namespace {
using json = nlohmann::ordered_json;
constexpr const char* kFormat = "carry-sweep";
constexpr int kVersion = 1;

// Consecutive runs of at least three values as [first, last].
json integer_list(const std::vector<std::int64_t>& values) {
  json list = json::array();
  std::size_t k = 0;
  while (k < values.size()) {
    std::size_t end = k;
    while (end + 1 < values.size() && values[end + 1] == values[end] + 1) ++end;
    if (end - k >= 2) {
      list.push_back(json::array({values[k], values[end]}));
    } else {
      for (std::size_t i = k; i <= end; ++i) list.push_back(values[i]);
    }
    k = end + 1;
  }
  return list;
}

std::vector<std::int64_t> read_integer_list(const json& list) {
  std::vector<std::int64_t> values;
  for (const json& item : list) {
    if (item.is_array()) {
      const auto first = item.at(0).get<std::int64_t>();
      const auto last = item.at(1).get<std::int64_t>();
      if (last < first || last - first > 100'000'000) throw UserError("a bad range");
      for (std::int64_t v = first; v <= last; ++v) values.push_back(v);
    } else {
      values.push_back(item.get<std::int64_t>());
    }
  }
  return values;
}

template <typename T>
std::string joined(const std::vector<T>& values, const char* format) {
  std::string text;
  for (const T& v : values) {
    char item[40];
    std::snprintf(item, sizeof item, format, v);
    text += (text.empty() ? "" : ",") + std::string(item);
  }
  return text;
}
}  // namespace

std::string list_text(const std::vector<std::int64_t>& values) {
  std::string text;
  for (const json& item : integer_list(values)) {
    if (!text.empty()) text += ",";
    text += item.is_array() ? item[0].dump() + ".." + item[1].dump() : item.dump();
  }
  return text;
}

std::string manifest_json(const Manifest& manifest) {
  const SweepSettings& s = manifest.settings;
  json grids = json::array();
  for (const GridEntry& entry : manifest.grids) {
    const SweepGrid& g = entry.grid;
    grids.push_back(
        json{{"hidden", integer_list(std::vector<std::int64_t>(g.hidden.begin(), g.hidden.end()))},
             {"batch", integer_list(g.batch)},
             {"lr", g.lr_auto ? json("auto") : json(g.lr)},
             {"seeds", integer_list(g.seeds)},
             {"shard", json::array({entry.shard.index, entry.shard.count})}});
  }
  const json settings{{"backend", s.backend},
                      {"bits", s.bits},
                      {"steps", s.steps},
                      {"until_accuracy", s.until_accuracy},
                      {"check_every", s.check_every}};
  // One line for the settings and one per grid: readable, and a long seed list stays one line.
  std::string text = "{\"format\": \"" + std::string(kFormat) +
                     "\", \"version\": " + std::to_string(kVersion) +
                     ",\n \"settings\": " + settings.dump() + ",\n \"grids\": [\n";
  for (std::size_t k = 0; k < grids.size(); ++k) {
    text += "  " + grids[k].dump() + (k + 1 < grids.size() ? ",\n" : "\n");
  }
  return text + " ]}\n";
}

Manifest parse_manifest(const std::string& text, const std::string& source) {
  try {
    const json root = json::parse(text);
    if (root.at("format") != kFormat || root.at("version") != kVersion) {
      throw UserError(source + " is not a carry-sweep manifest of version 1");
    }
    Manifest m;
    const json& s = root.at("settings");
    m.settings.backend = s.at("backend").get<std::string>();
    m.settings.bits = s.at("bits").get<int>();
    m.settings.steps = s.at("steps").get<std::int64_t>();
    m.settings.until_accuracy = s.at("until_accuracy").get<double>();
    m.settings.check_every = s.at("check_every").get<std::int64_t>();
    for (const json& g : root.at("grids")) {
      GridEntry entry;
      for (std::int64_t h : read_integer_list(g.at("hidden"))) {
        entry.grid.hidden.push_back(static_cast<int>(h));
      }
      entry.grid.batch = read_integer_list(g.at("batch"));
      entry.grid.lr_auto = g.at("lr").is_string();
      if (entry.grid.lr_auto && g.at("lr") != "auto")
        throw UserError("lr is neither a list nor auto");
      if (!entry.grid.lr_auto) entry.grid.lr = g.at("lr").get<std::vector<double>>();
      entry.grid.seeds = read_integer_list(g.at("seeds"));
      entry.shard.index = g.at("shard").at(0).get<std::int64_t>();
      entry.shard.count = g.at("shard").at(1).get<std::int64_t>();
      if (entry.shard.count < 1 || entry.shard.index < 0 ||
          entry.shard.index >= entry.shard.count) {
        throw UserError("a bad shard");
      }
      validate(m.settings, entry.grid);
      m.grids.push_back(entry);
    }
    if (m.grids.empty()) throw UserError("no grid");
    return m;
  } catch (const json::exception& error) {
    throw UserError(source + " is not a readable sweep manifest (" + error.what() + ")");
  } catch (const UserError& error) {
    const std::string what = error.what();
    if (what.rfind(source, 0) == 0) throw;
    throw UserError(source + " is not a readable sweep manifest (" + what + ")");
  }
}

std::optional<Manifest> read_manifest(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  return parse_manifest(text.str(), path);
}

void write_manifest(const std::string& path, const Manifest& manifest) {
  write_file_atomically(path, manifest_json(manifest));
}

bool same_grid(const SweepGrid& a, const SweepGrid& b) {
  return a.hidden == b.hidden && a.batch == b.batch && a.lr_auto == b.lr_auto && a.lr == b.lr &&
         a.seeds == b.seeds;
}

std::string grid_text(const SweepGrid& g) {
  return "--hidden " + list_text(std::vector<std::int64_t>(g.hidden.begin(), g.hidden.end())) +
         " --batch " + list_text(g.batch) + " --lr " + (g.lr_auto ? "auto" : joined(g.lr, "%g")) +
         " --seeds " + list_text(g.seeds);
}

std::string settings_difference(const SweepSettings& mine, const SweepSettings& theirs) {
  auto differ = [](const char* option, const std::string& a, const std::string& b) {
    return std::string(option) + " " + a + " against " + b;
  };
  auto number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return std::string(text);
  };
  if (mine.backend != theirs.backend) return differ("--backend", mine.backend, theirs.backend);
  if (mine.bits != theirs.bits) {
    return differ("--bits", std::to_string(mine.bits), std::to_string(theirs.bits));
  }
  if (mine.steps != theirs.steps) {
    return differ("--steps", std::to_string(mine.steps), std::to_string(theirs.steps));
  }
  if (mine.until_accuracy != theirs.until_accuracy) {
    return differ("--until-accuracy", number(mine.until_accuracy), number(theirs.until_accuracy));
  }
  if (mine.check_every != theirs.check_every) {
    return differ("--check-every", std::to_string(mine.check_every),
                  std::to_string(theirs.check_every));
  }
  return "";
}

}  // namespace carry::sweep
