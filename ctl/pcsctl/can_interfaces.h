// The machine's CAN interfaces as the kernel reports them over rtnetlink: no daemon needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.h"

namespace ystpcs::ctl {

struct CanInterfaceInfo {
    std::string name;
    std::string kind;                  // "can", "vcan", "slcan", ...
    bool up = false;                   // IFF_UP
    std::string operstate;             // "up", "down", "unknown", ...
    std::optional<std::uint32_t> bitrate;
    std::string controller_state;      // "error-active", "error-warning", "error-passive", "bus-off", "stopped", ...
    std::uint64_t rx_packets = 0, tx_packets = 0, rx_errors = 0, tx_errors = 0;
};

Result<std::vector<CanInterfaceInfo>> list_can_interfaces();

}  // namespace ystpcs::ctl
