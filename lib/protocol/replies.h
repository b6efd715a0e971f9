// Which reply frames answer which command (spec 3.1–3.6). Replies carry no sequence number:
// a reply is matched to the latest outstanding command of the same kind to the same PCS,
// so a controller sends one command of a kind at a time per PCS.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/codec.h"

namespace ystpcs::protocol {

// One reply frame a command waits for; `type` is the value byte 1 of the reply must carry
// (0x08 and 0x1C say which protection set / setting they answer).
struct ReplyMatch {
    std::uint8_t pf = 0;
    std::optional<std::uint8_t> type;
    friend bool operator==(const ReplyMatch&, const ReplyMatch&) = default;
};

// The key under which a controller serialises commands: the first reply frame (and type).
// Mode, parameters and per-phase power all share 0x0E, so they queue behind each other.
struct ReplyKind {
    std::uint8_t pf = 0;
    int type = -1;
    friend auto operator<=>(const ReplyKind&, const ReplyKind&) = default;
};

struct ReplyExpectation {
    std::array<ReplyMatch, 3> frames{};  // every one of them must arrive (0x34+0x35, 0x36+0x37+0x38)
    std::uint8_t count = 0;
    // Re-sending cannot do harm if the first copy was executed. Not idempotent: 0x0F (a
    // retried start could start a module whose operator saw the first attempt time out) and
    // 0x09 (the retried clock would be stale).
    bool idempotent = true;

    ReplyKind kind() const { return ReplyKind{frames[0].pf, frames[0].type ? *frames[0].type : -1}; }
};

// The replies a controller→PCS frame expects; nullopt for the heartbeat and for frames that
// are not commands. Uses byte 1 of 0x01/0x1D (the requested type), so it takes the frame.
std::optional<ReplyExpectation> expected_reply(const CanFrame& command);
std::optional<ReplyExpectation> expected_reply(std::uint8_t command_pf, std::uint8_t type_byte);

bool matches(const ReplyMatch& match, const DecodedFrame& reply);
// For result frames (0x08, 0x0A, 0x0E, 0x10, 0x1C): byte "0x01 success, anything else failure".
bool is_success(const DecodedFrame& result);
std::string describe(const ReplyKind& kind);

}  // namespace ystpcs::protocol
