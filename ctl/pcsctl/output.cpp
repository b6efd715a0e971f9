#include "pcsctl/output.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <vector>

#include "dbus/variant_json.h"
#include "pcsctl/client.h"
#include "pcsctl/exit_codes.h"
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

std::string iso_utc(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

double positive_seconds(const std::string& text, const char* what) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !(v > 0))
        throw CommandFailure{exit_usage, std::string(what) + " takes a number of seconds > 0, not '" + text + "'"};
    return v;
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
