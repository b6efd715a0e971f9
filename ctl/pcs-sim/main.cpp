// pcs-sim: simulated YSTECH PCS modules on a real SocketCAN interface.
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "runtime/line_channel.h"
#include "protocol/can_id.h"
#include "protocol/ratings.h"
#include "protocol/running_states.h"
#include "protocol/faults.h"
#include "runtime/sd_event_loop.h"
#include "sim/simulated_rack.h"
#include "transport/socketcan_transport.h"

namespace {

constexpr const char* kUsage =
    "usage: pcs-sim --interface IFACE [--address N]... [options]\n"
    "       pcs-sim --control PATH --command 'COMMAND'\n"
    "\n"
    "Simulated YSTECH PCS modules that speak the whole CAN protocol on a SocketCAN interface,\n"
    "each with its own battery.\n"
    "\n"
    "  -i, --interface IFACE      CAN interface (e.g. vcan0)\n"
    "  -a, --address N            PCS address 1-254 (repeatable; default 250)\n"
    "  -m, --model MODEL          PMA030, PMA060, PMA075 or PMA120 (default PMA120)\n"
    "      --battery-voltage V    battery nominal (50 % SoC) voltage (default 650)\n"
    "      --capacity-ah AH       battery capacity (default 280)\n"
    "      --resistance-ohm R     battery internal resistance (default 0.05)\n"
    "      --soc FRACTION         initial state of charge 0-1 (default 0.5)\n"
    "      --seed N               deterministic measurement noise from seed N\n"
    "      --no-noise             exact measurements\n"
    "      --arm-version V.B.D    ARM software version every module reports (default 2.1.39); 2.1.38\n"
    "                             or older refuses heartbeats with zero DC voltage and current\n"
    "  -c, --control PATH         control socket (commands below, one per line)\n"
    "      --stdin                read control commands from standard input\n"
    "      --command CMD          with --control: send one command to a running pcs-sim, print the reply\n"
    "      --log-level LEVEL      trace, debug, info (default), warn, error\n"
    "\n"
    "Control commands (JSON reply per line):\n"
    "  state [ADDR] | fault [ADDR] CODE | silent [ADDR] SECONDS | drop-replies [ADDR] COUNT\n"
    "  refuse [ADDR] COUNT | corrupt [ADDR] COUNT | misreport [ADDR] STATE|off\n"
    "  battery [ADDR] soc=FRACTION | io [ADDR] I1 I2 I3 I4 | power-cycle [ADDR]\n";

bool parse_double(const char* s, double& out) {
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end != s && *end == '\0';
}

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "pcs-sim: %s (see pcs-sim --help)\n", msg.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ystpcs;
    std::string interface, control_path, command, log_level = "info";
    std::vector<std::uint8_t> addresses;
    std::string model = "PMA120";
    sim::PlantConfig plant;
    std::optional<std::uint64_t> seed;
    sim::FirmwareVersion firmware;
    bool noise = true, use_stdin = false;

    enum { opt_battery = 1000, opt_capacity, opt_resistance, opt_soc, opt_seed, opt_no_noise, opt_stdin, opt_command, opt_log, opt_arm };
    static const option long_options[] = {
        {"interface", required_argument, nullptr, 'i'},  {"address", required_argument, nullptr, 'a'},
        {"model", required_argument, nullptr, 'm'},      {"battery-voltage", required_argument, nullptr, opt_battery},
        {"capacity-ah", required_argument, nullptr, opt_capacity}, {"resistance-ohm", required_argument, nullptr, opt_resistance},
        {"soc", required_argument, nullptr, opt_soc},    {"seed", required_argument, nullptr, opt_seed},
        {"no-noise", no_argument, nullptr, opt_no_noise}, {"arm-version", required_argument, nullptr, opt_arm},
        {"control", required_argument, nullptr, 'c'},
        {"stdin", no_argument, nullptr, opt_stdin},      {"command", required_argument, nullptr, opt_command},
        {"log-level", required_argument, nullptr, opt_log}, {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0}};
    for (int c; (c = getopt_long(argc, argv, "i:a:m:c:h", long_options, nullptr)) != -1;) {
        double v = 0;
        switch (c) {
            case 'i': interface = optarg; break;
            case 'a':
                if (!parse_double(optarg, v) || v != static_cast<int>(v) || !protocol::is_valid_pcs_address(static_cast<unsigned>(v)))
                    usage_error(std::string("--address ") + optarg + " is not a PCS address (1-254, not 180)");
                addresses.push_back(static_cast<std::uint8_t>(v));
                break;
            case 'm': model = optarg; break;
            case opt_battery:
                if (!parse_double(optarg, v) || v < 10 || v > 1000) usage_error("--battery-voltage must be 10-1000 V");
                plant.battery.nominal_voltage_v = v;
                break;
            case opt_capacity:
                if (!parse_double(optarg, v) || v <= 0 || v > 6500) usage_error("--capacity-ah must be >0-6500 Ah");
                plant.battery.capacity_ah = v;
                break;
            case opt_resistance:
                if (!parse_double(optarg, v) || v <= 0 || v > 10) usage_error("--resistance-ohm must be >0-10 ohm");
                plant.battery.internal_resistance_ohm = v;
                break;
            case opt_soc:
                if (!parse_double(optarg, v) || v < 0 || v > 1) usage_error("--soc must be 0-1");
                plant.battery.initial_soc = v;
                break;
            case opt_seed:
                if (!parse_double(optarg, v) || v < 0) usage_error("--seed must be a non-negative integer");
                seed = static_cast<std::uint64_t>(v);
                break;
            case opt_no_noise: noise = false; break;
            case opt_arm:
                if (!sim::parse_software_version(optarg, firmware.arm))
                    usage_error(std::string("--arm-version ") + optarg + " is not V.B.D (each 0-255), e.g. 2.1.38");
                break;
            case 'c': control_path = optarg; break;
            case opt_stdin: use_stdin = true; break;
            case opt_command: command = optarg; break;
            case opt_log: log_level = optarg; break;
            case 'h': std::fputs(kUsage, stdout); return 0;
            default: usage_error("bad option");
        }
    }
    if (optind < argc) usage_error(std::string("unexpected argument '") + argv[optind] + "'");

