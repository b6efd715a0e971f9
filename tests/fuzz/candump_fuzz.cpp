// protocol::parse_candump_line() on arbitrary text. A frame it accepts is a classic CAN
// frame (identifier inside 11/29 bits, DLC ≤ 8, no data beyond the DLC), and written back
// in the `candump -L` format it parses to the same frame and interface.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check.h"
#include "protocol/can_id.h"
#include "protocol/candump.h"

using namespace ystpcs::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_candump_line(line);
    if (!parsed) {
        FUZZ_CHECK(!parsed.error().message.empty(), "a line is refused without a reason");
        return 0;
    }
    const CapturedFrame& c = parsed.value();
    const CanFrame& f = c.frame;
    FUZZ_CHECK(f.dlc <= kPayloadBytes, "DLC %u accepted", f.dlc);
    FUZZ_CHECK(f.id <= (f.extended ? kExtendedIdMask : 0x7FFu), "identifier %08X accepted (extended %d)", f.id,
               f.extended);
    for (std::size_t i = f.dlc; i < kPayloadBytes; ++i)
        FUZZ_CHECK(f.data[i] == 0, "data byte %zu set beyond DLC %u", i + 1, f.dlc);
    FUZZ_CHECK(!c.iface.empty(), "no interface");

    // The daemon's frame streams write real clock times; other timestamps are not ours to
    // format, so the round trip covers the frame and the interface.
    const double t = c.timestamp_s && *c.timestamp_s >= 0 && *c.timestamp_s < 1e10 ? *c.timestamp_s : 0.0;
    const std::string written = format_candump_line(t, c.iface, f);
    const auto again = parse_candump_line(written);
    FUZZ_CHECK(again.ok(), "'%s' does not parse: %s", written.c_str(), again.error().message.c_str());
    FUZZ_CHECK(again.value().frame == f && again.value().iface == c.iface, "'%s' parses to another frame",
               written.c_str());
    FUZZ_CHECK(again.value().timestamp_s && std::fabs(*again.value().timestamp_s - t) <= 1e-6 + 1e-15 * t,
               "timestamp %.6f written as '%s'", t, written.c_str());
    return 0;
}
