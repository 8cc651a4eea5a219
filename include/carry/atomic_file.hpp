// atomic_file.hpp: files that are either fully written or not touched at all.
#pragma once

#include <string>

namespace carry {

// Writes `contents` to a temporary file beside the file `path` names (symbolic links followed:
// write_target.hpp), flushes it to disk, gives it the replaced file's permission bits (and, for
// root, its owner), then renames it over that file. A crash or error at any point leaves the
// old file (or no file) in place. Refuses (UserError) a `path` that exists and is not a regular
// file; a failure of the system to write is a WriteError naming the path and the reason.
void write_file_atomically(const std::string& path, const std::string& contents);

// Fails early (UserError, or WriteError) if `path` could not be written later: its folder is
// missing or not writable, or it exists and is not a regular file. Leaves nothing behind.
void check_writable(const std::string& path);

}  // namespace carry
