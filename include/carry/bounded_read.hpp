// bounded_read.hpp: reads a small regular file whole, refusing at once what cannot be one: a
// device (/dev/zero never ends; it is not even opened), a FIFO (a read would wait for a writer),
// a folder, or a file larger than the caller's limit (checked with fstat before reading, and
// again while reading in case the file grows).
#pragma once

#include <cstdint>
#include <string>

namespace carry {

// The contents of `path`. Throws UserError starting with `what` ("checkpoint model.json: ...")
// when the file cannot be opened or read, is not a regular file, or has more than
// `limit_bytes` bytes.
std::string read_regular_file(const std::string& path, std::uint64_t limit_bytes,
                              const std::string& what);

}  // namespace carry
