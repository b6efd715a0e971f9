// ystpcsd: the YSTECH PCS controller daemon.
#include <getopt.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "runtime/logging.h"
#include "runtime/sd_event_loop.h"

namespace {

constexpr const char* kUsage =
    "usage: ystpcsd [--interface IFACE]... [--simulate N] [--config FILE] [options]\n"
    "\n"
    "Owns the CAN interfaces, keeps every YSTECH PCS module alive with the 200 ms heartbeat,\n"
    "decodes its frames into live state and executes commands safely.\n"
    "\n"
    "  -i, --interface IFACE      serve a SocketCAN interface (repeatable)\n"
    "  -s, --simulate N           serve N simulated modules (addresses 1..N) on the in-process bus 'sim'\n"
    "      --control-socket PATH  the simulated modules' control channel (fault injection, as pcs-sim's\n"
    "                             --control; docs/simulator.md): pcs-sim --control PATH --command 'fault 1 0x800E'\n"
    "  -c, --config FILE          JSON configuration (docs/configuration.md); the command line wins\n"
    "      --log-level LEVEL      trace, debug, info (default), warn, error, critical\n"
    "      --state-directory DIR  where the last commanded 0x0F bytes are kept (default /var/lib/ystpcsd;\n"
    "                             $STATE_DIRECTORY when systemd sets it)\n"
    "      --bus system|session|none  D-Bus to publish on (default system; none: no API)\n"
    "      --bus-address ADDRESS  D-Bus address to publish on (tests, demos)\n"
    "      --no-discovery         serve only the configured modules\n"
    "      --version              print the version\n"
    "\n"
    "Signals: TERM/INT orderly shutdown, HUP reload the configuration, USR1 log the state as JSON.\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "ystpcsd: %s (see ystpcsd --help)\n", msg.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ystpcs::daemon;
    Overrides overrides;
    std::string config_path;
    enum { opt_log = 1000, opt_state, opt_bus, opt_bus_address, opt_no_discovery, opt_version, opt_control_socket };
    static const option long_options[] = {
        {"interface", required_argument, nullptr, 'i'},     {"simulate", required_argument, nullptr, 's'},
        {"config", required_argument, nullptr, 'c'},        {"log-level", required_argument, nullptr, opt_log},
        {"state-directory", required_argument, nullptr, opt_state}, {"bus", required_argument, nullptr, opt_bus},
        {"bus-address", required_argument, nullptr, opt_bus_address},
        {"no-discovery", no_argument, nullptr, opt_no_discovery},
        {"control-socket", required_argument, nullptr, opt_control_socket}, {"version", no_argument, nullptr, opt_version},
        {"help", no_argument, nullptr, 'h'},                {nullptr, 0, nullptr, 0}};
    for (int c; (c = getopt_long(argc, argv, "i:s:c:h", long_options, nullptr)) != -1;) {
        switch (c) {
            case 'i': overrides.interfaces.emplace_back(optarg); break;
            case 's': {
                char* end = nullptr;
                const long n = std::strtol(optarg, &end, 10);
                if (end == optarg || *end != '\0' || n < 0 || n > 254) usage_error("--simulate takes 0-254");
                overrides.simulate = static_cast<unsigned>(n);
                break;
            }
            case 'c': config_path = optarg; break;
            case opt_log: overrides.log_level = optarg; break;
            case opt_state: overrides.state_directory = optarg; break;
            case opt_bus:
                if (std::string(optarg) != "system" && std::string(optarg) != "session" && std::string(optarg) != "none")
                    usage_error("--bus takes system, session or none");
                overrides.bus = optarg;
                break;
            case opt_bus_address: overrides.bus_address = optarg; break;
            case opt_no_discovery: overrides.discovery = false; break;
            case opt_control_socket:
                if (optarg[0] != '/') usage_error("--control-socket takes an absolute path");
                overrides.control_socket = optarg;
                break;
            case opt_version: std::printf("ystpcsd %s\n", YSTPCS_VERSION); return 0;
            case 'h': std::fputs(kUsage, stdout); return 0;
            default: usage_error("bad option");
        }
    }
    if (optind < argc) usage_error(std::string("unexpected argument '") + argv[optind] + "'");

    Config config;
    if (!config_path.empty()) {
        auto loaded = load_config(config_path);
        if (!loaded) {
            std::fprintf(stderr, "ystpcsd: %s\n", loaded.error().message.c_str());
            return 1;
        }
        config = loaded.value();
    }
    overrides.apply(config);
    if (!config.simulation.control_socket.empty() && config.simulate == 0 && overrides.control_socket)
        usage_error("--control-socket is the simulated modules' control channel: it needs --simulate N");
    if (auto r = ystpcs::runtime::setup_logging("ystpcsd", config.log_level); !r) usage_error(r.error().message);

    // Signals arrive through sd-event's signalfd; they must be blocked for the process.
    ystpcs::runtime::block_signals_for_loop({SIGTERM, SIGINT, SIGHUP, SIGUSR1});

    try {
        Daemon daemon(config, config_path, overrides);
        if (auto r = daemon.start(); !r) {
            spdlog::critical("{}", r.error().message);
            return 1;
        }
        spdlog::info("ystpcsd {} serving {} interface(s){}", YSTPCS_VERSION, config.interfaces.size(),
                     config.simulate ? " and " + std::to_string(config.simulate) + " simulated module(s)" : "");
        return daemon.run();
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
