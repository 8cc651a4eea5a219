// failure_report.hpp: how `carry` turns a failure of a command into one line on stderr and its
// exit status (exit_status.hpp): bad input 2, divergence 3; 1 for a failed self-check of the cuda
// backend, lost standard output, a resource the system refused, out of memory, and anything else
// as an internal error.
#pragma once

#include <exception>
#include <ostream>
#include <string>

namespace carry::cli {

// Writes "carry: error: ..." (one line, whatever the message holds) for `error` to `err` and
// returns the exit status; `out_of_memory` is the line for std::bad_alloc.
int report_failure(const std::exception_ptr& error, std::ostream& err,
                   const std::string& out_of_memory = "out of memory (try a smaller --batch)");

}  // namespace carry::cli
