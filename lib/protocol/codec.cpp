#include "protocol/codec.h"

#include <cstdio>

namespace ystpcs::protocol {

namespace {

std::string hex2(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
    return buf;
}

}  // namespace

const FrameDef* find_frame(std::uint8_t pf) {
    for (const auto& f : kFrames)
        if (f.pf == pf) return &f;
    return nullptr;
}

const FrameDef* find_frame(std::string_view name) {
    for (const auto& f : kFrames)
        if (f.name == name) return &f;
    return nullptr;
}

std::string qualified_name(const FrameDef& def, const SignalDef& sig) { return qualified_name(def.name, sig); }

std::string field_list(const FrameDef& def) {
    std::string out;
    for (const auto& s : def.signals) {
        if (!out.empty()) out += ", ";
        out += s.name;
    }
    return out;
}

DecodeOutcome decode(const CanFrame& frame) noexcept {
    try {
        const Ownership owner = classify(frame);
        if (owner.traffic == Traffic::not_pcs)
            return NotDecodable{DecodeIssue::not_pcs_traffic, owner.reason, std::string(describe(owner.reason))};
        const FrameDef* def = find_frame(owner.id.pf);
        if (def == nullptr)
            return NotDecodable{DecodeIssue::unknown_pf, NotPcsReason::none,
                                "PF " + hex2(owner.id.pf) + " is not defined by the protocol"};
        const bool sent_by_pcs = owner.traffic == Traffic::from_pcs;
        if (sent_by_pcs != (def->direction == Direction::from_pcs))
            return NotDecodable{DecodeIssue::wrong_direction, NotPcsReason::none,
                                "PF " + hex2(owner.id.pf) + " (" + std::string(def->name) + ") is only sent " +
                                    (def->direction == Direction::from_pcs ? "by a PCS" : "by the controller")};
        DecodedFrame out;
        out.def = def;
        out.owner = owner;
        for (std::size_t i = 0; i < def->signals.size() && i < kMaxSignals; ++i) {
            out.raw[i] = extract_raw(def->signals[i], frame.data);
            out.value[i] = to_engineering(def->signals[i], out.raw[i]);
        }
        return out;
    } catch (...) {  // only std::bad_alloc is conceivable; never let it escape
        return NotDecodable{DecodeIssue::not_pcs_traffic, NotPcsReason::none, "out of memory while decoding"};
    }
}

Result<CanFrame> encode(const FrameDef& def, std::uint8_t address, std::span<const double> values) {
    if (values.size() != def.signals.size())
        return make_error(ErrorKind::invalid_argument, std::string(def.name) + " takes " +
                                                           std::to_string(def.signals.size()) + " fields (" +
                                                           field_list(def) + "), got " + std::to_string(values.size()));
    CanFrame frame;
    if (def.direction == Direction::to_pcs) {
        if (address != kBroadcastAddress && !is_valid_pcs_address(address))
            return make_error(ErrorKind::out_of_range, "PCS address " + std::to_string(address) +
                                                           " is outside 1 … 254 (0xB4 excluded; 0 broadcasts)");
        frame.id = to_pcs_id(def.pf, address);
    } else {
        if (!is_valid_pcs_address(address))
            return make_error(ErrorKind::out_of_range,
                              "PCS address " + std::to_string(address) + " is outside 1 … 254 (0xB4 excluded)");
        frame.id = from_pcs_id(def.pf, address);
    }
    for (std::size_t i = 0; i < def.signals.size(); ++i) {
        const auto& sig = def.signals[i];
        auto raw = to_raw(sig, values[i], def.name);
        if (!raw) return raw.error();
        insert_raw(sig, raw.value(), frame.data);
    }
    return frame;
}

Result<CanFrame> encode(std::uint8_t pf, std::uint8_t address, std::span<const double> values) {
    const FrameDef* def = find_frame(pf);
    if (def == nullptr)
        return make_error(ErrorKind::invalid_argument, "PF " + hex2(pf) + " is not defined by the protocol");
    return encode(*def, address, values);
}

Result<CanFrame> encode_named(const FrameDef& def, std::uint8_t address, const NamedValues& values) {
    SignalValues aligned{};
    for (const auto& [name, value] : values) {
        bool known = false;
        for (const auto& s : def.signals) known = known || s.name == name;
        if (!known)
            return make_error(ErrorKind::invalid_argument, std::string(def.name) + " has no field '" + name +
                                                               "' (fields: " + field_list(def) + ")");
    }
    for (std::size_t i = 0; i < def.signals.size(); ++i) {
        const auto it = values.find(def.signals[i].name);
        // Never put a value on the bus the caller did not ask for: no defaults for missing fields.
        if (it == values.end())
            return make_error(ErrorKind::invalid_argument, qualified_name(def, def.signals[i]) +
                                                               " is missing; every field must be given (" +
                                                               field_list(def) + ")");
        aligned[i] = it->second;
    }
    return encode(def, address, std::span<const double>(aligned.data(), def.signals.size()));
}

NamedValues named_values(const DecodedFrame& frame) {
    NamedValues out;
    if (frame.def == nullptr) return out;
    for (std::size_t i = 0; i < frame.def->signals.size(); ++i) out.emplace(frame.def->signals[i].name, frame.value[i]);
    return out;
}

Result<void> check_values(const DecodedFrame& frame) {
    if (frame.def == nullptr) return make_error(ErrorKind::invalid_argument, "no frame");
    for (std::size_t i = 0; i < frame.def->signals.size(); ++i) {
        const auto& sig = frame.def->signals[i];
        auto raw = to_raw(sig, frame.value[i], frame.def->name);
        if (!raw) return raw.error();
    }
    return {};
}

}  // namespace ystpcs::protocol
