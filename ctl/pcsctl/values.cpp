#include "pcsctl/values.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "protocol/faults.h"
#include "protocol/frames.h"

namespace ystpcs::ctl {

namespace {

std::string snake(std::string_view camel) {
    std::string out;
    for (std::size_t i = 0; i < camel.size(); ++i) {
        const char c = camel[i];
        if (std::isupper(static_cast<unsigned char>(c))) {
            if (i > 0) out += '_';
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
            out += c;
        }
    }
    return out;
}

std::string unit_suffix(std::string_view unit) {
    if (unit.empty()) return "";
    if (unit == "°C") return "_c";
    if (unit == "%") return "_pct";
    if (unit == "Ω") return "_ohm";
    std::string out = "_";
    for (char c : unit) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool whole_numbers(const protocol::SignalDef& s) {
    return s.enumeration != nullptr || (s.scale_exp >= 0 && s.offset == std::floor(s.offset));
}

std::vector<ValueDef> build_catalog() {
    using K = ValueDef::Kind;
    std::vector<ValueDef> out = {
        {"state", "RunningStateName", K::text, 0, true},
        {"fault_text", "FaultText", K::text, 0, true},
        {"mode", "WorkingMode", K::text, 0, false},
        {"connected", "Connected", K::flag, 0, false},
        {"power_stage_active", "PowerStageActive", K::flag, 0, true},
        {"commanded_start", "CommandedStart", K::text, 0, false},
        {"heartbeat_state", "HeartbeatState", K::integer, 0, false},
        {"stop_reason", "StopReason", K::text, 0, false},
        {"stop_reason_text", "StopReasonText", K::text, 0, false},
    };
    for (const auto& f : protocol::kFrames) {
        if (f.direction != protocol::Direction::from_pcs || f.role == protocol::FrameRole::result || f.mode_parameters)
            continue;
        for (const auto& s : f.signals) {
            if (s.property.empty()) continue;
            out.push_back({snake(s.property) + unit_suffix(s.unit), std::string(s.property), whole_numbers(s) ? K::integer : K::number,
                           protocol::decimals(s), true});
        }
    }
    return out;
}

std::string rounded_text(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (std::string_view(buf) == "-0" || (buf[0] == '-' && std::strtod(buf, nullptr) == 0)) return buf + 1;  // no "-0.0"
    return buf;
}

}  // namespace

const std::vector<ValueDef>& value_catalog() {
    static const std::vector<ValueDef> catalog = build_catalog();
    return catalog;
}

const ValueDef* find_value(std::string_view name) {
    for (const auto& v : value_catalog())
        if (v.name == name) return &v;
    return nullptr;
}

std::string unknown_value_message(std::string_view name) {
    std::string near;
    const std::string key(name.substr(0, std::min<std::size_t>(name.size(), 4)));
    for (const auto& v : value_catalog())
        if (!key.empty() && v.name.find(key) != std::string::npos) near += (near.empty() ? "" : ", ") + v.name;
    return "unknown value '" + std::string(name) + "'" + (near.empty() ? "" : " (did you mean " + near + "?)") +
           "; pcsctl get --help lists every name";
}

std::string fault_hex(long long code) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%04llX", code);
    return buf;
}

json fault_hex_json(const json& code) { return code.is_number() ? json(fault_hex(code.get<long long>())) : json(nullptr); }

std::string fault_description(const Properties& p) {
    const double code = number(p, "FaultCode");
    if (!std::isfinite(code)) return "";
    if (code == 0) return "-";
    const auto c = static_cast<long long>(code);
    if (c == protocol::fault_code::external_device && number(p, "HeartbeatState") == 3)
        return fault_hex(c) + " emergency stop by software (pcsctl estop / EmergencyStop: heartbeat state 3)";
    return fault_hex(c) + " " + text(p, "FaultText");
}

json signal_json(const protocol::SignalDef& signal, double value) {
    if (!std::isfinite(value)) return nullptr;
    if (whole_numbers(signal)) return static_cast<long long>(std::llround(value));
    return at_resolution(value, protocol::decimals(signal));
}

double at_resolution(double v, int decimals) { return std::strtod(rounded_text(v, decimals).c_str(), nullptr); }

json value_json(const ValueDef& v, const Properties& p) {
    const auto it = p.find(v.property);
    if (it == p.end()) return nullptr;
    if (v.reported && !flag(p, "Connected")) return nullptr;
    switch (v.kind) {
        case ValueDef::Kind::text: {
            const std::string t = text(p, v.property);
            return t.empty() ? json(nullptr) : json(t);
        }
        case ValueDef::Kind::flag: return flag(p, v.property);
        case ValueDef::Kind::integer: {
            const double d = number(p, v.property);
            return std::isfinite(d) ? json(static_cast<long long>(std::llround(d))) : json(nullptr);
        }
        case ValueDef::Kind::number: {
            const double d = number(p, v.property);
            return std::isfinite(d) ? json(at_resolution(d, v.decimals)) : json(nullptr);
        }
    }
    return nullptr;
}

std::string value_text(const ValueDef& v, const Properties& p) {
    const json j = value_json(v, p);
    if (j.is_null()) return "";
    if (v.property == "FaultCode") return fault_hex(j.get<long long>());
    if (j.is_string()) return j.get<std::string>();
    if (j.is_boolean()) return j.get<bool>() ? "1" : "0";
    if (v.kind == ValueDef::Kind::number) return rounded_text(j.get<double>(), v.decimals);
    return j.dump();
}

}  // namespace ystpcs::ctl
