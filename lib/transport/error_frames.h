// SocketCAN error frames (linux/can/error.h) turned into the bus state a controller acts on.
#pragma once

#include <optional>
#include <string>

#include "protocol/can_frame.h"
#include "transport/can_transport.h"

namespace ystpcs::transport {

struct ErrorFrameMeaning {
    std::optional<BusState> state;  // the state the frame moves the bus to, if any
    std::string description;        // for the log: "bus-off", "controller: TX error-passive", ...
};

ErrorFrameMeaning interpret_error_frame(const protocol::CanFrame& frame);

}  // namespace ystpcs::transport
