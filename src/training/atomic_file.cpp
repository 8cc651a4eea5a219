// atomic_file.cpp: see atomic_file.hpp. POSIX: open/write/fsync/rename, beside the real file
// (write_target.hpp), with the replaced file's permission bits (and owner, for root).
#include "carry/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "carry/errors.hpp"
#include "carry/write_target.hpp"

namespace carry {

namespace {
[[noreturn]] void fail(const WriteTarget& target, int error) {
  const std::string real = target.path == target.requested ? "" : " (" + target.path + ")";
  throw WriteError("cannot write " + target.requested + real + ": " + std::strerror(error));
}

// Flushes the rename itself, so the new name survives a power loss.
void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Creates this process's temporary for `target`, replacing one a process with the same pid
// left behind; new files get 0666 less the umask, as any program's.
int create_temporary(const std::string& temporary) {
  return ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
}

// The replaced file's owner (when root may set it) and permission bits; the owner first, since
// changing it clears set-user-ID bits.
int keep_attributes(int fd, const WriteTarget& target) {
  if (!target.exists) return 0;
  if (::geteuid() == 0 && (target.owner != ::geteuid() || target.group != ::getegid())) {
    const int ignored = ::fchown(fd, target.owner, target.group);  // best effort
    (void)ignored;
  }
  return ::fchmod(fd, target.mode);
}
}  // namespace

void write_file_atomically(const std::string& path, const std::string& contents) {
  const WriteTarget target = resolve_write_target(path);
  const std::string temporary = temporary_path(target, ::getpid());
  const int fd = create_temporary(temporary);
  if (fd < 0) fail(target, errno);
  auto abandon = [&](int error) {
    ::close(fd);
    ::unlink(temporary.c_str());
    fail(target, error);
  };
  if (keep_attributes(fd, target) != 0) abandon(errno);
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) abandon(errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) abandon(errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail(target, error);
  }
  if (::rename(temporary.c_str(), target.path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail(target, error);
  }
  sync_folder(target.folder);
}

void check_writable(const std::string& path) {
  const WriteTarget target = resolve_write_target(path);
  const std::string probe = temporary_path(target, ::getpid());
  const int fd = create_temporary(probe);
  if (fd < 0) fail(target, errno);
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace carry
