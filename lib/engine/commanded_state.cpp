#include "engine/commanded_state.h"

#include "engine/durable_file.h"

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
