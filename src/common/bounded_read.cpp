// bounded_read.cpp: see bounded_read.hpp. POSIX: open with O_NONBLOCK (so that opening a FIFO
// does not wait for a writer), fstat, read.
#include "carry/bounded_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "carry/errors.hpp"
#include "carry/write_target.hpp"

namespace carry {

namespace {
std::string mebibytes(std::uint64_t bytes) {
  return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

// Closes the descriptor however the read ends.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string read_regular_file(const std::string& path, std::uint64_t limit_bytes,
                              const std::string& what) {
  auto refuse_unless_regular = [&](const struct stat& info) {
    if (!S_ISREG(info.st_mode)) {
      throw UserError(what + ": it is " + kind_of_file(info.st_mode) + ", not a regular file");
    }
  };
  // Not even opened when it is not a regular file: opening a device can have effects of its own.
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) refuse_unless_regular(info);
  const Descriptor file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) throw UserError(what + ": cannot open it (" + std::strerror(errno) + ")");
  // What was opened, in case the name was replaced in between.
  if (::fstat(file.fd, &info) != 0) {
    throw UserError(what + ": cannot read it (" + std::strerror(errno) + ")");
  }
  refuse_unless_regular(info);
  const std::string too_large = what + ": larger than " + mebibytes(limit_bytes) +
                                " (a checkpoint is a few KB; carry reads no further)";
  if (static_cast<std::uint64_t>(info.st_size) > limit_bytes) throw UserError(too_large);
  std::string contents(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t have = 0;
  for (;;) {
    // One byte beyond the limit tells a file that grew since fstat.
    if (have == contents.size()) {
      if (have > limit_bytes) throw UserError(too_large);
      contents.resize(std::min<std::uint64_t>(limit_bytes + 1, have + 4096 + have / 2));
    }
    const ssize_t n = ::read(file.fd, &contents[have], contents.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw UserError(what + ": read error (" + std::strerror(errno) + ")");
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have > limit_bytes) throw UserError(too_large);
  contents.resize(have);
  return contents;
}

}  // namespace carry
