// failure_report.hpp: how `carry` turns a failure of a command into one line on stderr and its
// exit status (exit_status.hpp): bad input 2, divergence 3, a failed self-check of the cuda
// backend 1, out of memory 1, anything else 1 as an internal error.
#pragma once

#include <exception>
#include <ostream>

namespace carry::cli {

// Writes "carry: error: ..." (one line) for `error` to `err` and returns the exit status.
int report_failure(const std::exception_ptr& error, std::ostream& err);

}  // namespace carry::cli
