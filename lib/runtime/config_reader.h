// Reading a JSON configuration file (comments allowed) key by key, with errors that name the
// key: "configuration key 'modules[1].address': must be between 1 and 254, not 300". Shared by
// ystpcsd and ystpcs-bridge.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "protocol/result.h"
#include "runtime/event_loop.h"

namespace ystpcs::runtime {

Error config_error(const std::string& key, const std::string& why);

// The document as a JSON object (`//` and `/* */` comments allowed), or why not.
Result<nlohmann::json> parse_config_document(const std::string& text);
// The file's text; the error names the path.
Result<std::string> read_config_file(const std::string& path);

// A reader of one object of the document that remembers where it is ("mqtt.tls"). Each
// getter leaves `out` alone when the key is absent.
class ConfigReader {
public:
    explicit ConfigReader(const nlohmann::json& object, std::string prefix = "") : obj_(object), prefix_(std::move(prefix)) {}

    // Refuses keys not in `known`, listing the known ones.
    Result<void> only(const std::set<std::string>& known) const;
    std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
    bool has(const std::string& key) const { return obj_.contains(key); }
    const nlohmann::json& at(const std::string& key) const { return obj_.at(key); }

    Result<void> boolean(const std::string& key, bool& out) const;
    Result<void> number(const std::string& key, double& out, double min, double max) const;
    Result<void> integer(const std::string& key, long long& out, long long min, long long max) const;
    Result<void> seconds(const std::string& key, Duration& out, double min, double max) const;
    // With `allowed`, only those values.
    Result<void> string(const std::string& key, std::string& out, const std::set<std::string>& allowed = {}) const;
    // A nested object's reader; an error when the key holds something else.
    Result<ConfigReader> object(const std::string& key) const;

    static std::string format(double v);

private:
    const nlohmann::json& obj_;
    std::string prefix_;
};

}  // namespace ystpcs::runtime
