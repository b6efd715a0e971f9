#include "protocol/setting_values.h"

#include <cmath>

#include "protocol/mode_params.h"

namespace ystpcs::protocol {

namespace {

std::string key_of(const SettingDef& setting, const FrameDef& frame, std::string_view field) {
    return (setting.read_count > 1 ? std::string(frame.name) + "." : std::string()) + std::string(field);
}

const ModeDef* reported_mode(std::span<const DecodedFrame> replies) {
    for (const auto& f : replies)
        if (f.def != nullptr && f.def->pf == pf::mode_reading) return find_mode(f.raw[0]);
    return nullptr;
}

}  // namespace

std::vector<SettingValue> setting_values(const SettingDef& setting, std::span<const DecodedFrame> replies) {
    std::vector<SettingValue> out;
    const ModeDef* mode = reported_mode(replies);
    for (const auto& f : replies) {
        if (f.def == nullptr) continue;
        if (f.def->mode_parameters && mode != nullptr) {
            for (const auto& p : scale_mode_params(f, *mode))
                out.push_back({key_of(setting, *f.def, p.def->name), p.value, mode_param_signal(*p.def)});
            continue;
        }
        for (std::size_t i = 0; i < f.def->signals.size(); ++i)
            out.push_back({key_of(setting, *f.def, f.def->signals[i].name), f.value[i], f.def->signals[i]});
    }
    return out;
}

std::optional<SettingField> find_setting_field(const SettingDef& setting, std::string_view key, const ModeDef* mode) {
    for (std::size_t n = 0; n < setting.read_count; ++n) {
        const FrameDef* frame = find_frame(setting.read_pfs[n]);
        if (frame == nullptr) continue;
        std::string_view field = key;
        if (setting.read_count > 1) {
            const std::string prefix = std::string(frame->name) + ".";
            if (key.substr(0, prefix.size()) != prefix) continue;
            field = key.substr(prefix.size());
        }
        const std::size_t base = n * 16;
        for (std::size_t i = 0; i < frame->signals.size(); ++i)
            if (frame->signals[i].name == field) return SettingField{frame->signals[i], base + i};
        if (frame->mode_parameters && mode != nullptr)
            for (std::size_t i = frame->first_mode_param;
                 i < frame->first_mode_param + frame->signals.size() && i < mode->params.size(); ++i)
                if (mode->params[i].name == field) return SettingField{mode_param_signal(mode->params[i]), base + 8 + i};
    }
    return std::nullopt;
}

std::string format_setting_value(const SignalDef& signal, double value) {
    std::string out = format_value(signal, value);
    if (!signal.unit.empty()) out += " " + std::string(signal.unit);
    if (signal.enumeration != nullptr)
        out += " (" + std::string(enum_text(*signal.enumeration, static_cast<std::int64_t>(std::llround(value)))) + ")";
    return out;
}

}  // namespace ystpcs::protocol
