// Files: atomic writes of secret files, reads, private directories.
#pragma once

#include <string>
#include <string_view>

#include "secu/result.hpp"

namespace secu::files {

// Writes `content` to `path` atomically with `mode`: a temporary file beside it (created with
// the final mode, never wider), fsynced, renamed over `path`, and the directory fsynced. A
// crash leaves either the old file or the new one, never half of one (model: ccache's
// AtomicFile).
Status write_atomic(const std::string& path, std::string_view content, unsigned mode = 0600);
Result<std::string> read_all(const std::string& path);
bool exists(const std::string& path);
// Creates the directory (and missing parents) with `mode`.
// (An existing directory is left as it is.)
Status make_dir(const std::string& path, unsigned mode = 0700);
// The file's permission bits, or an error.
Result<unsigned> mode_of(const std::string& path);

}  // namespace secu::files
