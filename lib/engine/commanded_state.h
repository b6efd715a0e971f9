// Frame 0x0F carries three commands, and "when only one of them changes, the other two bytes
// must repeat their current values". The controller therefore remembers what it last
// commanded in bytes 1 (start/stop) and 3 (power-on self-start) of every module, and keeps
// it on disk so that a restarted daemon neither stops a running PCS nor flips its flag.
// The emergency-stop latch (heartbeat state 3) is kept too: a restart must not release an
// emergency stop that only a successful clear-faults may end.
//
// The file (format version 2; version 1 lacks "emergency_stop" and still loads, latch off):
//   {"version": 2, "modules": {"can0/7": {"start": true|false|null,
//                                         "self_start": true|false|null,
//                                         "emergency_stop": true|false}}}
// A lost or silently emptied file would make a restarted daemon guess, so writes are
// durable (temporary file, fsync, rename, fsync of the directory) and never leave half a
// file; a damaged file is kept aside for inspection instead of being overwritten.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.h"

namespace ystpcs::engine {

struct CommandedFlags {
    std::optional<bool> start;       // byte 1: true start, false stop; unknown after a fresh install
    std::optional<bool> self_start;  // byte 3
    bool emergency_stop = false;     // heartbeat state 3 latched until a successful clear-faults
    friend bool operator==(const CommandedFlags&, const CommandedFlags&) = default;
};

class CommandedStateStore {
public:
    static constexpr int kFormatVersion = 2;

    // `path` empty: nothing is persisted (tests, --simulate without a state directory).
    explicit CommandedStateStore(std::string path);

    // Reads the file; a missing file is a fresh install (no error, no warning).
    // A file that cannot be used as a whole (not JSON, wrong top-level structure, a format
    // version this daemon does not know) is renamed to `<path>.damaged-<UTC YYYYmmddTHHMMSSZ>`
    // and an error says what is wrong and where the copy went; the store starts from nothing
    // known. Problems inside one module's entry only drop that part: see load_warnings().
    Result<void> load();
    // Human-readable problems found by the last load() that did not discard the file.
    const std::vector<std::string>& load_warnings() const { return load_warnings_; }

    CommandedFlags get(const std::string& module) const;
    // Remembers the flags and writes the file durably. On a failed write the previous file
    // stays intact, the new value is kept in memory (the next successful write persists it)
    // and the error is returned and remembered (last_write_error, write_failures).
    // Unchanged flags are not written again unless the file lags behind after a failure.
    Result<void> set(const std::string& module, const CommandedFlags& flags);

    const std::string& path() const { return path_; }
    // The error of the last write when it failed; cleared by the next successful write.
    const std::optional<Error>& last_write_error() const { return last_write_error_; }
    // Failed writes since start-up.
    std::uint64_t write_failures() const { return write_failures_; }

private:
    Result<void> save();
    Error discard_damaged(const std::string& what);

    std::string path_;
    std::map<std::string, CommandedFlags> flags_;
    std::vector<std::string> load_warnings_;
    std::optional<Error> last_write_error_;
    std::uint64_t write_failures_ = 0;
};

}  // namespace ystpcs::engine
