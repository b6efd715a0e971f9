// Names of the ystpcs D-Bus API, shared by the daemon and its clients: the contract's
// interfaces are in org.ystpcs.pcs1.{Manager,Module}.xml.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ystpcs::dbus {

inline constexpr const char* kServiceName = "org.ystpcs.pcs1";
inline constexpr const char* kManagerPath = "/org/ystpcs/pcs1";
inline constexpr const char* kManagerInterface = "org.ystpcs.pcs1.Manager";
inline constexpr const char* kModuleInterface = "org.ystpcs.pcs1.Module";
inline constexpr const char* kProfileInterface = "org.ystpcs.pcs1.Profile";
inline constexpr const char* kErrorPrefix = "org.ystpcs.pcs1.Error.";
inline constexpr const char* kAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";

struct ModuleRef {
    std::string interface;
    std::uint8_t address = 0;
};

namespace detail {
inline bool path_safe(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}
}  // namespace detail

// "/org/ystpcs/pcs1/can0/250". Interface names may hold characters an object path cannot
// ("can-1", "can.1"): every byte outside [A-Za-z0-9] is written as _xx (hex), as sd-bus does.
inline std::string module_path(std::string_view interface, std::uint8_t address) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = std::string(kManagerPath) + "/";
    for (char c : interface) {
        if (detail::path_safe(c)) {
            out += c;
        } else {
            out += '_';
            out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
            out += hex[static_cast<unsigned char>(c) & 0xF];
        }
    }
    return out + "/" + std::to_string(address);
}

// "/org/ystpcs/pcs1/profiles/run_7": never a module's path (an address is a number).
inline std::string profile_run_path(std::string_view id) {
    return std::string(kManagerPath) + "/profiles/run_" + std::string(id);
}

// The run a path names ("7"), or nothing.
inline std::optional<std::string> parse_profile_run_path(std::string_view path) {
    const std::string prefix = std::string(kManagerPath) + "/profiles/run_";
    if (path.substr(0, prefix.size()) != prefix || path.size() == prefix.size()) return std::nullopt;
    for (char c : path.substr(prefix.size()))
        if (c < '0' || c > '9') return std::nullopt;
    return std::string(path.substr(prefix.size()));
}

// The module a path names, or nothing for any other path.
inline std::optional<ModuleRef> parse_module_path(std::string_view path) {
    const std::string_view prefix = std::string_view(kManagerPath);
    if (path.substr(0, prefix.size()) != prefix || path.size() <= prefix.size() + 1 || path[prefix.size()] != '/')
        return std::nullopt;
    path.remove_prefix(prefix.size() + 1);
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    ModuleRef ref;
    const std::string_view encoded = path.substr(0, slash);
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '_') {
            ref.interface += encoded[i];
            continue;
        }
        if (i + 2 >= encoded.size()) return std::nullopt;
        const int hi = detail::hex_value(encoded[i + 1]), lo = detail::hex_value(encoded[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        ref.interface += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    const std::string_view number = path.substr(slash + 1);
    if (number.empty() || number.size() > 3) return std::nullopt;
    unsigned value = 0;
    for (char c : number) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value < 1 || value > 254) return std::nullopt;
    ref.address = static_cast<std::uint8_t>(value);
    return ref;
}

}  // namespace ystpcs::dbus
