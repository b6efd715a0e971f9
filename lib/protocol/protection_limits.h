// The module's protection (boundary) parameters, spec 3.1, as typed values, and the rule
// "set-points must stay inside the protection parameters" (3.2, Appendix A) applied to a
// working mode's parameters.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/codec.h"
#include "protocol/modes.h"
#include "protocol/result.h"

namespace ystpcs::protocol {

struct ProtectionSet1 {
    double max_output_voltage_v = 0;
    double min_output_voltage_v = 0;
    double max_charge_current_a = 0;
    double max_discharge_current_a = 0;
    friend bool operator==(const ProtectionSet1&, const ProtectionSet1&) = default;
};
struct ProtectionSet2 {
    double max_charge_power_kw = 0;
    double max_discharge_power_kw = 0;
    double ac_voltage_upper_v = 0;
    double ac_voltage_lower_v = 0;
    friend bool operator==(const ProtectionSet2&, const ProtectionSet2&) = default;
};
struct ProtectionSet3 {
    double discharge_frequency_upper_hz = 0;
    double charge_frequency_lower_hz = 0;
    double ac_frequency_upper_hz = 0;
    double ac_frequency_lower_hz = 0;
    friend bool operator==(const ProtectionSet3&, const ProtectionSet3&) = default;
};

// Each set is known once read from (or written to and confirmed by) the module.
struct ProtectionLimits {
    std::optional<ProtectionSet1> set1;
    std::optional<ProtectionSet2> set2;
    std::optional<ProtectionSet3> set3;
    friend bool operator==(const ProtectionLimits&, const ProtectionLimits&) = default;
};

// Typed views of the protection frames (0x02–0x07 share layouts with their set).
ProtectionSet1 protection_set1_from(const DecodedFrame& frame);
ProtectionSet2 protection_set2_from(const DecodedFrame& frame);
ProtectionSet3 protection_set3_from(const DecodedFrame& frame);
std::array<double, 4> values_of(const ProtectionSet1& s);
std::array<double, 4> values_of(const ProtectionSet2& s);
std::array<double, 4> values_of(const ProtectionSet3& s);
// Stores a decoded 0x02/0x03/0x04 (or 0x05/0x06/0x07) into the matching set.
bool store_protection_frame(ProtectionLimits& limits, const DecodedFrame& frame);

// Consistency of a set: lower bounds not above upper bounds.
Result<void> check_consistent(const ProtectionSet1& s);
Result<void> check_consistent(const ProtectionSet2& s);
Result<void> check_consistent(const ProtectionSet3& s);

// The API name of a limit rule ("dc_voltage", "signed_current", …; "" for none).
std::string_view limit_rule_name(LimitRule rule);
inline constexpr LimitRule kLimitRules[] = {LimitRule::dc_voltage,     LimitRule::signed_current, LimitRule::charge_current,
                                            LimitRule::discharge_current, LimitRule::signed_power,  LimitRule::ac_voltage,
                                            LimitRule::ac_frequency,   LimitRule::reactive_power, LimitRule::resistance};
// What `limits` allow a set-point of that rule, in words with numbers and units (what
// check_setpoint enforces); nullopt while the protection set it needs is not known.
std::optional<std::string> setpoint_limit_text(LimitRule rule, const ProtectionLimits& limits);

// Which protection set a parameter's limit rule needs (0 for none).
int required_protection_set(LimitRule rule);

// Checks one mode parameter against the mode's own definition and the protection limits.
// Errors name the parameter, the value and the allowed range; a needed set that is not
// known yet is an error too (the caller reads the limits first).
Result<void> check_setpoint(const ModeDef& mode, std::size_t index, double value, const ProtectionLimits& limits);

// Every parameter of a mode; `count` must equal the mode's parameter count.
Result<void> check_setpoints(const ModeDef& mode, const std::array<double, kMaxModeParams>& values, std::size_t count,
                             const ProtectionLimits& limits);

// Per-phase active power (0x21, kW each): their sum must lie within the charge/discharge
// power limits.
Result<void> check_phase_active_power(const std::array<double, 3>& phase_kw, const ProtectionLimits& limits);

}  // namespace ystpcs::protocol
