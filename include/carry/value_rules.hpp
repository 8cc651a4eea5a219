// value_rules.hpp: the one set of rules by which a value written as text enters carry: every
// command-line option and operand (through cli/typed_options.hpp) and CARRY_MEMORY_LIMIT.
//
//   whole numbers  decimal digits, with a '-' before them for a negative number; nothing else
//                  (no '+', no spaces, no 0x, no exponent). Leading zeros are decimal ("040" is
//                  forty). A number outside the range, however many digits it has, is refused
//                  naming the range: nothing is clamped.
//   real numbers   decimal notation in full ("4", "0.5", ".5", "1e-3", "-2"); no '+' in front,
//                  no spaces, no hexadecimal. "nan" and "inf" read as numbers and are then
//                  refused by the range (every range here is finite).
//   choices        exactly one of the listed words.
//   paths          not empty, and not starting with '-' (so "--save --quiet" cannot take
//                  "--quiet" for a file name; "./-name" names such a file).
//   lists          comma-separated items, each read by its rule; no empty item.
// An empty value is always refused. Every refusal is a UserError whose message names what was
// read, what it must be and the text as written ("--bits must be between 2 and 62 (got 63)").
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace carry {

struct IntegerRange {
  std::int64_t low = 0;
  std::int64_t high = std::numeric_limits<std::int64_t>::max();
};

// An interval of finite reals; `high` may be infinity (then there is no upper bound, but the
// value must still be finite).
struct RealRange {
  double low = 0.0;
  bool low_included = true;
  double high = std::numeric_limits<double>::infinity();
  bool high_included = true;
};

// "between 2 and 62", "0 or more", "at least 1"; "a finite number above 0", "between 0 and 1".
std::string describe(const IntegerRange& range);
std::string describe(const RealRange& range);

// `what` names the value in messages: an option ("--bits"), an operand ("A"), a variable.
std::int64_t read_integer(const std::string& text, const std::string& what, IntegerRange range);
double read_real(const std::string& text, const std::string& what, RealRange range);
std::string read_choice(const std::string& text, const std::string& what,
                        const std::vector<std::string>& choices);
std::string read_path(const std::string& text, const std::string& what);
// The items of a comma-separated list, each still to be read by its rule.
std::vector<std::string> list_items(const std::string& text, const std::string& what);

// `text` with its control characters escaped ("\n", "\x1b"), so that a message quoting it
// stays one line.
std::string one_line(const std::string& text);
// `text` as a message quotes a value: one_line(), and cut after 120 characters, saying how long
// it was.
std::string shown(const std::string& text);

}  // namespace carry
