// CAN identifiers of the YSTECH protocol (spec §1) and the ownership rules that say
// which frames are PCS traffic at all, and which PCS a frame belongs to.
#pragma once

#include <cstdint>
#include <string_view>

#include "protocol/can_frame.h"

namespace ystpcs::protocol {

inline constexpr std::uint8_t kPriority = 6;             // spec §1: every frame
inline constexpr std::uint8_t kControllerAddress = 0xB4;  // "other devices"
inline constexpr std::uint8_t kBroadcastAddress = 0x00;   // PS 0: "batch setting" to all PCS
inline constexpr std::uint8_t kDefaultPcsAddress = 0xFA;
inline constexpr std::uint32_t kExtendedIdMask = 0x1FFFFFFF;

// J1939-style PDU: P(3) R(1) DP(1) PF(8) PS(8) SA(8).
struct CanId {
    std::uint8_t priority = kPriority;
    bool reserved = false;
    bool data_page = false;
    std::uint8_t pf = 0;
    std::uint8_t ps = 0;
    std::uint8_t sa = 0;

    friend bool operator==(const CanId&, const CanId&) = default;
};

constexpr std::uint32_t compose_id(const CanId& id) {
    return (static_cast<std::uint32_t>(id.priority & 0x7u) << 26) | (id.reserved ? 1u << 25 : 0u) |
           (id.data_page ? 1u << 24 : 0u) | (static_cast<std::uint32_t>(id.pf) << 16) |
           (static_cast<std::uint32_t>(id.ps) << 8) | id.sa;
}

constexpr CanId parse_id(std::uint32_t raw) {
    return CanId{static_cast<std::uint8_t>((raw >> 26) & 0x7u), ((raw >> 25) & 1u) != 0, ((raw >> 24) & 1u) != 0,
                 static_cast<std::uint8_t>(raw >> 16), static_cast<std::uint8_t>(raw >> 8),
                 static_cast<std::uint8_t>(raw)};
}

// Identifier of a frame the controller sends to PCS `pcs` (0 = broadcast).
constexpr std::uint32_t to_pcs_id(std::uint8_t pf, std::uint8_t pcs) {
    return compose_id(CanId{kPriority, false, false, pf, pcs, kControllerAddress});
}
// Identifier of a frame PCS `pcs` sends to the controller.
constexpr std::uint32_t from_pcs_id(std::uint8_t pf, std::uint8_t pcs) {
    return compose_id(CanId{kPriority, false, false, pf, kControllerAddress, pcs});
}

constexpr bool is_valid_pcs_address(unsigned address) {
    return address >= 1 && address <= 254 && address != kControllerAddress;
}

// Who a frame belongs to, from the controller's point of view (spec §1).
enum class Traffic {
    from_pcs,      // PS == 0xB4: sent by PCS `pcs` to the controller
    to_pcs,        // SA == 0xB4: sent by a controller to PCS `pcs`
    broadcast,     // SA == 0xB4, PS == 0: sent by a controller to every PCS
    not_pcs,       // anything else: count it, never act on it
};

// Why a frame is not PCS traffic; `none` when it is.
enum class NotPcsReason {
    none,
    standard_id,
    remote_frame,
    error_frame,
    bad_dlc,
    foreign_header,  // priority, R or DP bits differ from the protocol's fixed values
    foreign_address,  // neither to nor from the controller address, or an impossible PCS address
};

std::string_view describe(NotPcsReason reason);

struct Ownership {
    Traffic traffic = Traffic::not_pcs;
    std::uint8_t pcs = 0;   // the PCS the frame belongs to (0 for broadcast / not_pcs)
    CanId id{};
    NotPcsReason reason = NotPcsReason::none;
};

Ownership classify(const CanFrame& frame);

}  // namespace ystpcs::protocol
