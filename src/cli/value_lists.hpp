// value_lists.hpp: the lists `carry sweep` and `carry bench` take: "1,2,4", ranges "0..99", or
// both ("0..9,20,30..39"). Each number is read by the strict rules (strict_numbers.hpp: decimal
// digits only, nothing clamped, empty is an error); a range is inclusive and written low..high.
// Empty lists and items, reversed ranges, repeated values, values out of range and lists longer
// than kMaxListValues are refused with one line naming the option (UserError).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace carry::cli {

constexpr std::int64_t kMaxListValues = 10'000'000;

// Whole numbers in [lowest, highest], in the order written.
std::vector<std::int64_t> parse_integer_list(const std::string& text, const std::string& option,
                                             std::int64_t lowest, std::int64_t highest);

// Finite real numbers above 0 (what strtod reads in full), in the order written; no ranges.
std::vector<double> parse_real_list(const std::string& text, const std::string& option);

}  // namespace carry::cli
