// bounded_json.hpp: JSON text to a document with limits, for files people edit (checkpoints).
//
// nlohmann's own parser builds whatever the text describes: a 16 MiB file of nested lists is
// hundreds of MB of nodes, and a key given twice silently keeps its last value. This one builds
// the same nlohmann::json document through the SAX interface and refuses, with one line:
//   - nesting deeper than `max_depth` (a checkpoint is 4 deep),
//   - more than `max_values` values in all (a checkpoint at 256 hidden units has about 67,000),
//   - a key given twice in one object,
//   - numbers outside the range of a double ("1e999"), and anything that is not JSON.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace carry {

struct JsonLimits {
  int max_depth = 32;
  std::size_t max_values = std::size_t{1} << 17;
};

// What is wrong with the text, as one line without the file's name ("duplicate key \"bits\"
// in config").
class JsonRefusal : public std::runtime_error {
 public:
  explicit JsonRefusal(const std::string& what) : std::runtime_error(what) {}
};

nlohmann::json parse_bounded_json(const std::string& text, const JsonLimits& limits = {});

}  // namespace carry
