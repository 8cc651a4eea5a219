// value_lists.cpp: see value_lists.hpp.
#include "value_lists.hpp"

#include <algorithm>
#include <cstdio>

#include "carry/errors.hpp"
#include "carry/value_rules.hpp"

namespace carry::cli {

namespace {
std::vector<std::string> items_of(const std::string& text, const std::string& option) {
  if (text.empty()) throw UserError(option + ": the list is empty");
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (items.back().empty()) throw UserError(option + ": empty item in '" + text + "'");
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

template <typename T>
void refuse_repeats(const std::vector<T>& values, const std::string& option,
                    std::string (*show)(T)) {
  std::vector<T> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const auto repeat = std::adjacent_find(sorted.begin(), sorted.end());
  if (repeat != sorted.end()) throw UserError(option + ": " + show(*repeat) + " is listed twice");
}

std::string show_integer(std::int64_t value) {
  return std::to_string(value);
}
std::string show_real(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}
}  // namespace

std::vector<std::int64_t> parse_integer_list(const std::string& text, const std::string& option,
                                             std::int64_t lowest, std::int64_t highest) {
  const std::vector<std::string> items = items_of(text, option);
  // Counted before any range is written out, so 0..4294967295 is refused, not allocated.
  std::int64_t count = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  for (const std::string& item : items) {
    const std::size_t dots = item.find("..");
    std::int64_t first = 0;
    std::int64_t last = 0;
    if (dots == std::string::npos) {
      first = last = read_integer(item, option, {lowest, highest});
    } else {
      first = read_integer(item.substr(0, dots), option, {lowest, highest});
      last = read_integer(item.substr(dots + 2), option, {lowest, highest});
      if (last < first) {
        throw UserError(option + ": the range " + item + " is reversed (write " +
                        std::to_string(last) + ".." + std::to_string(first) + ")");
      }
    }
    // last - first cannot overflow: both lie in [lowest, highest] and the caller's ranges are
    // far from the 64-bit limits.
    count += last - first + 1;
    if (count > kMaxListValues) {
      throw UserError(option + ": more than " + std::to_string(kMaxListValues) + " values");
    }
    ranges.emplace_back(first, last);
  }
  std::vector<std::int64_t> values;
  values.reserve(static_cast<std::size_t>(count));
  for (const auto& [first, last] : ranges) {
    for (std::int64_t v = first; v <= last; ++v) values.push_back(v);
  }
  refuse_repeats(values, option, show_integer);
  return values;
}

std::vector<double> parse_real_list(const std::string& text, const std::string& option) {
  std::vector<double> values;
  for (const std::string& item : items_of(text, option)) {
    values.push_back(read_real(item, option, {0.0, false}));
    if (values.size() > static_cast<std::size_t>(kMaxListValues)) {
      throw UserError(option + ": more than " + std::to_string(kMaxListValues) + " values");
    }
  }
  refuse_repeats(values, option, show_real);
  return values;
}

}  // namespace carry::cli
