#include "engine/commanded_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ystpcs::engine {

namespace {

using nlohmann::json;

std::string errno_text(int err) { return std::strerror(err); }

// The whole file, or nullopt when it does not exist (a fresh install).
Result<std::optional<std::string>> read_whole_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return make_error(ErrorKind::io, "cannot read " + path + ": " + errno_text(errno));
    }
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return make_error(ErrorKind::io, "cannot read " + path + ": " + errno_text(err));
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return std::optional<std::string>{std::move(text)};
}

// Replaces `path` with `text` so that after a crash or power loss the file holds either the
// old or the new content, complete: write a temporary in the same directory (rename is only
// atomic within one file system), fsync it, rename it over the file, fsync the directory so
// that the rename itself is on disk. The temporary has a fixed name: one daemon writes the
// file, and a temporary left by a crash is simply overwritten instead of piling up.
Result<void> replace_durably(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    const auto failed = [&](const std::string& step, int err) {
        return make_error(ErrorKind::io, "cannot write " + path + " (" + step + ": " + errno_text(err) +
                                             "); the previous file is unchanged");
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failed("creating " + tmp, errno);  // nothing of ours to remove
    const auto abandon = [&](const std::string& step, int err, bool close_fd) {
        if (close_fd) ::close(fd);
        ::unlink(tmp.c_str());
        return failed(step, err);
    };
    std::string_view rest = text;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return abandon("writing " + tmp, n < 0 ? errno : EIO, true);
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    // A full disk or an I/O error may only show here (delayed allocation, write-back).
    if (::fsync(fd) != 0) return abandon("syncing " + tmp, errno, true);
    if (::close(fd) != 0) return abandon("closing " + tmp, errno, false);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return abandon("renaming " + tmp, errno, false);

    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return make_error(ErrorKind::io, "wrote " + path + " but cannot open its directory to sync it: " +
                                             errno_text(errno) + "; the change may not survive a power loss");
    const int sync_result = ::fsync(dfd);
    const int sync_errno = errno;
    ::close(dfd);
    if (sync_result != 0)
        return make_error(ErrorKind::io, "wrote " + path + " but cannot sync " + dir + ": " + errno_text(sync_errno) +
                                             "; the change may not survive a power loss");
    return {};
}

std::string utc_stamp() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
    return text;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

json to_json(const std::map<std::string, CommandedFlags>& flags) {
    const auto tristate = [](const std::optional<bool>& v) { return v ? json(*v) : json(nullptr); };
    json modules = json::object();
    for (const auto& [key, f] : flags)
        modules[key] = {{"start", tristate(f.start)},
                        {"self_start", tristate(f.self_start)},
                        {"emergency_stop", f.emergency_stop}};
    return {{"version", CommandedStateStore::kFormatVersion}, {"modules", std::move(modules)}};
}

struct Parsed {
    std::map<std::string, CommandedFlags> flags;
    std::vector<std::string> warnings;
};

// One module's entry. Problems lose only the field concerned, with a warning; the latch
// errs on the latched side, since a wrongly released emergency stop could energise a PCS.
CommandedFlags parse_module(const std::string& where, const json& entry, int version,
                            std::vector<std::string>& warnings) {
    CommandedFlags f;
    const auto tristate = [&](const char* key, const char* unknown_means) -> std::optional<bool> {
        const auto it = entry.find(key);
        if (it == entry.end() || it->is_null()) return std::nullopt;
        if (it->is_boolean()) return it->get<bool>();
        warnings.push_back(where + ": \"" + key + "\" is " + it->type_name() + ", not true/false/null; " +
                           unknown_means);
        return std::nullopt;
    };
    f.start = tristate("start", "byte 1 (start/stop) is treated as not known");
    f.self_start = tristate("self_start", "byte 3 (self-start) is treated as not known");
    if (const auto it = entry.find("emergency_stop"); it != entry.end()) {
        if (it->is_boolean()) {
            f.emergency_stop = it->get<bool>();
        } else {
            f.emergency_stop = true;
            warnings.push_back(where + ": \"emergency_stop\" is " + std::string(it->type_name()) +
                               ", not true/false; the emergency stop is kept latched until faults are cleared");
        }
    } else if (version >= 2) {
        f.emergency_stop = true;
        warnings.push_back(where + ": no \"emergency_stop\"; the emergency stop is kept latched until faults "
                                   "are cleared");
    }
    for (const auto& [key, value] : entry.items()) {
        if (key != "start" && key != "self_start" && key != "emergency_stop")
            warnings.push_back(where + ": unknown key \"" + key + "\" ignored");
    }
    return f;
}

// The content, or what makes the file unusable as a whole.
Result<Parsed> parse(const std::string& path, const std::string& text) {
    const auto damaged = [](std::string what) { return make_error(ErrorKind::io, std::move(what)); };
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return damaged("it is empty (a write that failed, e.g. on a full disk?)");
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        return damaged(std::string("it is not JSON: ") + e.what());
    }
    if (!j.is_object()) return damaged(std::string("it is ") + j.type_name() + ", not a JSON object");
    const auto version_it = j.find("version");
    if (version_it == j.end()) return damaged("it has no \"version\"");
    if (!version_it->is_number_integer()) return damaged("its \"version\" is not an integer");
    const auto version = version_it->get<std::int64_t>();
    if (version > CommandedStateStore::kFormatVersion)
        return damaged("its format version " + std::to_string(version) + " is newer than this ystpcsd reads (1–" +
                       std::to_string(CommandedStateStore::kFormatVersion) + "); guessing its meaning could "
                       "energise a module");
    if (version < 1) return damaged("its format version " + std::to_string(version) + " does not exist");
    const auto modules_it = j.find("modules");
    if (modules_it == j.end() || !modules_it->is_object()) return damaged("it has no \"modules\" object");

    Parsed parsed;
    for (const auto& [key, value] : j.items()) {
        if (key != "version" && key != "modules")
            parsed.warnings.push_back(path + ": unknown top-level key \"" + key + "\" ignored");
    }
    for (const auto& [key, entry] : modules_it->items()) {
        const std::string where = path + ": module \"" + key + "\"";
        if (!entry.is_object()) {
            parsed.warnings.push_back(where + " is " + entry.type_name() + ", not an object; nothing is known about it");
            continue;
        }
        parsed.flags[key] = parse_module(where, entry, static_cast<int>(version), parsed.warnings);
    }
    return parsed;
}

}  // namespace

