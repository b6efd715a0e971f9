// ystpcs-bridge's configuration: a JSON file (ystpcs-bridge.json(5), docs/fleet.md); the
// command line overrides a few keys. Unknown keys and bad values are errors naming the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "runtime/event_loop.h"

namespace ystpcs::bridge {

struct MetricsConfig {
    bool enabled = false;
    std::string address = "127.0.0.1";  // an IP literal: nothing is resolved
    std::uint16_t port = 9477;
};

struct TlsConfig {
    bool enabled = false;
    std::string ca_file;    // the CA that signed the broker's certificate (or ca_path)
    std::string ca_path;
    std::string cert_file;  // client certificate and key, when the broker asks for one
    std::string key_file;
};

struct WritesConfig {
    bool enabled = false;
    std::vector<std::string> modules;  // "can0/250": the only ones W/ may change
    double per_minute = 12;            // sustained rate of start and set-point writes
    unsigned burst = 3;                // of which at most this many at once
};

struct MqttConfig {
    bool enabled = false;
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    std::string client_id;              // default "ystpcs-bridge-<site>"
    unsigned keepalive_s = 30;
    std::string username;
    std::string password_file;          // the password, in a file of its own (not in this world-readable one)
    TlsConfig tls;
    bool retain = false;                // values retained by the broker (the status topic always is)
    runtime::Duration publish_interval = std::chrono::seconds(1);
    runtime::Duration reconnect_min = std::chrono::seconds(1);
    runtime::Duration reconnect_max = std::chrono::seconds(60);
    WritesConfig writes;
};

struct BridgeConfig {
    std::string site;                   // the MQTT site id; default: the host name
    std::string bus = "system";         // "system" or "session"; bus_address wins
    std::string bus_address;
    runtime::Duration poll_interval = std::chrono::seconds(5);
    std::string log_level = "info";
    MetricsConfig metrics;
    MqttConfig mqtt;
};

// A site id is one MQTT topic level: 1–64 of [A-Za-z0-9_.-].
bool valid_site_id(const std::string& site);
// The host name with every other character made '-', as a default site id.
std::string default_site_id();

Result<BridgeConfig> parse_bridge_config(const std::string& json_text, BridgeConfig base = {});
Result<BridgeConfig> load_bridge_config(const std::string& path, BridgeConfig base = {});

}  // namespace ystpcs::bridge
