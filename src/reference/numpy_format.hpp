// numpy_format.hpp: prints values the way numpy's str() prints a one-element array, so that
// --seed-compat reproduces the seed's output byte for byte.
#pragma once

#include <string>

namespace carry {

// str(np.array([value])) under numpy's default print options: positional with at most 8
// decimals and trailing zeros dropped ("[3.45638663]", "[3.]"), or scientific when the value is
// >= 1e8 or below 1e-4 ("[5.12345679e-05]").
std::string numpy_array1_str(double value);

}  // namespace carry
