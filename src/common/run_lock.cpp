// run_lock.cpp: see run_lock.hpp. POSIX: open, flock, fstat/stat to make sure the locked file
// is still the one under the lock's name (its holder may have removed it just before).
#include "carry/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "carry/errors.hpp"
#include "carry/write_target.hpp"

namespace carry {

namespace {

// The pid a holder wrote into the lock file, or "" when it has not yet.
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return "";
  std::string pid;
  for (ssize_t k = 0; k < n && text[k] >= '0' && text[k] <= '9'; ++k) pid += text[k];
  return pid;
}

// True when `fd` is the file now named `path`.
bool still_named(int fd, const std::string& path) {
  struct stat opened {};
  struct stat named {};
  return ::fstat(fd, &opened) == 0 && ::stat(path.c_str(), &named) == 0 &&
         opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

}  // namespace

RunLock::RunLock(const std::string& path) {
  const WriteTarget target = resolve_write_target(path);
  lock_path_ = lock_path(target);
  // A holder removes the file as it leaves; a file locked just after that is no longer the
  // one under the name, so try again with the new one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw WriteError("cannot write " + path + ": cannot create its lock file " + lock_path_ +
                       ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      if (error == EWOULDBLOCK) {
        const std::string holder = holder_of(fd);
        ::close(fd);
        throw UserError(
            path + " is being written by another carry run" +
            (holder.empty() ? "" : " (pid " + holder + ")") +
            "; wait for it to finish, stop it, or save to another file (lock: " + lock_path_ + ")");
      }
      ::close(fd);
      std::cerr << "carry: note: cannot lock " << path << " (" << std::strerror(error)
                << "); a second run saving to it would not be noticed" << std::endl;
      remove_stale_temporaries(target);
      return;
    }
    if (!still_named(fd, lock_path_)) {
      ::close(fd);
      continue;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
      const ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);  // only for messages
      (void)ignored;
    }
    fd_ = fd;
    // With the file locked, a temporary of it whose process is gone is no save in progress.
    remove_stale_temporaries(target);
    return;
  }
  throw UserError("cannot lock " + path + ": its lock file " + lock_path_ +
                  " keeps being replaced");
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // Removed while still locked, so nobody can lock this file and then find it gone unnoticed.
  ::unlink(lock_path_.c_str());
  ::close(fd_);
}

}  // namespace carry