    if (!command.empty()) {  // client mode
        if (control_path.empty()) usage_error("--command needs --control PATH");
        std::string reply;
        if (const int e = runtime::send_command(control_path, command, reply); e != 0) {
            std::fprintf(stderr, "pcs-sim: cannot reach %s: %s\n", control_path.c_str(), std::strerror(e));
            return 1;
        }
        std::puts(reply.c_str());
        return reply.find("\"ok\":true") != std::string::npos ? 0 : 1;
    }

    if (interface.empty()) usage_error("--interface is required");
    const auto* rating = protocol::find_module_rating(model);
    if (rating == nullptr) usage_error("unknown --model " + model + " (PMA030, PMA060, PMA075, PMA120)");
    plant.rating = *rating;
    if (addresses.empty()) addresses.push_back(protocol::kDefaultPcsAddress);
    auto level = spdlog::level::from_str(log_level);
    if (level == spdlog::level::off && log_level != "off") usage_error("unknown --log-level " + log_level);
    spdlog::set_default_logger(spdlog::stderr_color_mt("pcs-sim"));
    spdlog::set_level(level);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

    runtime::block_signals_for_loop({SIGTERM, SIGINT});

    try {
        runtime::SdEventLoop loop;
        sd_event_add_signal(loop.native(), nullptr, SIGTERM, nullptr, nullptr);
        sd_event_add_signal(loop.native(), nullptr, SIGINT, nullptr, nullptr);

        transport::SocketCanOptions options;
        options.filters = transport::pcs_filters();
        options.error_frames = false;
        transport::SocketCanTransport can(loop, interface, options);
        sim::SimulatedRack rack(loop, can);
        std::uint64_t index = 0;
        for (std::uint8_t address : addresses) {
            sim::PcsConfig cfg;
            cfg.address = address;
            cfg.plant = plant;
            cfg.plant.noise_scale = noise ? 1.0 : 0.0;
            cfg.plant.seed = seed ? *seed + index : std::random_device{}();
            cfg.firmware = firmware;
            ++index;
            auto& m = rack.add(cfg);
            m.set_observer([](const sim::PcsModel& pcs) {
                spdlog::info("PCS {}: state {} ({}), fault {} ({})", pcs.address(), pcs.running_state(),
                             protocol::running_state_name(pcs.running_state()), pcs.fault_code(),
                             protocol::fault_info(pcs.fault_code()).meaning);
            });
            spdlog::info("PCS {} on {}: {} with a {:.0f} V / {:.0f} Ah battery at {:.0f} % SoC, ARM software {}{}", address,
                         interface, rating->model, plant.battery.nominal_voltage_v, plant.battery.capacity_ah,
                         plant.battery.initial_soc * 100, protocol::software_text(firmware.arm),
                         protocol::accepts_zero_dc(firmware.arm) ? "" : " (refuses zero heartbeats)");
        }
        std::unique_ptr<runtime::LineChannelServer> server;
        std::unique_ptr<runtime::LineChannelStdin> stdin_channel;
        auto handler = [&rack](const std::string& line) {
            const std::string reply = rack.execute(line);
            spdlog::debug("control: {} -> {}", line, reply);
            return reply;
        };
        if (!control_path.empty()) {
            server = std::make_unique<runtime::LineChannelServer>(loop, control_path, handler);
            spdlog::info("control socket {}", control_path);
        }
        if (use_stdin) stdin_channel = std::make_unique<runtime::LineChannelStdin>(loop, handler, nullptr);
        const int r = loop.run();
        spdlog::info("exiting");
        return r < 0 ? 1 : 0;
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
