// Why a module's power stage stopped, judged when the module reports it stopped: the
// emergency-stop latch, a fault (0x800D: the module's own 5 s heartbeat timeout, or its CAN1
// link), this controller shutting down, an operator's stop since the last start, the end
// condition of a mode that has one (cccv's end current, dcr_test's times), else unknown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ystpcs::engine {

enum class StopCause { end_condition, fault, operator_stop, lost_heartbeat, emergency_stop, controller_shutdown, unknown };

// "end_condition", "fault", ... : the names clients see (D-Bus StopReason).
std::string_view stop_cause_name(StopCause cause);

struct StopReason {
    StopCause cause = StopCause::unknown;
    std::string text;  // "fault 0x800E: CAN2 communication fault", "stop by uid 1000", ...
};

// What is known at the moment the module reports a stopped power stage.
struct StopContext {
    bool emergency_stop_latched = false;
    bool controller_shutdown = false;
    std::uint16_t fault_code = 0;
    std::optional<std::string> stop_requested_by;  // an operator's stop since the last start
    std::optional<std::uint8_t> mode_code;         // the working mode it ran in
};

StopReason judge_stop(const StopContext& context);

}  // namespace ystpcs::engine
