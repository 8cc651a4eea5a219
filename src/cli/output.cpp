// output.cpp: see output.hpp.
#include "output.hpp"

#include <langinfo.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <strings.h>

namespace carry::cli {

namespace {
bool g_unicode_marks = true;
int g_output_errno = 0;  // the first write error seen, for the message
}  // namespace

bool standard_output_ok() {
  return !std::ferror(stdout) && !std::cout.fail();
}

bool flush_standard_output() {
  // A stream that failed since the last flush (CLI11's std::endl after --version) left the
  // reason in errno; otherwise a failure here leaves it.
  if (standard_output_ok()) errno = 0;
  std::cout.flush();
  const bool failed = std::fflush(stdout) != 0 || !standard_output_ok();
  if (failed && g_output_errno == 0 && errno != 0) g_output_errno = errno;
  return standard_output_ok();
}

void check_standard_output(const std::string& note) {
  if (flush_standard_output()) return;
  const std::string reason =
      g_output_errno != 0 ? std::strerror(g_output_errno) : std::string("write error");
  throw OutputError("cannot write to standard output (" + reason + ")" +
                    (note.empty() ? "" : "; " + note));
}

void choose_marks_from_locale() {
  // Only LC_CTYPE, and only to ask; carry itself runs in the "C" locale (numbers are printed and
  // read with '.', whatever the user's locale).
  const char* chosen = std::setlocale(LC_CTYPE, "");
  const char* codeset = chosen != nullptr ? nl_langinfo(CODESET) : "";
  g_unicode_marks = ::strcasecmp(codeset, "UTF-8") == 0 || ::strcasecmp(codeset, "utf8") == 0;
  std::setlocale(LC_CTYPE, "C");
}

const char* right_mark() {
  return g_unicode_marks ? "\u2713" : "ok";
}

const char* wrong_mark() {
  return g_unicode_marks ? "\u2717" : "wrong";
}

}  // namespace carry::cli
