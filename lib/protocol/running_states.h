// Appendix B: running states reported in frame 0x13 byte 1, and the controller states of
// the heartbeat (frame 0x1A byte 5, spec §2).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/signal.h"

namespace ystpcs::protocol {

struct RunningStateDef {
    std::uint8_t code;
    std::string_view name;        // human text, e.g. "constant-current operation"
    bool power_stage_active;      // the power stage delivers or absorbs power
};

// Appendix B. "States in which the power stage delivers or absorbs power: 7, 10, 11, 12, 14."
inline constexpr std::array<RunningStateDef, 14> kRunningStates{{
    {1, "long pause", false},
    {2, "short stop", false},
    {3, "long idle", false},
    {4, "short idle", false},
    {5, "stop", false},
    {6, "fault", false},
    {7, "AC constant-power operation", true},
    {8, "power failure", false},
    {9, "self-check", false},
    {10, "soft start", true},
    {11, "constant-voltage operation", true},
    {12, "constant-current operation", true},
    {13, "standby", false},
    {14, "off-grid inverter operation", true},
}};

namespace running_state {
inline constexpr std::uint8_t long_pause = 1, short_stop = 2, long_idle = 3, short_idle = 4, stop = 5, fault = 6,
                              ac_constant_power = 7, power_failure = 8, self_check = 9, soft_start = 10,
                              constant_voltage = 11, constant_current = 12, standby = 13, off_grid_inverter = 14;
}

const RunningStateDef* find_running_state(std::int64_t code);
std::string_view running_state_name(std::int64_t code);
// Unknown states count as active: a controller must not assume an unknown state is safe.
bool power_stage_active(std::int64_t code);

// Heartbeat byte 5: the controller's own health as the PCS sees it.
namespace controller_state {
inline constexpr std::uint8_t shutdown = 1, running = 2, fault = 3;
}

namespace detail {
inline constexpr auto make_running_state_entries() {
    std::array<EnumEntry, kRunningStates.size()> out{};
    for (std::size_t i = 0; i < kRunningStates.size(); ++i) out[i] = {kRunningStates[i].code, kRunningStates[i].name};
    return out;
}
inline constexpr auto kRunningStateEntries = make_running_state_entries();
inline constexpr std::array<EnumEntry, 3> kControllerStateEntries{{
    {controller_state::shutdown, "shutdown"},
    {controller_state::running, "running"},
    {controller_state::fault, "fault"},
}};
std::string_view unknown_running_state(std::int64_t);
}  // namespace detail

inline constexpr EnumDef kRunningStateEnum{"running state", detail::kRunningStateEntries, true,
                                           detail::unknown_running_state};
inline constexpr EnumDef kControllerStateEnum{"controller state", detail::kControllerStateEntries, true};

}  // namespace ystpcs::protocol
