// Files that must survive a crash or power loss whole: written to a temporary, fsync'd,
// renamed over the old one, the directory fsync'd (the commanded-state file, the profile
// journals).
#pragma once

#include <optional>
#include <string>

#include "protocol/result.h"

namespace ystpcs::engine {

// The whole file, or nullopt when it does not exist.
Result<std::optional<std::string>> read_whole_file(const std::string& path);
// Replaces `path` with `text`: afterwards the file holds the old or the new text, complete.
Result<void> replace_durably(const std::string& path, const std::string& text);

}  // namespace ystpcs::engine
