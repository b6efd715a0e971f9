#include "protocol/running_states.h"

namespace ystpcs::protocol {

const RunningStateDef* find_running_state(std::int64_t code) {
    for (const auto& s : kRunningStates)
        if (s.code == code) return &s;
    return nullptr;
}

std::string_view running_state_name(std::int64_t code) { return enum_text(kRunningStateEnum, code); }

bool power_stage_active(std::int64_t code) {
    const auto* s = find_running_state(code);
    return s == nullptr || s->power_stage_active;
}

namespace detail {
std::string_view unknown_running_state(std::int64_t) { return "unknown state"; }
}  // namespace detail

}  // namespace ystpcs::protocol