CommandedStateStore::CommandedStateStore(std::string path) : path_(std::move(path)) {}

Result<void> CommandedStateStore::load() {
    flags_.clear();
    load_warnings_.clear();
    if (path_.empty()) return {};
    auto text = read_whole_file(path_);
    if (!text) return text.error();
    if (!text.value()) return {};  // a fresh install
    auto parsed = parse(path_, **text);
    if (!parsed) return discard_damaged(parsed.error().message);
    flags_ = std::move(parsed.value().flags);
    load_warnings_ = std::move(parsed.value().warnings);
    return {};
}

// The damaged file is evidence (and maybe recoverable by hand): it is moved aside, never
// overwritten, and a second damage within the same second gets its own name.
Error CommandedStateStore::discard_damaged(const std::string& what) {
    const std::string base = path_ + ".damaged-" + utc_stamp();
    std::string aside = base;
    for (int n = 1; exists(aside); ++n) aside = base + "." + std::to_string(n);
    std::string kept;
    if (::rename(path_.c_str(), aside.c_str()) == 0)
        kept = "kept as " + aside;
    else
        kept = "could not be kept as " + aside + " (" + errno_text(errno) + "), so the next change overwrites it";
    return make_error(ErrorKind::io, path_ + " is damaged: " + what + "; " + kept +
                                         "; starting with nothing known: start/stop is inferred from each module's "
                                         "running state, self-start is off, no emergency stop is latched");
}

CommandedFlags CommandedStateStore::get(const std::string& module) const {
    const auto it = flags_.find(module);
    return it == flags_.end() ? CommandedFlags{} : it->second;
}

Result<void> CommandedStateStore::set(const std::string& module, const CommandedFlags& flags) {
    // After a failed write the file lags behind memory: any set() is a chance to catch up.
    if (get(module) == flags && !last_write_error_) return {};
    flags_[module] = flags;
    return save();
}

Result<void> CommandedStateStore::save() {
    if (path_.empty()) return {};
    auto r = replace_durably(path_, to_json(flags_).dump(2) + '\n');
    if (!r) {
        ++write_failures_;
        last_write_error_ = r.error();
        return r;
    }
    last_write_error_.reset();
    return {};
}

}  // namespace ystpcs::engine
