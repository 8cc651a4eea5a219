// checkpoint_rescue.hpp: where a training run's checkpoint goes when its own file cannot be
// written at the end (a full disk, a folder removed, an I/O error). A run that has trained for
// hours must not end with its weights lost: they go to a rescue file instead, the message names
// it, and carry exits with status 4 (exit_status.hpp).
#pragma once

#include <string>
#include <vector>

#include "carry/checkpoint.hpp"

namespace carry::cli {

struct SavedCheckpoint {
  std::string path;     // where the checkpoint now is
  std::string problem;  // why it is not at the requested path ("" when it is)
  bool rescued() const { return !problem.empty(); }
};

// Where a checkpoint for `path` is rescued, in order: carry-rescued-PID-NAME in $TMPDIR (or
// /tmp when unset or empty), then in the current folder.
std::vector<std::string> rescue_paths(const std::string& path);

// Saves `checkpoint` to `path`; when the system cannot write it (WriteError), to the first rescue
// path that works. Throws ResourceError (exit status 1) naming every place tried when none does.
// Other refusals (non-finite weights) are thrown as they are.
SavedCheckpoint save_or_rescue(const std::string& path, const Checkpoint& checkpoint);

}  // namespace carry::cli
