// A special setting as values by name: what ReadSetting answers on D-Bus and what pcsctl prints
// with units. The working_mode setting answers with three frames; its parameters are scaled by
// the mode the same answer reports (Appendix A), as `pcsctl decode` and ReadWorkingMode do.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/codec.h"
#include "protocol/modes.h"
#include "protocol/settings.h"

namespace ystpcs::protocol {

struct SettingValue {
    std::string key;   // the field's name; "frame.field" when the setting answers with several frames
    double value;      // engineering value
    SignalDef signal;  // unit, resolution, enumeration (a mode parameter's own for working_mode)
};

// Every field of the reply frames in order. Mode parameters come scaled and named after the mode
// reported in the same answer (`mode_params_12_reading.voltage_v`); raw (`parameter_1`) only when
// that mode is unknown to the table.
std::vector<SettingValue> setting_values(const SettingDef& setting, std::span<const DecodedFrame> replies);

// The field behind a key of setting_values(), for a client holding the values by name only;
// `mode` is the mode of a working_mode answer (its `mode_reading.mode`). `position` orders the
// keys as the frames and fields are ordered.
struct SettingField {
    SignalDef signal;
    std::size_t position;
};
std::optional<SettingField> find_setting_field(const SettingDef& setting, std::string_view key, const ModeDef* mode);

// "720.0 V", "1 (enabled)", "-100.000 A".
std::string format_setting_value(const SignalDef& signal, double value);

}  // namespace ystpcs::protocol
