#include "pcsctl/output.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "dbus/variant_json.h"
#include "protocol/codec.h"

namespace ystpcs::ctl {

json to_json(const sdbus::Variant& v) { return dbus::variant_to_json<json>(v); }

json to_json(const Properties& props) {
    json o = json::object();
    for (const auto& [k, v] : props) o[k] = to_json(v);
    return o;
}

double number(const Properties& p, const std::string& name) {
    const auto it = p.find(name);
    if (it == p.end()) return std::numeric_limits<double>::quiet_NaN();
    const json j = to_json(it->second);
    return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string text(const Properties& p, const std::string& name) {
    const auto it = p.find(name);
    if (it == p.end() || it->second.peekValueType() != "s") return "";
    return it->second.get<std::string>();
}

bool flag(const Properties& p, const std::string& name) {
    const auto it = p.find(name);
    return it != p.end() && it->second.peekValueType() == "b" && it->second.get<bool>();
}

std::string fixed(double v, int decimals) {
    if (!std::isfinite(v)) return "—";
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string with_unit(double v, int decimals, const std::string& unit) {
    if (!std::isfinite(v)) return "—";
    return fixed(v, decimals) + (unit.empty() ? "" : " " + unit);
}

namespace {
const protocol::SignalDef* signal_of(const std::string& property) {
    for (const auto& f : protocol::kFrames) {
        if (f.direction != protocol::Direction::from_pcs) continue;
        for (const auto& s : f.signals)
            if (s.property == property) return &s;
    }
    return nullptr;
}
}  // namespace

std::string unit_of(const std::string& property) {
    const auto* s = signal_of(property);
    return s ? std::string(s->unit) : "";
}

int decimals_of(const std::string& property) {
    const auto* s = signal_of(property);
    return s ? protocol::decimals(*s) : 1;
}

}  // namespace ystpcs::ctl
