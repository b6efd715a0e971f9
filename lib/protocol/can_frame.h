// A classic CAN frame as the protocol layer sees it: no timestamps, no interface.
#pragma once

#include <array>
#include <cstdint>

namespace ystpcs::protocol {

inline constexpr std::uint8_t kPayloadBytes = 8;  // spec §1: DLC is always 8

struct CanFrame {
    std::uint32_t id = 0;     // 29-bit when extended, 11-bit otherwise
    bool extended = true;
    bool remote = false;      // RTR
    bool error = false;       // SocketCAN error frame (CAN_ERR_FLAG)
    std::uint8_t dlc = kPayloadBytes;
    std::array<std::uint8_t, kPayloadBytes> data{};

    friend bool operator==(const CanFrame&, const CanFrame&) = default;
};

}  // namespace ystpcs::protocol
