// The D-Bus arguments of the methods that carry values to a module, translated into what the
// engine takes: pure functions (no bus, no module), so that every malformed input a client can
// send is refused here with a message naming the argument, and a fuzzer can reach them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/Types.h>

#include "engine/operations.h"
#include "protocol/codec.h"
#include "protocol/modes.h"
#include "protocol/result.h"
#include "protocol/settings.h"
#include "runtime/event_loop.h"

namespace ystpcs::dbus {

// SetMode(s mode, a{sd} params, a{sv} options).
struct ModeRequest {
    const protocol::ModeDef* mode = nullptr;
    std::vector<double> values;  // in the mode's parameter order
    engine::SetModeOptions options;
};
Result<ModeRequest> mode_request(const std::string& mode, const std::map<std::string, double>& params,
                                 const std::map<std::string, sdbus::Variant>& options);

// WriteSetting(s name, v value): a{sd}, a{sv} of numbers/booleans, or one number for a
// one-field setting. The values are also checked against their fields.
struct SettingRequest {
    const protocol::SettingDef* setting = nullptr;
    protocol::NamedValues values;
};
Result<SettingRequest> setting_request(const std::string& name, const sdbus::Variant& value);

// SetProtectionLimits(a{sd}): every name known, every value inside its field's range.
Result<std::map<std::string, double>> protection_request(const std::map<std::string, double>& limits);

// SetClock(t): microseconds since the epoch (0: now), as the module's local civil time,
// inside what frame 0x09 can carry.
Result<engine::ClockTime> clock_request(std::uint64_t micros, runtime::WallTime now);

// SetExternalDataSource(s source, a{sv} options): options "fallback" s and "max_age_s" d,
// over the module's `current` policy (options left out keep their values).
Result<engine::ExternalDataPolicy> external_data_request(const std::string& source,
                                                         const std::map<std::string, sdbus::Variant>& options,
                                                         engine::ExternalDataPolicy current);

}  // namespace ystpcs::dbus
