// cli_support.hpp: small pieces the subcommands share: how a sum, a percentage and a bit string
// are shown.
#pragma once

#include <cstdint>
#include <string>

#include "carry/problem.hpp"

namespace carry::cli {

// "39 + 17 = 56 ✓" or "9 + 60 = 1 ✗ (69)"; "ok" and "wrong" for the marks outside a UTF-8
// locale (output.hpp).
std::string format_example(const AdditionProblem& problem, std::uint64_t prediction);

// "97.53%" with two decimals; never shows 100.00% unless the value is exactly 1.
std::string format_percent(double fraction);

// `bits` binary digits, most significant first, as numbers are written (the network reads them
// from the right, least significant first).
std::string format_bits(std::uint64_t value, int bits);

}  // namespace carry::cli
