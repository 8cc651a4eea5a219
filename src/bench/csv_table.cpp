// csv_table.cpp: see csv_table.hpp.
#include "carry/csv_table.hpp"

#include <sstream>

namespace carry {

namespace {
using json = nlohmann::ordered_json;

std::string csv_field(const json& value) {
  if (value.is_null()) return "";  // not measured
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}
}  // namespace

std::string csv_table(const json& columns, const std::vector<json>& rows) {
  std::ostringstream out;
  bool first = true;
  for (const auto& item : columns.items()) {
    out << (first ? "" : ",") << item.key();
    first = false;
  }
  out << "\n";
  for (const json& row : rows) {
    first = true;
    for (const auto& item : row.items()) {
      out << (first ? "" : ",") << csv_field(item.value());
      first = false;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace carry
