// write_target.hpp: the file a save really replaces, and the files carry keeps beside it.
//
// `--save model.json` may name a symbolic link, or something that is not a file at all. carry
// writes to the file at the end of the links (so the link keeps pointing at the new contents),
// refuses a target that exists and is not a regular file (a device such as /dev/null, a FIFO, a
// socket, a folder: replacing one by a regular file would be destructive), and keeps beside the
// real file, in its folder:
//   .NAME.carry-tmp-PID   the temporary a save writes and then renames over NAME;
//   .NAME.lock            the lock a training run holds on NAME (run_lock.hpp).
// A temporary whose process is gone (killed during a save) is stale; the next run on the same
// target removes it.
#pragma once

#include <sys/types.h>

#include <string>

namespace carry {

struct WriteTarget {
  std::string requested;  // as given, for messages
  std::string path;       // the real file: symbolic links followed
  std::string folder;     // its folder ("." for a bare name)
  std::string name;       // its name within the folder
  bool exists = false;
  mode_t mode = 0;  // an existing file's permission bits
  uid_t owner = 0;
  gid_t group = 0;
};

// Follows `path` through symbolic links (at most 40) to the file it names, which need not exist
// yet. Throws UserError ("cannot write PATH: it is a device, not a regular file") for an
// existing target that is not a regular file, or for a loop of links.
WriteTarget resolve_write_target(const std::string& path);

// The temporary a save by process `pid` writes, and the lock file, both beside target.path.
std::string temporary_path(const WriteTarget& target, pid_t pid);
std::string lock_path(const WriteTarget& target);

// Removes the temporaries of this target (also those named NAME.tmp-PID by earlier versions of
// carry) whose process no longer runs; leaves everything else alone.
void remove_stale_temporaries(const WriteTarget& target);

// "a folder", "a device", "a FIFO (named pipe)", "a socket": what a non-regular file is.
std::string kind_of_file(mode_t mode);

}  // namespace carry
