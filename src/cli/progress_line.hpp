// progress_line.hpp: a status line on stderr that rewrites itself on a terminal and says nothing
// when stderr is a pipe or a file (logs keep only the results).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

namespace carry::cli {

class ProgressLine {
 public:
  ProgressLine() : live_(::isatty(STDERR_FILENO) == 1) {}
  bool live() const { return live_; }
  void show(const std::string& text) const {
    if (live_) std::fprintf(stderr, "\r\033[K%s", text.c_str());
  }
  void clear() const {
    if (live_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool live_;
};

}  // namespace carry::cli
