#include "transport/error_frames.h"

#include <linux/can/error.h>

namespace ystpcs::transport {

namespace {
void add(std::string& out, const char* what) {
    if (!out.empty()) out += ", ";
    out += what;
}
}  // namespace

ErrorFrameMeaning interpret_error_frame(const protocol::CanFrame& frame) {
    ErrorFrameMeaning m;
    const std::uint32_t cls = frame.id;
    const std::uint8_t ctrl = frame.data[1];
    if (cls & CAN_ERR_TX_TIMEOUT) add(m.description, "TX timeout");
    if (cls & CAN_ERR_LOSTARB) add(m.description, "lost arbitration");
    if (cls & CAN_ERR_CRTL) {
        if (ctrl & CAN_ERR_CRTL_RX_OVERFLOW) add(m.description, "controller RX overflow");
        if (ctrl & CAN_ERR_CRTL_TX_OVERFLOW) add(m.description, "controller TX overflow");
        if (ctrl & (CAN_ERR_CRTL_RX_WARNING | CAN_ERR_CRTL_TX_WARNING)) add(m.description, "error warning");
        if (ctrl & (CAN_ERR_CRTL_RX_PASSIVE | CAN_ERR_CRTL_TX_PASSIVE)) {
            add(m.description, "error-passive");
            m.state = BusState::error_passive;
        }
#ifdef CAN_ERR_CRTL_ACTIVE
        if (ctrl & CAN_ERR_CRTL_ACTIVE) {
            add(m.description, "back to error-active");
            m.state = BusState::up;
        }
#endif
    }
    if (cls & CAN_ERR_PROT) add(m.description, "protocol violation");
    if (cls & CAN_ERR_TRX) add(m.description, "transceiver error");
    if (cls & CAN_ERR_ACK) add(m.description, "no acknowledgement (no other node on the bus?)");
    if (cls & CAN_ERR_BUSERROR) add(m.description, "bus error");
    if (cls & CAN_ERR_RESTARTED) {
        add(m.description, "controller restarted");
        m.state = BusState::up;
    }
    // Bus-off wins over everything else the same frame says.
    if (cls & CAN_ERR_BUSOFF) {
        add(m.description, "bus-off");
        m.state = BusState::bus_off;
    }
    if (m.description.empty()) m.description = "error frame";
    return m;
}

}  // namespace ystpcs::transport
