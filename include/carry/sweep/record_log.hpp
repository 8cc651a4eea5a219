// record_log.hpp: runs.jsonl, the sweep's record of finished runs, written so that nothing is
// lost or torn.
//
// Each record is one line, appended by a single write() to a file opened with O_APPEND: once the
// call returns, the line is in the kernel whatever happens to the process (SIGKILL included),
// and a process killed before it has written nothing. The file is flushed to disk (fdatasync) at
// most once a second and when the sweep ends, so a power cut loses at most the last second of
// runs (they run again). A write cut short (a full disk, a power cut mid-write, another program)
// leaves a last line without its '\n': reading refuses such a file and says how to cut the line
// off. While a sweep appends, the file is locked (flock), so two sweeps never share a folder.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "carry/sweep/run_record.hpp"

namespace carry::sweep {

// Every record of runs.jsonl at `path` (none if it does not exist). Throws UserError for a torn
// last line (naming the size to truncate it to) or a line that is not a record (naming it).
std::vector<RunRecord> read_run_records(const std::string& path);

class RecordAppender {
 public:
  // Opens (creates) `path` for appending and locks it; UserError if another process holds it.
  explicit RecordAppender(const std::string& path);
  ~RecordAppender();  // flushes to disk, unlocks
  RecordAppender(const RecordAppender&) = delete;
  RecordAppender& operator=(const RecordAppender&) = delete;

  // From any thread; one write() of the whole line. Throws UserError if it cannot be written.
  void append(const RunRecord& record);
  void sync();

 private:
  std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_sync_;
};

}  // namespace carry::sweep
