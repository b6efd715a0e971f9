// `pcsctl list-interfaces`: CAN interfaces with state and bit rate, from the kernel.
#include <cstdio>
#include <iostream>

#include "pcsctl/can_interfaces.h"
#include "pcsctl/client.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"

namespace ystpcs::ctl {

int run_list_interfaces(const GlobalOptions& g, std::span<const std::string> args) {
    if (!args.empty()) throw CommandFailure{exit_usage, "list-interfaces takes no arguments"};
    const auto list = list_can_interfaces();
    if (!list) throw CommandFailure{exit_failure, list.error().message};
    if (g.json) {
        json out = json::array();
        for (const auto& i : list.value())
            out.push_back({{"name", i.name}, {"kind", i.kind}, {"up", i.up}, {"operstate", i.operstate},
                           {"bitrate", i.bitrate ? json(*i.bitrate) : json(nullptr)},
                           {"controller_state", i.controller_state}, {"rx_packets", i.rx_packets},
                           {"tx_packets", i.tx_packets}, {"rx_errors", i.rx_errors}, {"tx_errors", i.tx_errors}});
        std::cout << out.dump() << '\n';
        return exit_ok;
    }
    if (list.value().empty()) {
        std::printf("no CAN interfaces (load a driver, or: ip link add dev vcan0 type vcan)\n");
        return exit_ok;
    }
    std::printf("%-10s %-6s %-5s %-9s %-10s %-14s %10s %10s %8s\n", "NAME", "KIND", "UP", "OPERSTATE", "BITRATE",
                "CONTROLLER", "RX", "TX", "ERRORS");
    for (const auto& i : list.value())
        std::printf("%-10s %-6s %-5s %-9s %-10s %-14s %10llu %10llu %8llu\n", i.name.c_str(), i.kind.c_str(),
                    i.up ? "yes" : "no", i.operstate.c_str(), i.bitrate ? std::to_string(*i.bitrate).c_str() : "-",
                    i.controller_state.empty() ? "-" : i.controller_state.c_str(),
                    static_cast<unsigned long long>(i.rx_packets), static_cast<unsigned long long>(i.tx_packets),
                    static_cast<unsigned long long>(i.rx_errors + i.tx_errors));
    return exit_ok;
}

}  // namespace ystpcs::ctl
