// record_log.cpp: see record_log.hpp. POSIX: open(O_APPEND), write, fdatasync, flock.
#include "carry/sweep/record_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "carry/errors.hpp"

namespace carry::sweep {

namespace {
[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw UserError("cannot " + what + " " + path + ": " + std::strerror(error));
}
}  // namespace

std::vector<RunRecord> read_run_records(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    fail("read", path, errno);
  }
  std::string text;
  char block[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail("read", path, error);
    }
    if (n == 0) break;
    text.append(block, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t last_newline = text.rfind('\n');
  const std::size_t complete = last_newline == std::string::npos ? 0 : last_newline + 1;
  if (complete != text.size()) {
    throw UserError(path + " ends in an incomplete line (" +
                    std::to_string(text.size() - complete) +
                    " bytes without a newline: a write cut short, or an edit); cut it off to "
                    "continue, and that run will run again: truncate -s " +
                    std::to_string(complete) + " '" + path + "'");
  }
  std::vector<RunRecord> records;
  std::size_t start = 0;
  int line_number = 0;
  while (start < complete) {
    const std::size_t end = text.find('\n', start);
    ++line_number;
    records.push_back(parse_record_line(text.substr(start, end - start),
                                        "line " + std::to_string(line_number) + " of " + path));
    start = end + 1;
  }
  return records;
}

RecordAppender::RecordAppender(const std::string& path)
    : path_(path), last_sync_(std::chrono::steady_clock::now()) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("open", path, errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    if (error == EWOULDBLOCK) {
      throw UserError(path +
                      " is being written by another carry sweep; wait for it to end, or "
                      "use another --out");
    }
    fail("lock", path, error);
  }
}

RecordAppender::~RecordAppender() {
  ::fdatasync(fd_);
  ::close(fd_);  // releases the lock
}

void RecordAppender::append(const RunRecord& record) {
  const std::string line = record_line(record);
  const std::lock_guard<std::mutex> lock(mutex_);
  ssize_t written;
  do {
    written = ::write(fd_, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written < 0) fail("append to", path_, errno);
  if (static_cast<std::size_t>(written) != line.size()) {
    // Regular files take a whole write unless the disk is full; the torn line this leaves is
    // refused at the next start with how to cut it off.
    throw UserError("cannot append to " + path_ + ": only " + std::to_string(written) + " of " +
                    std::to_string(line.size()) + " bytes written (is the disk full?)");
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ >= std::chrono::seconds(1)) {
    ::fdatasync(fd_);
    last_sync_ = now;
  }
}

void RecordAppender::sync() {
  const std::lock_guard<std::mutex> lock(mutex_);
  ::fdatasync(fd_);
  last_sync_ = std::chrono::steady_clock::now();
}

}  // namespace carry::sweep
