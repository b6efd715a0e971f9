#include "protocol/protection_limits.h"

#include <cmath>

namespace ystpcs::protocol {

namespace {

template <std::size_t N>
std::array<double, N> first_values(const DecodedFrame& f) {
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = f.value[i];
    return out;
}

Error outside(const ModeDef& mode, const ModeParamDef& p, double value, double lo, double hi, const std::string& why) {
    const int d = -p.scale_exp;
    const std::string unit = p.unit.empty() ? "" : " " + std::string(p.unit);
    return make_error(ErrorKind::out_of_range, std::string(mode.name) + "." + std::string(p.name) + " = " +
                                                   format_number(value, d) + unit +
                                                   " is outside the module's protection limits " +
                                                   format_number(lo, 3) + " … " + format_number(hi, 3) + unit + " (" +
                                                   why + ")");
}

Error unknown_set(int set) {
    return make_error(ErrorKind::interlock, "protection set " + std::to_string(set) +
                                                " of the module is not known yet; read the protection limits first");
}

Error inconsistent(const char* what, double lo, double hi) {
    return make_error(ErrorKind::out_of_range, std::string(what) + ": lower bound " + format_number(lo, 3) +
                                                   " is above upper bound " + format_number(hi, 3));
}

std::string fmt(double v, const char* unit) { return format_number(v, 3) + " " + unit; }

}  // namespace

ProtectionSet1 protection_set1_from(const DecodedFrame& f) {
    const auto v = first_values<4>(f);
    return {v[0], v[1], v[2], v[3]};
}
ProtectionSet2 protection_set2_from(const DecodedFrame& f) {
    const auto v = first_values<4>(f);
    return {v[0], v[1], v[2], v[3]};
}
ProtectionSet3 protection_set3_from(const DecodedFrame& f) {
    const auto v = first_values<4>(f);
    return {v[0], v[1], v[2], v[3]};
}
std::array<double, 4> values_of(const ProtectionSet1& s) {
    return {s.max_output_voltage_v, s.min_output_voltage_v, s.max_charge_current_a, s.max_discharge_current_a};
}
std::array<double, 4> values_of(const ProtectionSet2& s) {
    return {s.max_charge_power_kw, s.max_discharge_power_kw, s.ac_voltage_upper_v, s.ac_voltage_lower_v};
}
std::array<double, 4> values_of(const ProtectionSet3& s) {
    return {s.discharge_frequency_upper_hz, s.charge_frequency_lower_hz, s.ac_frequency_upper_hz,
            s.ac_frequency_lower_hz};
}

bool store_protection_frame(ProtectionLimits& limits, const DecodedFrame& f) {
    if (f.def == nullptr) return false;
    switch (f.def->pf) {
        case pf::protection_1: case pf::write_protection_1: limits.set1 = protection_set1_from(f); return true;
        case pf::protection_2: case pf::write_protection_2: limits.set2 = protection_set2_from(f); return true;
        case pf::protection_3: case pf::write_protection_3: limits.set3 = protection_set3_from(f); return true;
        default: return false;
    }
}

Result<void> check_consistent(const ProtectionSet1& s) {
    if (s.min_output_voltage_v > s.max_output_voltage_v)
        return inconsistent("protection set 1 output voltage", s.min_output_voltage_v, s.max_output_voltage_v);
    return {};
}
Result<void> check_consistent(const ProtectionSet2& s) {
    if (s.ac_voltage_lower_v > s.ac_voltage_upper_v)
        return inconsistent("protection set 2 AC voltage", s.ac_voltage_lower_v, s.ac_voltage_upper_v);
    return {};
}
Result<void> check_consistent(const ProtectionSet3& s) {
    if (s.ac_frequency_lower_hz > s.ac_frequency_upper_hz)
        return inconsistent("protection set 3 AC frequency", s.ac_frequency_lower_hz, s.ac_frequency_upper_hz);
    return {};
}

std::string_view limit_rule_name(LimitRule rule) {
    switch (rule) {
        case LimitRule::none: return "";
        case LimitRule::dc_voltage: return "dc_voltage";
        case LimitRule::signed_current: return "signed_current";
        case LimitRule::charge_current: return "charge_current";
        case LimitRule::discharge_current: return "discharge_current";
        case LimitRule::signed_power: return "signed_power";
        case LimitRule::ac_voltage: return "ac_voltage";
        case LimitRule::ac_frequency: return "ac_frequency";
        case LimitRule::reactive_power: return "reactive_power";
        case LimitRule::resistance: return "resistance";
    }
    return "";
}

std::optional<std::string> setpoint_limit_text(LimitRule rule, const ProtectionLimits& limits) {
    const int set = required_protection_set(rule);
    if (set == 0 || (set == 1 && !limits.set1) || (set == 2 && !limits.set2) || (set == 3 && !limits.set3))
        return std::nullopt;
    auto range = [](double lo, double hi, const char* unit) {
        return format_number(lo, 3) + " … " + format_number(hi, 3) + " " + unit;
    };
    switch (rule) {
        case LimitRule::none: return std::nullopt;
        case LimitRule::dc_voltage: {
            const auto& s = *limits.set1;
            return range(s.min_output_voltage_v, s.max_output_voltage_v, "V") + " (min/max output voltage)";
        }
        case LimitRule::signed_current: {
            const auto& s = *limits.set1;
            return range(-s.max_charge_current_a, s.max_discharge_current_a, "A") + " (max charge current " +
                   fmt(s.max_charge_current_a, "A") + ", max discharge current " + fmt(s.max_discharge_current_a, "A") +
                   "; negative: charging)";
        }
        case LimitRule::charge_current:
            return "|value| ≤ " + fmt(limits.set1->max_charge_current_a, "A") + " (max charge current)";
        case LimitRule::discharge_current:
            return "|value| ≤ " + fmt(limits.set1->max_discharge_current_a, "A") + " (max discharge current)";
        case LimitRule::signed_power: {
            const auto& s = *limits.set2;
            return range(-s.max_charge_power_kw * 1000.0, s.max_discharge_power_kw * 1000.0, "W") +
                   " (max charge power " + fmt(s.max_charge_power_kw, "kW") + ", max discharge power " +
                   fmt(s.max_discharge_power_kw, "kW") + "; negative: charging)";
        }
        case LimitRule::ac_voltage:
            return range(limits.set2->ac_voltage_lower_v, limits.set2->ac_voltage_upper_v, "V") + " (AC voltage limits)";
        case LimitRule::ac_frequency:
            return range(limits.set3->ac_frequency_lower_hz, limits.set3->ac_frequency_upper_hz, "Hz") +
                   " (AC frequency limits)";
        case LimitRule::reactive_power: {
            const double q = std::max(limits.set2->max_charge_power_kw, limits.set2->max_discharge_power_kw) * 1000.0;
            return range(-q, q, "var") + " (the larger power limit)";
        }
        case LimitRule::resistance: {
            const auto& s = *limits.set1;
            auto least = [&](double amps) {
                return amps > 0 ? format_number(s.max_output_voltage_v / amps, 3) + " Ω" : std::string("not allowed");
            };
            return "|value| ≥ " + least(s.max_discharge_current_a) + " discharging, ≥ " +
                   least(s.max_charge_current_a) + " charging (negative) (max output voltage / current limit)";
        }
    }
    return std::nullopt;
}

int required_protection_set(LimitRule rule) {
    switch (rule) {
        case LimitRule::none: return 0;
        case LimitRule::dc_voltage:
        case LimitRule::signed_current:
        case LimitRule::charge_current:
        case LimitRule::discharge_current: return 1;
        case LimitRule::signed_power:
        case LimitRule::reactive_power:
        case LimitRule::ac_voltage: return 2;
        case LimitRule::resistance: return 1;
        case LimitRule::ac_frequency: return 3;
    }
    return 0;
}

Result<void> check_setpoint(const ModeDef& mode, std::size_t index, double value, const ProtectionLimits& limits) {
    auto raw = mode_param_to_raw(mode, index, value);  // the mode's own definition first
    if (!raw) return raw.error();
    const ModeParamDef& p = mode.params[index];
    const int set = required_protection_set(p.limit);
    if ((set == 1 && !limits.set1) || (set == 2 && !limits.set2) || (set == 3 && !limits.set3)) return unknown_set(set);
    switch (p.limit) {
        case LimitRule::none: return {};
        case LimitRule::dc_voltage: {
            const auto& s = *limits.set1;
            if (value < s.min_output_voltage_v || value > s.max_output_voltage_v)
                return outside(mode, p, value, s.min_output_voltage_v, s.max_output_voltage_v,
                               "min/max output voltage");
            return {};
        }
        case LimitRule::signed_current: {
            const auto& s = *limits.set1;
            if (value < -s.max_charge_current_a || value > s.max_discharge_current_a)
                return outside(mode, p, value, -s.max_charge_current_a, s.max_discharge_current_a,
                               "max charge current " + fmt(s.max_charge_current_a, "A") + ", max discharge current " +
                                   fmt(s.max_discharge_current_a, "A"));
            return {};
        }
        case LimitRule::charge_current: {
            const auto& s = *limits.set1;
            if (std::fabs(value) > s.max_charge_current_a)
                return outside(mode, p, value, 0, s.max_charge_current_a, "max charge current");
            return {};
        }
        case LimitRule::discharge_current: {
            const auto& s = *limits.set1;
            if (std::fabs(value) > s.max_discharge_current_a)
                return outside(mode, p, value, 0, s.max_discharge_current_a, "max discharge current");
            return {};
        }
        case LimitRule::signed_power: {
            const auto& s = *limits.set2;
            const double lo = -s.max_charge_power_kw * 1000.0, hi = s.max_discharge_power_kw * 1000.0;
            if (value < lo || value > hi)
                return outside(mode, p, value, lo, hi,
                               "max charge power " + fmt(s.max_charge_power_kw, "kW") + ", max discharge power " +
                                   fmt(s.max_discharge_power_kw, "kW"));
            return {};
        }
        case LimitRule::ac_voltage: {
            const auto& s = *limits.set2;
            if (value < s.ac_voltage_lower_v || value > s.ac_voltage_upper_v)
                return outside(mode, p, value, s.ac_voltage_lower_v, s.ac_voltage_upper_v, "AC voltage limits");
            return {};
        }
        case LimitRule::reactive_power: {
            const auto& s = *limits.set2;
            const double q = std::max(s.max_charge_power_kw, s.max_discharge_power_kw) * 1000.0;
            if (std::fabs(value) > q)
                return outside(mode, p, value, -q, q, "the larger power limit " + fmt(q / 1000.0, "kW"));
            return {};
        }
        case LimitRule::resistance: {
            const auto& s = *limits.set1;
            const double amps = value < 0 ? s.max_charge_current_a : s.max_discharge_current_a;
            if (value == 0 || amps <= 0)
                return outside(mode, p, value, 0, 0, "no current allowed in that direction");
            const double least = s.max_output_voltage_v / amps;
            if (std::fabs(value) < least)
                return make_error(ErrorKind::out_of_range,
                                  std::string(mode.name) + "." + std::string(p.name) + " = " + format_number(value, 3) +
                                      " Ω draws more than the module's current limit at its max output voltage (" +
                                      fmt(s.max_output_voltage_v, "V") + " / " + fmt(amps, "A") + "): |" +
                                      std::string(p.name) + "| must be at least " + format_number(least, 3) + " Ω");
            return {};
        }
        case LimitRule::ac_frequency: {
            const auto& s = *limits.set3;
            if (value < s.ac_frequency_lower_hz || value > s.ac_frequency_upper_hz)
                return outside(mode, p, value, s.ac_frequency_lower_hz, s.ac_frequency_upper_hz,
                               "AC frequency limits");
            return {};
        }
    }
    return {};
}

Result<void> check_setpoints(const ModeDef& mode, const std::array<double, kMaxModeParams>& values, std::size_t count,
                             const ProtectionLimits& limits) {
    if (count != mode.params.size())
        return make_error(ErrorKind::invalid_argument, "mode " + std::string(mode.name) + " takes " +
                                                           std::to_string(mode.params.size()) + " parameters, got " +
                                                           std::to_string(count));
    for (std::size_t i = 0; i < count; ++i)
        if (auto r = check_setpoint(mode, i, values[i], limits); !r) return r;
    // In CV the current tapers towards 0 from the CC current's side: an end current on the
    // other side is never reached (the module would hold the voltage until stopped).
    if (mode.code == mode_code::cccv && values[1] * values[2] < 0)
        return make_error(ErrorKind::invalid_argument,
                          "cccv end current " + fmt(values[2], "A") + " has the opposite sign of the current " +
                              fmt(values[1], "A") + ": the current tapers towards 0 in constant voltage and ends at the "
                              "end current, so both are negative when charging, both positive when discharging (e.g. " +
                              fmt(std::copysign(std::abs(values[2]), values[1]), "A") + ")");
    return {};
}

Result<void> check_phase_active_power(const std::array<double, 3>& phase_kw, const ProtectionLimits& limits) {
    if (!limits.set2) return unknown_set(2);
    const double total = phase_kw[0] + phase_kw[1] + phase_kw[2];
    if (total < -limits.set2->max_charge_power_kw || total > limits.set2->max_discharge_power_kw)
        return make_error(ErrorKind::out_of_range,
                          "phase_active_power total = " + format_number(total, 1) +
                              " kW is outside the module's protection limits " +
                              format_number(-limits.set2->max_charge_power_kw, 1) + " … " +
                              format_number(limits.set2->max_discharge_power_kw, 1) + " kW");
    return {};
}

}  // namespace ystpcs::protocol
