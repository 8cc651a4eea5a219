// atomic_file.hpp: files that are either fully written or not touched at all.
#pragma once

#include <string>

namespace carry {

// Writes `contents` to a temporary file beside `path`, flushes it to disk, then renames it over
// `path`. A crash or error at any point leaves the old file (or no file) in place.
// Throws UserError naming the path and the system's reason.
void write_file_atomically(const std::string& path, const std::string& contents);

// Fails early (UserError) if `path` could not be written later: its folder is missing or not
// writable, or `path` is a folder. Leaves nothing behind.
void check_writable(const std::string& path);

}  // namespace carry
