// run_lock.hpp: one training run per checkpoint file. Two runs saving to the same path would
// both report success while the last writer silently wins; with this lock the second refuses
// before it trains, naming the process that holds the file.
//
// The lock is the kernel's (flock on .NAME.lock beside the real file, write_target.hpp), held
// for as long as the RunLock lives, and released by the kernel when the process ends however it
// ends. A lock file left behind by a killed run therefore never blocks anyone: only a running
// holder does. The holder writes its pid into the file for the second run's message, and
// removes the file when it is done. Taking the lock also removes the target's stale temporaries
// (write_target.hpp): those of processes that no longer run.
#pragma once

#include <string>

namespace carry {

class RunLock {
 public:
  // Locks the checkpoint file `path` (symbolic links followed). Throws UserError when another
  // process holds it ("... is being written by another carry run (pid 1234) ..."), or when the
  // lock file cannot be created in the file's folder. On a file system without locks it goes
  // on unlocked, with a note on stderr.
  explicit RunLock(const std::string& path);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::string lock_path_;
  int fd_ = -1;
};

}  // namespace carry
