#include "bridge/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <climits>

#include "runtime/config_reader.h"

namespace ystpcs::bridge {

namespace {

using runtime::config_error;
using runtime::ConfigReader;

#define TRY(expr)                                     \
    do {                                              \
        if (auto r_ = (expr); !r_) return r_.error(); \
    } while (0)

bool ip_literal(const std::string& s) {
    in6_addr buf{};
    return inet_pton(AF_INET, s.c_str(), &buf) == 1 || inet_pton(AF_INET6, s.c_str(), &buf) == 1;
}

Result<void> port(const ConfigReader& r, const std::string& key, std::uint16_t& out) {
    long long v = out;
    TRY(r.integer(key, v, 1, 65535));
    out = static_cast<std::uint16_t>(v);
    return {};
}

Result<void> absolute_path(const ConfigReader& r, const std::string& key, std::string& out) {
    TRY(r.string(key, out));
    if (!out.empty() && out[0] != '/') return config_error(r.path(key), "must be an absolute path");
    return {};
}

// "can0/250", "sim/1": an interface name and a PCS address, as pcsctl -m and the D-Bus paths name them.
bool valid_module_name(const std::string& s) {
    const auto slash = s.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash > 15) return false;
    if (s.find_first_of(" \t:") != std::string::npos) return false;
    const std::string number = s.substr(slash + 1);
    if (number.empty() || number.size() > 3 || number.find_first_not_of("0123456789") != std::string::npos) return false;
    const int address = std::stoi(number);
    return address >= 1 && address <= 254 && address != 180;
}

Result<void> parse_metrics(const ConfigReader& m, MetricsConfig& c) {
    TRY(m.only({"enabled", "address", "port"}));
    TRY(m.boolean("enabled", c.enabled));
    TRY(m.string("address", c.address));
    if (!ip_literal(c.address)) return config_error(m.path("address"), "must be an IPv4 or IPv6 address such as \"127.0.0.1\", not \"" + c.address + "\"");
    return port(m, "port", c.port);
}

Result<void> parse_writes(const ConfigReader& w, WritesConfig& c) {
    TRY(w.only({"enabled", "modules", "per_minute", "burst"}));
    TRY(w.boolean("enabled", c.enabled));
    if (w.has("modules")) {
        if (!w.at("modules").is_array()) return config_error(w.path("modules"), "must be a list of modules such as [\"can0/250\"]");
        c.modules.clear();
        for (std::size_t i = 0; i < w.at("modules").size(); ++i) {
            const auto& v = w.at("modules")[i];
            const std::string key = w.path("modules") + "[" + std::to_string(i) + "]";
            if (!v.is_string() || !valid_module_name(v.get<std::string>()))
                return config_error(key, "must name a module as INTERFACE/ADDRESS, such as \"can0/250\"");
            c.modules.push_back(v.get<std::string>());
        }
    }
    TRY(w.number("per_minute", c.per_minute, 0.1, 600));
    long long burst = c.burst;
    TRY(w.integer("burst", burst, 1, 100));
    c.burst = static_cast<unsigned>(burst);
    return {};
}

Result<void> parse_mqtt(const ConfigReader& m, MqttConfig& c) {
    TRY(m.only({"enabled", "host", "port", "client_id", "keepalive_s", "username", "password_file", "tls", "retain",
                "publish_interval_s", "reconnect_min_s", "reconnect_max_s", "writes"}));
    TRY(m.boolean("enabled", c.enabled));
    TRY(m.string("host", c.host));
    if (c.host.empty()) return config_error(m.path("host"), "must not be empty");
    TRY(port(m, "port", c.port));
    TRY(m.string("client_id", c.client_id));
    if (c.client_id.size() > 128) return config_error(m.path("client_id"), "must be at most 128 characters");
    long long keepalive = c.keepalive_s;
    TRY(m.integer("keepalive_s", keepalive, 5, 3600));
    c.keepalive_s = static_cast<unsigned>(keepalive);
    TRY(m.string("username", c.username));
    TRY(absolute_path(m, "password_file", c.password_file));
    if (!c.password_file.empty() && c.username.empty()) return config_error(m.path("password_file"), "needs a username");
    if (m.has("tls")) {
        const auto t = m.object("tls");
        if (!t) return t.error();
        TRY(t->only({"enabled", "ca_file", "ca_path", "cert_file", "key_file"}));
        TRY(t->boolean("enabled", c.tls.enabled));
        TRY(absolute_path(*t, "ca_file", c.tls.ca_file));
        TRY(absolute_path(*t, "ca_path", c.tls.ca_path));
        TRY(absolute_path(*t, "cert_file", c.tls.cert_file));
        TRY(absolute_path(*t, "key_file", c.tls.key_file));
        if (c.tls.enabled && c.tls.ca_file.empty() && c.tls.ca_path.empty())
            return config_error(t->path("ca_file"), "TLS needs ca_file or ca_path (the broker's certificate is always verified)");
        if (c.tls.cert_file.empty() != c.tls.key_file.empty())
            return config_error(t->path("cert_file"), "cert_file and key_file go together");
    }
    TRY(m.boolean("retain", c.retain));
    TRY(m.seconds("publish_interval_s", c.publish_interval, 0.1, 3600));
    TRY(m.seconds("reconnect_min_s", c.reconnect_min, 0.1, 60));
    TRY(m.seconds("reconnect_max_s", c.reconnect_max, 1, 3600));
    if (c.reconnect_max < c.reconnect_min) return config_error(m.path("reconnect_max_s"), "must not be below reconnect_min_s");
    if (m.has("writes")) {
        const auto w = m.object("writes");
        if (!w) return w.error();
        TRY(parse_writes(*w, c.writes));
    }
    return {};
}

}  // namespace

