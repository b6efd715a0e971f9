#include "runtime/config_reader.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ystpcs::runtime {

using json = nlohmann::json;

Error config_error(const std::string& key, const std::string& why) {
    return make_error(ErrorKind::invalid_argument, "configuration key '" + key + "': " + why);
}

Result<json> parse_config_document(const std::string& text) {
    json doc;
    try {
        doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
    } catch (const std::exception& e) {
        return make_error(ErrorKind::invalid_argument, std::string("configuration is not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) return make_error(ErrorKind::invalid_argument, "configuration must be a JSON object");
    return doc;
}

Result<std::string> read_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(ErrorKind::io, "cannot read configuration " + path + ": " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<void> ConfigReader::only(const std::set<std::string>& known) const {
    for (const auto& [k, v] : obj_.items()) {
        if (known.count(k) == 0) {
            std::string list;
            for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
            return config_error(path(k), "unknown key (known keys: " + list + ")");
        }
    }
    return {};
}

Result<void> ConfigReader::boolean(const std::string& key, bool& out) const {
    if (!has(key)) return {};
    if (!at(key).is_boolean()) return config_error(path(key), "must be true or false");
    out = at(key).get<bool>();
    return {};
}

Result<void> ConfigReader::number(const std::string& key, double& out, double min, double max) const {
    if (!has(key)) return {};
    if (!at(key).is_number()) return config_error(path(key), "must be a number");
    const double v = at(key).get<double>();
    if (!std::isfinite(v) || v < min || v > max)
        return config_error(path(key), "must be between " + format(min) + " and " + format(max) + ", not " + format(v));
    out = v;
    return {};
}

Result<void> ConfigReader::integer(const std::string& key, long long& out, long long min, long long max) const {
    if (!has(key)) return {};
    if (!at(key).is_number_integer() && !at(key).is_number_unsigned()) return config_error(path(key), "must be a whole number");
    const long long v = at(key).get<long long>();
    if (v < min || v > max)
        return config_error(path(key), "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                                           std::to_string(v));
    out = v;
    return {};
}

Result<void> ConfigReader::seconds(const std::string& key, Duration& out, double min, double max) const {
    double v = runtime::seconds(out);
    if (auto r = number(key, v, min, max); !r) return r;
    out = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(v));
    return {};
}

Result<void> ConfigReader::string(const std::string& key, std::string& out, const std::set<std::string>& allowed) const {
    if (!has(key)) return {};
    if (!at(key).is_string()) return config_error(path(key), "must be a string");
    const std::string v = at(key).get<std::string>();
    if (!allowed.empty() && allowed.count(v) == 0) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
        return config_error(path(key), "must be one of " + list + ", not \"" + v + "\"");
    }
    out = v;
    return {};
}

Result<ConfigReader> ConfigReader::object(const std::string& key) const {
    if (!at(key).is_object()) return config_error(path(key), "must be an object");
    return ConfigReader(at(key), path(key));
}

std::string ConfigReader::format(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
}

}  // namespace ystpcs::runtime
