// ystpcsd's configuration: a JSON file (docs/configuration.md documents every key) and the
// command line, which overrides it. Unknown keys and bad values are errors naming the key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_options.h"
#include "protocol/firmware_version.h"
#include "protocol/result.h"

namespace ystpcs::daemon {

struct ConfiguredModule {
    std::string interface;
    std::uint8_t address = 0;
};

enum class ShutdownPolicy { stop_modules, leave_running };

struct SimulationConfig {
    std::string model = "PMA120";
    double battery_voltage_v = 650;
    double capacity_ah = 280;
    double internal_resistance_ohm = 0.05;
    double soc = 0.5;
    std::optional<std::uint64_t> seed;  // none: noise from a random seed
    std::string control_socket;         // pcs-sim's control channel for the simulated modules (empty: none)
    // The ARM software the simulated modules play (2.1.38 and older refuse zero heartbeats):
    // for all, and by address; unset: the simulator's default.
    std::optional<protocol::FirmwareVersion> arm_version;
    std::map<std::uint8_t, protocol::FirmwareVersion> arm_version_by_address;
    std::optional<protocol::FirmwareVersion> arm_version_of(std::uint8_t address) const {
        const auto it = arm_version_by_address.find(address);
        return it != arm_version_by_address.end() ? std::optional(it->second) : arm_version;
    }
};

struct Config {
    std::vector<std::string> interfaces;        // SocketCAN interfaces
    unsigned simulate = 0;                      // simulated modules 1..N on the virtual bus "sim"
    SimulationConfig simulation;
    std::vector<ConfiguredModule> modules;      // served from the start, heartbeat included
    bool kernel_filters = true;                 // CAN_RAW filters: PS 0xB4 and broadcast only
    engine::EngineOptions engine;
    ShutdownPolicy on_shutdown = ShutdownPolicy::stop_modules;
    std::string state_directory = "/var/lib/ystpcsd";
    std::string log_level = "info";
    // D-Bus (see docs/dbus-api.md)
    std::string bus = "system";                 // "system", "session" or "none"; bus_address overrides
    std::string bus_address;
    std::string control_group = "ystpcs";       // members may change modules; root always may
    runtime::Duration properties_interval = std::chrono::milliseconds(200);
};

// What the command line says; it wins over the file.
struct Overrides {
    std::vector<std::string> interfaces;   // added to the file's
    std::optional<unsigned> simulate;
    std::optional<std::string> log_level;
    std::optional<std::string> state_directory;
    std::optional<std::string> bus;
    std::optional<std::string> bus_address;
    std::optional<bool> discovery;
    std::optional<std::string> control_socket;  // the simulated modules' control channel
    void apply(Config& c) const;
};

// Parses a configuration document over `base` (the defaults). Errors name the key:
// "interfaces[1]: must be a non-empty string".
Result<Config> parse_config(const std::string& json_text, Config base = {});
Result<Config> load_config(const std::string& path, Config base = {});

}  // namespace ystpcs::daemon
