// errors.hpp: the exceptions the command line turns into one line on stderr and an exit status
// (src/cli/exit_status.hpp).
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

namespace carry {

// Something the user gave us is wrong: a value out of range, a bad or missing file. Status 2.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// The system could not write a file carry was asked to write (a full disk, an I/O error, no
// permission). A UserError, so that commands which only report it exit 2 as before; training
// catches it at its saves to try another place rather than lose the run.
class WriteError : public UserError {
 public:
  explicit WriteError(const std::string& message) : UserError(message) {}
};

// carry ran out of a resource it needs that no option controls directly (a thread could not
// be started). Status 1, like running out of memory.
class ResourceError : public std::runtime_error {
 public:
  explicit ResourceError(const std::string& message) : std::runtime_error(message) {}
};

// A number as carry's messages show it: three significant digits ("1.57e+29", "0.5", "4").
inline std::string message_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

}  // namespace carry
