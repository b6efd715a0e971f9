// A firmware version as frames 0x34 (ARM) and 0x35 (DSP) carry it: hardware V.B.D, then
// software V.B.D, one byte each.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ystpcs::protocol {

using FirmwareVersion = std::array<std::uint8_t, 6>;

// "V.B.D" of the hardware (first = 0) or the software (first = 3).
inline std::string version_text(const FirmwareVersion& v, std::size_t first) {
    return std::to_string(v[first]) + "." + std::to_string(v[first + 1]) + "." + std::to_string(v[first + 2]);
}
inline std::string software_text(const FirmwareVersion& v) { return version_text(v, 3); }

}  // namespace ystpcs::protocol
