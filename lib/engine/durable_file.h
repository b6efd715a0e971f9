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
// `sync` false: atomic for readers but not across a power loss (no fsync: for files that can
// be made again from a durable one, written where the loop must not wait on the disk).
Result<void> replace_durably(const std::string& path, const std::string& text, bool sync = true);

}  // namespace ystpcs::engine
