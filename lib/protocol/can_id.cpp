#include "protocol/can_id.h"

namespace ystpcs::protocol {

std::string_view describe(NotPcsReason reason) {
    switch (reason) {
        case NotPcsReason::none: return "PCS traffic";
        case NotPcsReason::standard_id: return "standard (11-bit) identifier; the protocol uses extended identifiers only";
        case NotPcsReason::remote_frame: return "remote (RTR) frame";
        case NotPcsReason::error_frame: return "CAN error frame";
        case NotPcsReason::bad_dlc: return "data length is not 8";
        case NotPcsReason::foreign_header: return "priority/R/DP bits differ from the protocol's (priority 6, R 0, DP 0)";
        case NotPcsReason::foreign_address: return "neither sent to nor by the controller address 0xB4";
    }
    return "unknown";
}

Ownership classify(const CanFrame& frame) {
    Ownership out;
    if (frame.error) { out.reason = NotPcsReason::error_frame; return out; }
    if (!frame.extended) { out.reason = NotPcsReason::standard_id; return out; }
    if (frame.remote) { out.reason = NotPcsReason::remote_frame; return out; }
    if (frame.dlc != kPayloadBytes) { out.reason = NotPcsReason::bad_dlc; return out; }

    out.id = parse_id(frame.id & kExtendedIdMask);
    // The protocol fixes priority 6 with R = DP = 0 for every frame; a J1939 device on the
    // same bus with another header is not a PCS even if its PF collides with ours.
    if (out.id.priority != kPriority || out.id.reserved || out.id.data_page) {
        out.reason = NotPcsReason::foreign_header;
        return out;
    }
    if (out.id.ps == kControllerAddress) {
        // 0xB4 is never a PCS, and 0 is the broadcast address: neither can be a sender.
        if (!is_valid_pcs_address(out.id.sa)) { out.reason = NotPcsReason::foreign_address; return out; }
        out.traffic = Traffic::from_pcs;
        out.pcs = out.id.sa;
        return out;
    }
    if (out.id.sa == kControllerAddress) {
        if (out.id.ps == kBroadcastAddress) {
            out.traffic = Traffic::broadcast;
            return out;
        }
        out.traffic = Traffic::to_pcs;
        out.pcs = out.id.ps;
        return out;
    }
    out.reason = NotPcsReason::foreign_address;
    return out;
}

}  // namespace ystpcs::protocol
