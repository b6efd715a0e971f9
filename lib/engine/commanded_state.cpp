#include "engine/commanded_state.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ystpcs::engine {

CommandedStateStore::CommandedStateStore(std::string path) : path_(std::move(path)) {}

Result<void> CommandedStateStore::load() {
    flags_.clear();
    if (path_.empty()) return {};
    std::ifstream in(path_);
    if (!in) {
        if (errno == ENOENT) return {};
        return make_error(ErrorKind::io, "cannot read " + path_ + ": " + std::strerror(errno));
    }
    try {
        const auto j = nlohmann::json::parse(in);
        for (const auto& [key, v] : j.at("modules").items()) {
            CommandedFlags f;
            if (v.contains("start") && !v["start"].is_null()) f.start = v["start"].get<bool>();
            if (v.contains("self_start") && !v["self_start"].is_null()) f.self_start = v["self_start"].get<bool>();
            flags_[key] = f;
        }
    } catch (const std::exception& e) {
        flags_.clear();
        return make_error(ErrorKind::io, path_ + " is damaged (" + e.what() + "); starting with nothing known");
    }
    return {};
}

CommandedFlags CommandedStateStore::get(const std::string& module) const {
    const auto it = flags_.find(module);
    return it == flags_.end() ? CommandedFlags{} : it->second;
}

Result<void> CommandedStateStore::set(const std::string& module, const CommandedFlags& flags) {
    if (get(module) == flags) return {};
    flags_[module] = flags;
    return save();
}

Result<void> CommandedStateStore::save() const {
    if (path_.empty()) return {};
    nlohmann::json j;
    j["version"] = 1;
    j["modules"] = nlohmann::json::object();
    for (const auto& [key, f] : flags_) {
        j["modules"][key] = {{"start", f.start ? nlohmann::json(*f.start) : nlohmann::json(nullptr)},
                             {"self_start", f.self_start ? nlohmann::json(*f.self_start) : nlohmann::json(nullptr)}};
    }
    const std::string tmp = path_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(2) << '\n';
        if (!out) return make_error(ErrorKind::io, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0)
        return make_error(ErrorKind::io, "cannot replace " + path_ + ": " + std::strerror(errno));
    return {};
}

}  // namespace ystpcs::engine
