#include "pcsctl/output.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "protocol/codec.h"

namespace ystpcs::ctl {

json to_json(const sdbus::Variant& v) {
    const std::string t = v.peekValueType();
    if (t == "d") {
        const double d = v.get<double>();
        return std::isfinite(d) ? json(d) : json(nullptr);
    }
    if (t == "b") return v.get<bool>();
    if (t == "y") return v.get<std::uint8_t>();
    if (t == "n") return v.get<std::int16_t>();
    if (t == "q") return v.get<std::uint16_t>();
    if (t == "i") return v.get<std::int32_t>();
    if (t == "u") return v.get<std::uint32_t>();
    if (t == "x") return v.get<std::int64_t>();
    if (t == "t") return v.get<std::uint64_t>();
    if (t == "s") return v.get<std::string>();
    if (t == "o") return std::string(v.get<sdbus::ObjectPath>());
    // A profile run's loops and finished steps (org.ystpcs.pcs1.Profile).
    if (t == "a(sxx)") {
        json a = json::array();
        for (const auto& l : v.get<std::vector<sdbus::Struct<std::string, std::int64_t, std::int64_t>>>())
            a.push_back(json{{"label", std::get<0>(l)}, {"iteration", std::get<1>(l)}, {"count", std::get<2>(l)}});
        return a;
    }
    if (t == "a(tsssddd)") {
        json a = json::array();
        for (const auto& r :
             v.get<std::vector<sdbus::Struct<std::uint64_t, std::string, std::string, std::string, double, double, double>>>())
            a.push_back(json{{"step_count", std::get<0>(r)}, {"where", std::get<1>(r)}, {"label", std::get<2>(r)},
                             {"end_reason", std::get<3>(r)}, {"duration_s", std::get<4>(r)}, {"ah", std::get<5>(r)},
                             {"wh", std::get<6>(r)}});
        return a;
    }
    if (t == "a{sd}") {
        json o = json::object();
        for (const auto& [k, d] : v.get<std::map<std::string, double>>()) o[k] = std::isfinite(d) ? json(d) : json(nullptr);
        return o;
    }
    if (t == "a{st}") {
        json o = json::object();
        for (const auto& [k, n] : v.get<std::map<std::string, std::uint64_t>>()) o[k] = n;
        return o;
    }
    if (t == "a{sv}") {
        json o = json::object();
        for (const auto& [k, x] : v.get<std::map<std::string, sdbus::Variant>>()) o[k] = to_json(x);
        return o;
    }
    if (t == "ao") {
        json a = json::array();
        for (const auto& p : v.get<std::vector<sdbus::ObjectPath>>()) a.push_back(std::string(p));
        return a;
    }
    return "(" + t + ")";
}

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
    if (it == p.end()) return "";
    if (it->second.peekValueType() == "o") return it->second.get<sdbus::ObjectPath>();
    if (it->second.peekValueType() != "s") return "";
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
