#include "protocol/frame_json.h"

#include <cmath>

#include "protocol/mode_params.h"

namespace ystpcs::protocol {

nlohmann::ordered_json value_json(const SignalDef& sig, double value) {
    if (sig.enumeration != nullptr || (sig.scale_exp >= 0 && sig.offset == std::floor(sig.offset)))
        return static_cast<std::int64_t>(std::llround(value));
    return value;
}

nlohmann::ordered_json fields_json(const DecodedFrame& frame, const ModeDef* mode) {
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    if (frame.def == nullptr) return fields;
    for (std::size_t i = 0; i < frame.def->signals.size(); ++i) {
        const auto& sig = frame.def->signals[i];
        fields[std::string(sig.name)] = value_json(sig, frame.value[i]);
        if (sig.enumeration != nullptr && !sig.text_key.empty())
            fields[std::string(sig.text_key)] = std::string(enum_text(*sig.enumeration, frame.raw[i]));
    }
    if (frame.def->mode_parameters && mode != nullptr) {
        fields["mode"] = mode->code;
        fields["mode_name"] = std::string(mode->title);
        for (const auto& p : scale_mode_params(frame, *mode)) fields[std::string(p.def->name)] = p.value;
    }
    return fields;
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char b = byte(i);
        std::size_t len = 0;
        if (b < 0x80) len = 1;
        else if (b >= 0xC2 && b <= 0xDF) len = 2;
        else if (b >= 0xE0 && b <= 0xEF) len = 3;
        else if (b >= 0xF0 && b <= 0xF4) len = 4;
        bool ok = len != 0 && i + len <= text.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = continuation(i + k);
        if (ok && len == 3) {  // no overlong forms, no UTF-16 surrogates
            const unsigned char b1 = byte(i + 1);
            ok = !(b == 0xE0 && b1 < 0xA0) && !(b == 0xED && b1 >= 0xA0);
        }
        if (ok && len == 4) {  // no overlong forms, nothing beyond U+10FFFF
            const unsigned char b1 = byte(i + 1);
            ok = !(b == 0xF0 && b1 < 0x90) && !(b == 0xF4 && b1 >= 0x90);
        }
        if (!ok) {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 0xF];
            ++i;
            continue;
        }
        out.append(text.substr(i, len));
        i += len;
    }
    return out;
}

void put_capture_header(nlohmann::ordered_json& out, const CapturedFrame& captured) {
    if (captured.timestamp_s) out["t"] = *captured.timestamp_s;
    out["iface"] = valid_utf8(captured.iface);
    out["id"] = format_can_id(captured.frame);
}

nlohmann::ordered_json frame_json(const CapturedFrame& captured, const DecodedFrame& frame, const ModeDef* mode) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    put_capture_header(out, captured);
    out["pf"] = frame.owner.id.pf;
    out["src"] = frame.owner.id.sa;
    out["dst"] = frame.owner.id.ps;
    out["dir"] = frame.owner.traffic == Traffic::from_pcs ? "rx" : "tx";
    out["frame"] = std::string(frame.def->name);
    out["fields"] = fields_json(frame, mode);
    return out;
}

}  // namespace ystpcs::protocol
