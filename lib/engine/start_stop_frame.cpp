#include "engine/start_stop_frame.h"

#include <string>

#include "protocol/codec.h"
#include "protocol/running_states.h"

namespace ystpcs::engine {

using namespace protocol;

Result<bool> repeated_start_byte(const Module& m, const char* what) {
    const auto state = m.running_state();
    if (!state)
        return make_error(ErrorKind::interlock, "PCS " + m.name() + " has not reported its running state yet, so " +
                                                    what + " cannot repeat byte 1 of 0x0F (start/stop) truthfully; " +
                                                    "wait for it to report");
    if (!power_stage_active(*state)) return false;
    if (m.start_commanded_this_life() == true) return true;
    return make_error(ErrorKind::interlock,
                      "PCS " + m.name() + " is running (state " + std::to_string(*state) + ", " +
                          std::string(running_state_name(*state)) + ") but not on a start from this ystpcsd since " +
                          "it started (a start from before a restart, or the module's self-start): " + what +
                          " would have to repeat byte 1 of 0x0F and could only stop it or confirm a start nobody " +
                          "gave. Start it (pcsctl start) to confirm, or stop it, then try again");
}

bool repeated_self_start(const Module& m) { return m.commanded().self_start.value_or(false); }

Result<CanFrame> start_stop_frame(const Module& m, bool start, bool clear_faults, bool self_start) {
    const double values[] = {start ? 1.0 : 0.0, clear_faults ? 1.0 : 0.0, self_start ? 1.0 : 0.0};
    return encode(pf::start_stop, m.id().address, values);
}

}  // namespace ystpcs::engine
