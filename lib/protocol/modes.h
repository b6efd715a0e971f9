// Appendix A: working modes (frame 0x0B / 0x36) and their parameters (0x0C/0x0D, 0x37/0x38).
// All parameters are i32 with offset 0; negative current, power or resistance means charging.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/signal.h"

namespace ystpcs::protocol {

// Which protection limits (3.1) bound a parameter. Set-points must lie inside them.
enum class LimitRule {
    none,                  // no protection parameter applies (resistance, times, duty, ratio)
    dc_voltage,            // min_output_voltage ≤ v ≤ max_output_voltage
    signed_current,        // −max_charge_current ≤ i ≤ max_discharge_current (negative = charging)
    charge_current,        // 0 ≤ |i| ≤ max_charge_current (a magnitude)
    discharge_current,     // 0 ≤ |i| ≤ max_discharge_current (a magnitude)
    signed_power,          // −max_charge_power ≤ p ≤ max_discharge_power (W against kW limits)
    ac_voltage,            // ac_voltage_lower ≤ v ≤ ac_voltage_upper
    ac_frequency,          // ac_frequency_lower ≤ f ≤ ac_frequency_upper
    reactive_power,        // |q| ≤ the larger power limit (var against kW limits)
    resistance,            // the current it draws at the max output voltage stays inside the current
                           // limits: |r| ≥ max_output_voltage / max charge (r < 0) or discharge current
};

struct ModeParamDef {
    std::string_view name;    // snake_case + unit, e.g. "voltage_v"
    std::string_view title;   // "end (cut-off) current"
    std::int8_t scale_exp;    // raw × 10^scale_exp (−3: 0.001, −2: 0.01)
    std::string_view unit;
    Range range;              // what the mode parameter definition itself allows
    LimitRule limit;
};

struct ModeDef {
    std::uint8_t code;
    std::string_view name;    // pcsctl / D-Bus name, e.g. "cccv"
    std::string_view title;   // "DC CC-CV"
    std::span<const ModeParamDef> params;  // p1..p4 in order; fewer when the mode has fewer
};

inline constexpr std::size_t kMaxModeParams = 4;

namespace mode_detail {
// Physical bounds from the protection-parameter ranges (3.1: 0–1000.0 V/A/kW) and Appendix D.
inline constexpr Range kDcVoltage{0, 1000};
inline constexpr Range kCurrent{-1000, 1000};
inline constexpr Range kCurrentMagnitude{0, 1000};
inline constexpr Range kPowerW{-1'000'000, 1'000'000};
// Decision (ystpcs): the vendor bounds resistance, times and magnification by nothing but the
// i32. A resistance below 10 kΩ (0.1 A at 1000 V) still means something; the protection
// limits bound it from below (LimitRule::resistance). A ramp or pulse cycle, a test time, is at
// most a day. Magnification, whose unit the vendor does not give, is bounded to ±100.
inline constexpr Range kResistance{-10'000, 10'000};
inline constexpr Range kTimeMs{0.001, 86'400};
inline constexpr Range kTime10ms{0.01, 86'400};
inline constexpr Range kDuty{0, 100};
inline constexpr Range kMagnification{-100, 100};
inline constexpr Range kAcVoltage{0, 300};
inline constexpr Range kAcFrequency{40, 70};

inline constexpr ModeParamDef cv[] = {{"voltage_v", "voltage", -3, "V", kDcVoltage, LimitRule::dc_voltage}};
inline constexpr ModeParamDef cv_limited[] = {
    {"voltage_v", "voltage", -3, "V", kDcVoltage, LimitRule::dc_voltage},
    {"max_charge_current_a", "max charge current", -3, "A", kCurrentMagnitude, LimitRule::charge_current},
    {"max_discharge_current_a", "max discharge current", -3, "A", kCurrentMagnitude, LimitRule::discharge_current},
};
inline constexpr ModeParamDef cc[] = {{"current_a", "current", -3, "A", kCurrent, LimitRule::signed_current}};
inline constexpr ModeParamDef cp[] = {{"power_w", "power", -3, "W", kPowerW, LimitRule::signed_power}};
inline constexpr ModeParamDef cr[] = {{"resistance_ohm", "resistance", -3, "Ω", kResistance, LimitRule::resistance}};
inline constexpr ModeParamDef ramp_current[] = {
    {"start_current_a", "start current", -3, "A", kCurrent, LimitRule::signed_current},
    {"end_current_a", "end current", -3, "A", kCurrent, LimitRule::signed_current},
    {"cycle_time_s", "cycle time", -3, "s", kTimeMs, LimitRule::none},
};
inline constexpr ModeParamDef ramp_power[] = {
    {"start_power_w", "start power", -3, "W", kPowerW, LimitRule::signed_power},
    {"end_power_w", "end power", -3, "W", kPowerW, LimitRule::signed_power},
    {"cycle_time_s", "cycle time", -3, "s", kTimeMs, LimitRule::none},
};
inline constexpr ModeParamDef magnification[] = {
    {"magnification", "magnification", -3, "", kMagnification, LimitRule::none}};
inline constexpr ModeParamDef ramp_voltage[] = {
    {"start_voltage_v", "start voltage", -3, "V", kDcVoltage, LimitRule::dc_voltage},
    {"end_voltage_v", "end voltage", -3, "V", kDcVoltage, LimitRule::dc_voltage},
    {"cycle_time_s", "cycle time", -3, "s", kTimeMs, LimitRule::none},
};
inline constexpr ModeParamDef pulse_current[] = {
    {"current_1_a", "current 1", -3, "A", kCurrent, LimitRule::signed_current},
    {"current_2_a", "current 2", -3, "A", kCurrent, LimitRule::signed_current},
    {"cycle_time_s", "cycle time", -2, "s", kTime10ms, LimitRule::none},
    {"duty_pct", "duty of current 1", -2, "%", kDuty, LimitRule::none},
};
inline constexpr ModeParamDef cccv[] = {
    {"voltage_v", "voltage", -3, "V", kDcVoltage, LimitRule::dc_voltage},
    {"current_a", "current", -3, "A", kCurrent, LimitRule::signed_current},
    {"end_current_a", "end (cut-off) current", -3, "A", kCurrent, LimitRule::signed_current},
};
inline constexpr ModeParamDef pulse_resistance[] = {
    {"resistance_1_ohm", "resistance 1", -3, "Ω", kResistance, LimitRule::resistance},
    {"resistance_2_ohm", "resistance 2", -3, "Ω", kResistance, LimitRule::resistance},
    {"cycle_time_s", "cycle time", -2, "s", kTime10ms, LimitRule::none},
    {"duty_pct", "duty of resistance 1", -2, "%", kDuty, LimitRule::none},
};
inline constexpr ModeParamDef pulse_power[] = {
    {"power_1_w", "power 1", -3, "W", kPowerW, LimitRule::signed_power},
    {"power_2_w", "power 2", -3, "W", kPowerW, LimitRule::signed_power},
    {"cycle_time_s", "cycle time", -2, "s", kTime10ms, LimitRule::none},
    {"duty_pct", "duty of power 1", -2, "%", kDuty, LimitRule::none},
};
inline constexpr ModeParamDef dcr_test[] = {
    {"current_a", "current", -3, "A", kCurrent, LimitRule::signed_current},
    {"time_1_s", "time 1", -3, "s", kTimeMs, LimitRule::none},
    {"time_2_s", "time 2", -3, "s", kTimeMs, LimitRule::none},
    {"time_3_s", "time 3", -3, "s", kTimeMs, LimitRule::none},
};
inline constexpr ModeParamDef ac_power[] = {
    {"active_power_w", "active power", -3, "W", kPowerW, LimitRule::signed_power},
    {"reactive_power_var", "reactive power", -3, "var", kPowerW, LimitRule::reactive_power},
};
inline constexpr ModeParamDef off_grid[] = {
    {"voltage_v", "voltage", -3, "V", kAcVoltage, LimitRule::ac_voltage},
    {"frequency_hz", "frequency", -3, "Hz", kAcFrequency, LimitRule::ac_frequency},
};
inline constexpr ModeParamDef pulse_voltage[] = {
    {"voltage_1_v", "voltage 1", -3, "V", kDcVoltage, LimitRule::dc_voltage},
    {"voltage_2_v", "voltage 2", -3, "V", kDcVoltage, LimitRule::dc_voltage},
    {"cycle_time_s", "cycle time", -2, "s", kTime10ms, LimitRule::none},
    {"duty_pct", "duty of voltage 1", -2, "%", kDuty, LimitRule::none},
};
}  // namespace mode_detail

namespace mode_code {
inline constexpr std::uint8_t cv = 0x02, cv_limited = 0x08, cc = 0x21, cp = 0x22, cr = 0x23, ramp_current = 0x24,
                              ramp_power = 0x25, magnification = 0x26, ramp_voltage = 0x27, pulse_current = 0x28,
                              cccv = 0x29, pulse_resistance = 0x2A, pulse_power = 0x2B, dcr_test = 0x2C,
                              ac_power = 0x40, off_grid = 0x41, pulse_voltage = 0x61, idle = 0x91, standby = 0x94;
}

inline constexpr ModeDef kModes[] = {
    {mode_code::cv, "cv", "DC constant voltage", mode_detail::cv},
    {mode_code::cv_limited, "cv_limited", "DC constant voltage with current limits", mode_detail::cv_limited},
    {mode_code::cc, "cc", "DC constant current", mode_detail::cc},
    {mode_code::cp, "cp", "DC constant power", mode_detail::cp},
    {mode_code::cr, "cr", "DC constant resistance", mode_detail::cr},
    {mode_code::ramp_current, "ramp_current", "DC ramp current", mode_detail::ramp_current},
    {mode_code::ramp_power, "ramp_power", "DC ramp power", mode_detail::ramp_power},
    {mode_code::magnification, "magnification", "DC constant magnification", mode_detail::magnification},
    {mode_code::ramp_voltage, "ramp_voltage", "DC ramp voltage", mode_detail::ramp_voltage},
    {mode_code::pulse_current, "pulse_current", "DC pulse current", mode_detail::pulse_current},
    {mode_code::cccv, "cccv", "DC CC-CV", mode_detail::cccv},
    {mode_code::pulse_resistance, "pulse_resistance", "DC pulse resistance", mode_detail::pulse_resistance},
    {mode_code::pulse_power, "pulse_power", "DC pulse power", mode_detail::pulse_power},
    {mode_code::dcr_test, "dcr_test", "DC internal-resistance test", mode_detail::dcr_test},
    {mode_code::ac_power, "ac_power", "AC constant power", mode_detail::ac_power},
    {mode_code::off_grid, "off_grid", "independent inverter (off-grid)", mode_detail::off_grid},
    {mode_code::pulse_voltage, "pulse_voltage", "DC pulse voltage", mode_detail::pulse_voltage},
    {mode_code::idle, "idle", "idle", {}},
    {mode_code::standby, "standby", "standby", {}},
};

const ModeDef* find_mode(std::int64_t code);
const ModeDef* find_mode(std::string_view name);

// The raw i32 carried in 0x0C/0x0D/0x37/0x38 for an engineering value, rounded to nearest;
// refuses values outside the parameter's range with an error naming mode, parameter and range.
Result<std::int32_t> mode_param_to_raw(const ModeDef& mode, std::size_t index, double value);
double mode_param_from_raw(const ModeParamDef& param, std::int32_t raw);
std::string format_param_range(const ModeParamDef& param);
SignalDef mode_param_signal(const ModeParamDef& param);

namespace detail {
inline constexpr auto make_mode_entries() {
    std::array<EnumEntry, std::size(kModes)> out{};
    for (std::size_t i = 0; i < std::size(kModes); ++i) out[i] = {kModes[i].code, kModes[i].title};
    return out;
}
inline constexpr auto kModeEntries = make_mode_entries();
}  // namespace detail

inline constexpr EnumDef kModeEnum{"working mode", detail::kModeEntries, true};

}  // namespace ystpcs::protocol
