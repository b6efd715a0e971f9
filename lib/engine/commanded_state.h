// Frame 0x0F carries three commands, and "when only one of them changes, the other two bytes
// must repeat their current values". The controller therefore remembers what it last
// commanded in bytes 1 (start/stop) and 3 (power-on self-start) of every module, and keeps
// it on disk so that a restarted daemon neither stops a running PCS nor flips its flag.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "protocol/result.h"

namespace ystpcs::engine {

struct CommandedFlags {
    std::optional<bool> start;       // byte 1: true start, false stop; unknown after a fresh install
    std::optional<bool> self_start;  // byte 3
    friend bool operator==(const CommandedFlags&, const CommandedFlags&) = default;
};

class CommandedStateStore {
public:
    // `path` empty: nothing is persisted (tests, --simulate without a state directory).
    explicit CommandedStateStore(std::string path);

    // Reads the file; a missing file is a fresh install (no error). A damaged file is an
    // error: the caller logs it and starts from nothing known.
    Result<void> load();
    CommandedFlags get(const std::string& module) const;
    // Remembers and writes the file (write to a temporary, then rename: never half a file).
    Result<void> set(const std::string& module, const CommandedFlags& flags);
    const std::string& path() const { return path_; }

private:
    Result<void> save() const;
    std::string path_;
    std::map<std::string, CommandedFlags> flags_;
};

}  // namespace ystpcs::engine
