// file_checks.hpp: small helpers for tests about files and the processes that write them.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace carry::testing {

// The type and permission bits of `path` itself (a link is not followed).
inline mode_t mode_of(const std::string& path) {
  struct stat info {};
  ::lstat(path.c_str(), &info);
  return info.st_mode;
}

// A pid that no process has: a child that has exited and been reaped (the kernel does not hand
// it out again at once), as a killed carry's pid looks to the next run.
inline pid_t finished_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

}  // namespace carry::testing
