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

void put_capture_header(nlohmann::ordered_json& out, const CapturedFrame& captured) {
    if (captured.timestamp_s) out["t"] = *captured.timestamp_s;
    out["iface"] = captured.iface;
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
