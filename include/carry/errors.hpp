// errors.hpp: the exception the command line turns into one line on stderr and exit status 2.
#pragma once

#include <stdexcept>
#include <string>

namespace carry {

// Something the user gave us is wrong: a value out of range, a bad or missing file.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace carry
