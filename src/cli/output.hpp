// output.hpp: standard output as carry treats it. Writes to it can fail (a closed pipe, as in
// `carry train | head -1`; a full disk; /dev/full): carry ignores SIGPIPE, so a failed write is
// an error flag instead of death by signal. Training then stops printing but goes on and saves;
// every command ends by checking that all it wrote arrived, and exits 1 with one line if not.
// Also which marks a report uses for a right and a wrong answer.
#pragma once

#include <stdexcept>
#include <string>

namespace carry::cli {

// Something written to standard output was lost; status 1.
class OutputError : public std::runtime_error {
 public:
  explicit OutputError(const std::string& what) : std::runtime_error(what) {}
};

// False once a write to standard output has failed.
bool standard_output_ok();

// Flushes standard output, remembering why it failed if it did; returns standard_output_ok().
bool flush_standard_output();

// Flushes standard output (stdio and std::cout, which share it) and throws OutputError saying
// why when anything written to it was lost. `note` is added to the message ("the checkpoint
// was saved to model.json").
void check_standard_output(const std::string& note = "");

// Decides the marks from the locale's character set (LC_ALL, LC_CTYPE, LANG): ✓ and ✗ when it is
// UTF-8, else "ok" and "wrong", which any terminal shows. Without this call, ✓ and ✗.
void choose_marks_from_locale();
const char* right_mark();
const char* wrong_mark();

}  // namespace carry::cli
