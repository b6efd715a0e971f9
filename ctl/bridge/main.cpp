// ystpcs-bridge: Prometheus metrics and an MQTT bridge for ystpcsd's modules (docs/fleet.md).
#include <getopt.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "bridge/bridge.h"
#include "bridge/config.h"
#include "bridge/mqtt_connection.h"
#include "runtime/logging.h"
#include "runtime/sd_event_loop.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitConfig = 78;  // EX_CONFIG: the unit does not restart for it

constexpr const char* kUsage =
    "usage: ystpcs-bridge --config FILE [options]\n"
    "\n"
    "Serves ystpcsd's modules as Prometheus metrics (/metrics) and on MQTT (dbus-flashmq layout),\n"
    "as a client of ystpcsd's D-Bus API. What it does is in the configuration file\n"
    "(ystpcs-bridge.json(5)); both parts are off unless enabled there.\n"
    "\n"
    "  -c, --config FILE         JSON configuration\n"
    "      --check-config        read the configuration, report an error or print it resolved, exit\n"
    "      --bus-address ADDRESS D-Bus address of ystpcsd's bus (tests, demos); wins over the file\n"
    "      --log-level LEVEL     trace, debug, info, warn, error, critical; wins over the file\n"
    "      --version             print the version\n"
    "\n"
    "Exit status: 0 stopped by SIGTERM/SIGINT, 1 a failure at run time (the bus lost, the metrics\n"
    "port taken), 2 a usage error, 78 a configuration error.\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "ystpcs-bridge: %s (see ystpcs-bridge --help)\n", msg.c_str());
    std::exit(kExitUsage);
}

void print_resolved(const ystpcs::bridge::BridgeConfig& c) {
    std::printf("site %s\nbus %s\npoll_interval_s %g\n", c.site.c_str(),
                c.bus_address.empty() ? c.bus.c_str() : c.bus_address.c_str(), ystpcs::runtime::seconds(c.poll_interval));
    if (c.metrics.enabled) std::printf("metrics %s port %u\n", c.metrics.address.c_str(), c.metrics.port);
    else std::printf("metrics off\n");
    if (c.mqtt.enabled) {
        std::printf("mqtt %s:%u%s%s\n", c.mqtt.host.c_str(), c.mqtt.port, c.mqtt.tls.enabled ? " tls" : "",
                    c.mqtt.username.empty() ? "" : (" user " + c.mqtt.username).c_str());
        std::string modules;
        for (const auto& m : c.mqtt.writes.modules) modules += " " + m;
        std::printf("writes %s%s\n", c.mqtt.writes.enabled ? "enabled for" : "disabled", c.mqtt.writes.enabled ? modules.c_str() : "");
    } else {
        std::printf("mqtt off\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ystpcs;
    std::string config_path, bus_address, log_level;
    bool check_only = false;
    enum { opt_check = 1000, opt_bus_address, opt_log, opt_version };
    static const option long_options[] = {{"config", required_argument, nullptr, 'c'},
                                          {"check-config", no_argument, nullptr, opt_check},
                                          {"bus-address", required_argument, nullptr, opt_bus_address},
                                          {"log-level", required_argument, nullptr, opt_log},
                                          {"version", no_argument, nullptr, opt_version},
                                          {"help", no_argument, nullptr, 'h'},
                                          {nullptr, 0, nullptr, 0}};
    for (int c; (c = getopt_long(argc, argv, "c:h", long_options, nullptr)) != -1;) {
        switch (c) {
            case 'c': config_path = optarg; break;
            case opt_check: check_only = true; break;
            case opt_bus_address: bus_address = optarg; break;
            case opt_log: log_level = optarg; break;
            case opt_version: std::printf("ystpcs-bridge %s\n", YSTPCS_VERSION); return 0;
            case 'h': std::fputs(kUsage, stdout); return 0;
            default: usage_error("bad option");
        }
    }
    if (optind < argc) usage_error(std::string("unexpected argument '") + argv[optind] + "'");
    if (config_path.empty()) usage_error("--config FILE is required");

    auto loaded = bridge::load_bridge_config(config_path);
    if (!loaded) {
        std::fprintf(stderr, "ystpcs-bridge: %s\n", loaded.error().message.c_str());
        return kExitConfig;
    }
    bridge::BridgeConfig config = loaded.value();
    if (!bus_address.empty()) config.bus_address = bus_address;
    if (!log_level.empty()) config.log_level = log_level;
    if (config.site.empty()) config.site = bridge::default_site_id();
    if (!config.metrics.enabled && !config.mqtt.enabled) {
        std::fprintf(stderr, "ystpcs-bridge: %s: neither metrics nor mqtt is enabled: nothing to do\n", config_path.c_str());
        return kExitConfig;
    }
    if (check_only) {
        print_resolved(config);
        return 0;
    }
    if (auto r = runtime::setup_logging("ystpcs-bridge", config.log_level); !r) usage_error(r.error().message);

    runtime::block_signals_for_loop({SIGTERM, SIGINT});

    try {
        bridge::MosquittoLibrary mosquitto;
        bridge::Bridge b(config);
        if (auto r = b.start(); !r) {
            spdlog::critical("{}", r.error().message);
            return 1;
        }
        spdlog::info("ystpcs-bridge {} started", YSTPCS_VERSION);
        return b.run();
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
