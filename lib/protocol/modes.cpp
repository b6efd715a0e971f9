#include "protocol/modes.h"

#include <string>

namespace ystpcs::protocol {

const ModeDef* find_mode(std::int64_t code) {
    for (const auto& m : kModes)
        if (m.code == code) return &m;
    return nullptr;
}

const ModeDef* find_mode(std::string_view name) {
    for (const auto& m : kModes)
        if (m.name == name) return &m;
    return nullptr;
}

// A mode parameter is an i32 field of 0x0C/0x0D/0x37/0x38 whose scale depends on the mode:
// seen as a signal, it shares the one rounding and range-checking codec.
SignalDef mode_param_signal(const ModeParamDef& param) {
    return SignalDef{.name = param.name, .first_byte = 1, .type = RawType::i32, .scale_exp = param.scale_exp,
                     .unit = param.unit, .range = param.range};
}

std::string format_param_range(const ModeParamDef& param) { return format_range(mode_param_signal(param)); }

Result<std::int32_t> mode_param_to_raw(const ModeDef& mode, std::size_t index, double value) {
    if (index >= mode.params.size())
        return make_error(ErrorKind::invalid_argument, "mode " + std::string(mode.name) + " has " +
                                                           std::to_string(mode.params.size()) + " parameters, not " +
                                                           std::to_string(index + 1));
    const auto& p = mode.params[index];
    auto raw = to_raw(mode_param_signal(p), value, mode.name);
    if (!raw) return raw.error();
    return static_cast<std::int32_t>(raw.value());
}

double mode_param_from_raw(const ModeParamDef& param, std::int32_t raw) {
    return to_engineering(mode_param_signal(param), raw);
}

}  // namespace ystpcs::protocol