bool valid_site_id(const std::string& site) {
    if (site.empty() || site.size() > 64) return false;
    for (char ch : site)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
            return false;
    return true;
}

std::string default_site_id() {
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "ystpcs";
    std::string site(host);
    for (char& ch : site)
        if (!valid_site_id(std::string(1, ch))) ch = '-';
    return site.substr(0, 64);
}

Result<BridgeConfig> parse_bridge_config(const std::string& json_text, BridgeConfig c) {
    const auto doc = runtime::parse_config_document(json_text);
    if (!doc) return doc.error();
    const ConfigReader r(doc.value());
    TRY(r.only({"site", "bus", "bus_address", "poll_interval_s", "log_level", "metrics", "mqtt"}));
    TRY(r.string("site", c.site));
    if (r.has("site") && !valid_site_id(c.site))
        return config_error("site", "must be 1-64 letters, digits, '_', '.' or '-' (one MQTT topic level), not \"" + c.site + "\"");
    TRY(r.string("bus", c.bus, {"system", "session"}));
    TRY(r.string("bus_address", c.bus_address));
    TRY(r.seconds("poll_interval_s", c.poll_interval, 0.5, 600));
    TRY(r.string("log_level", c.log_level, {"trace", "debug", "info", "warn", "error", "critical"}));
    if (r.has("metrics")) {
        const auto m = r.object("metrics");
        if (!m) return m.error();
        TRY(parse_metrics(*m, c.metrics));
    }
    if (r.has("mqtt")) {
        const auto m = r.object("mqtt");
        if (!m) return m.error();
        TRY(parse_mqtt(*m, c.mqtt));
    }
    return c;
}

Result<BridgeConfig> load_bridge_config(const std::string& path, BridgeConfig base) {
    const auto text = runtime::read_config_file(path);
    if (!text) return text.error();
    auto c = parse_bridge_config(text.value(), std::move(base));
    if (!c) return make_error(c.error().kind, path + ": " + c.error().message);
    return c;
}

}  // namespace ystpcs::bridge
