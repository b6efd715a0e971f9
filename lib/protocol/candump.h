// Text forms of CAN traffic as can-utils writes them: `candump -L` log lines (also what
// canplayer reads and what the daemon's frame stream emits) and candump's default and
// timestamped (-ta, -td, -tz, -tA, -x, -a) screen layouts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/can_frame.h"
#include "protocol/result.h"

namespace ystpcs::protocol {

struct CapturedFrame {
    std::optional<double> timestamp_s;  // seconds; absolute for -L/-ta/-tA, relative for -td/-tz
    std::string iface;
    CanFrame frame;
};

// Parses one line in any of the layouts above. Lines that are not CAN frames (CAN FD,
// garbage, truncated data) give an error saying what is wrong.
Result<CapturedFrame> parse_candump_line(std::string_view line);

// `(1700000000.123456) can0 1811B4FA#0FA0251CFF380352`: the `candump -L` / canplayer format.
std::string format_candump_line(double timestamp_s, std::string_view iface, const CanFrame& frame);

// "1811B4FA" for extended, "123" for standard identifiers.
std::string format_can_id(const CanFrame& frame);

}  // namespace ystpcs::protocol
