// csv_table.hpp: a CSV table from JSON objects that have the same fields in the same order (the
// bench's records, a sweep's summary): the fields' names as the header, one row per object; not
// measured (null) is an empty cell, and a cell with a comma, quote or newline is quoted with its
// quotes doubled.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace carry {

// `columns`: an object whose field names (in order) head the table (its values are not used).
std::string csv_table(const nlohmann::ordered_json& columns,
                      const std::vector<nlohmann::ordered_json>& rows);

}  // namespace carry
