#include "protocol/replies.h"

#include "protocol/settings.h"

namespace ystpcs::protocol {

namespace {

ReplyExpectation single(std::uint8_t pf, std::optional<std::uint8_t> type = std::nullopt, bool idempotent = true) {
    ReplyExpectation e;
    e.frames[0] = ReplyMatch{pf, type};
    e.count = 1;
    e.idempotent = idempotent;
    return e;
}

}  // namespace

std::optional<ReplyExpectation> expected_reply(std::uint8_t command_pf, std::uint8_t type_byte) {
    switch (command_pf) {
        case pf::read_protection: {
            const auto* set = find_protection_set(type_byte);
            if (set == nullptr) return std::nullopt;
            return single(set->reading_pf);
        }
        case pf::write_protection_1:
        case pf::write_protection_2:
        case pf::write_protection_3:
            return single(pf::protection_write_result, find_protection_set_by_write_pf(command_pf)->type);
        case pf::set_clock: return single(pf::set_clock_result, std::nullopt, false);
        case pf::set_mode:
        case pf::mode_params_12:
        case pf::mode_params_34:
        case pf::phase_active_power:
        case pf::phase_reactive_power: return single(pf::mode_result);
        case pf::start_stop: return single(pf::start_stop_result, std::nullopt, false);
        case pf::read_setting: {
            const auto* s = find_setting(type_byte);
            if (s == nullptr) return std::nullopt;
            ReplyExpectation e;
            for (std::size_t i = 0; i < s->read_count; ++i) e.frames[i] = ReplyMatch{s->read_pfs[i], std::nullopt};
            e.count = s->read_count;
            return e;
        }
        default: break;
    }
    if (const auto* s = find_setting_by_write_pf(command_pf)) return single(pf::setting_result, s->type);
    return std::nullopt;
}

std::optional<ReplyExpectation> expected_reply(const CanFrame& command) {
    const Ownership owner = classify(command);
    if (owner.traffic != Traffic::to_pcs && owner.traffic != Traffic::broadcast) return std::nullopt;
    return expected_reply(owner.id.pf, command.data[0]);
}

bool matches(const ReplyMatch& match, const DecodedFrame& reply) {
    if (reply.def == nullptr || reply.def->pf != match.pf) return false;
    if (!match.type) return true;
    return reply.raw[0] == *match.type;  // 0x08 and 0x1C carry the type in byte 1, their first field
}

bool is_success(const DecodedFrame& result) {
    if (result.def == nullptr) return false;
    for (std::size_t i = 0; i < result.def->signals.size(); ++i)
        if (result.def->signals[i].name == "result") return result.raw[i] == 1;
    return false;
}

std::string describe(const ReplyKind& kind) {
    const FrameDef* def = find_frame(kind.pf);
    std::string out = def ? std::string(def->name) : "PF " + std::to_string(kind.pf);
    if (kind.type >= 0) out += " type " + std::to_string(kind.type);
    return out;
}

}  // namespace ystpcs::protocol
