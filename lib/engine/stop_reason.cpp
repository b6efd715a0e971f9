#include "engine/stop_reason.h"

#include <cstdio>

#include "protocol/faults.h"
#include "protocol/modes.h"

namespace ystpcs::engine {

std::string_view stop_cause_name(StopCause cause) {
    switch (cause) {
        case StopCause::end_condition: return "end_condition";
        case StopCause::fault: return "fault";
        case StopCause::operator_stop: return "operator_stop";
        case StopCause::lost_heartbeat: return "lost_heartbeat";
        case StopCause::emergency_stop: return "emergency_stop";
        case StopCause::controller_shutdown: return "controller_shutdown";
        case StopCause::unknown: return "unknown";
    }
    return "unknown";
}

namespace {
std::string hex(std::uint16_t code) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04X", code);
    return buf;
}
}  // namespace

StopReason judge_stop(const StopContext& c) {
    namespace mc = protocol::mode_code;
    // The latch first: the PCS reports the emergency stop as a fault of its own (0x8012).
    if (c.emergency_stop_latched) return {StopCause::emergency_stop, "emergency stop (heartbeat state 3)"};
    if (c.fault_code == protocol::fault_code::can1_communication)
        return {StopCause::lost_heartbeat, "fault " + hex(c.fault_code) +
                                               ": no heartbeat heard for 5 s (or a CAN1 communication fault)"};
    if (c.fault_code != 0)
        return {StopCause::fault, "fault " + hex(c.fault_code) + ": " + std::string(protocol::fault_info(c.fault_code).meaning)};
    if (c.controller_shutdown) return {StopCause::controller_shutdown, "ystpcsd shut down (heartbeat state 1)"};
    if (c.stop_requested_by) return {StopCause::operator_stop, "stop by " + *c.stop_requested_by};
    if (c.mode_code == mc::cccv) return {StopCause::end_condition, "cccv: end current reached"};
    if (c.mode_code == mc::dcr_test) return {StopCause::end_condition, "dcr_test: its three times elapsed"};
    return {StopCause::unknown, "the module stopped by itself, without a fault"};
}

}  // namespace ystpcs::engine
