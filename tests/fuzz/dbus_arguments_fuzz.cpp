// The D-Bus argument translation of daemon/dbus/arguments.h (SetMode, WriteSetting,
// SetProtectionLimits, SetClock) on arguments built from the input: names partly from the
// real tables, partly random; numbers including NaN, ±inf, huge values, raw bit patterns
// and values at the edges of each range; variants of type d, b, i, u, s, a{sd} and a{sv}.
// Beyond "no crash": whatever a translation accepts lies inside the range of the field or
// parameter it is for (and encodes), so NaN and inf never pass.
#include <fuzzer/FuzzedDataProvider.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "daemon/dbus/arguments.h"
#include "engine/operations.h"
#include "protocol/frames.h"

using namespace ystpcs;
using namespace ystpcs::protocol;
using Dict = std::map<std::string, double>;
using VarDict = std::map<std::string, sdbus::Variant>;

namespace {

// ---- building arguments --------------------------------------------------------------------

// D-Bus strings are UTF-8 without NUL (the bus refuses others before any method sees them).
std::string dbus_string(std::string s) {
    std::string out;
    for (const char c : s) {
        if (c == '\0') continue;
        if (static_cast<unsigned char>(c) < 0x80) out += c;
        else out += "\xC3\xA9";  // é: some non-ASCII text, always valid
    }
    return out;
}

std::string random_name(FuzzedDataProvider& in) { return dbus_string(in.ConsumeRandomLengthString(24)); }

template <class Table, class NameOf>
std::string name_from(FuzzedDataProvider& in, const Table& table, NameOf name_of) {
    switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0: return random_name(in);
        case 1: return std::string(name_of(table[in.ConsumeIntegralInRange<std::size_t>(0, std::size(table) - 1)])) + "x";
        default: return std::string(name_of(table[in.ConsumeIntegralInRange<std::size_t>(0, std::size(table) - 1)]));
    }
}

double number(FuzzedDataProvider& in, Range near = {-1000, 1000}, int exp = -3) {
    const double step = std::pow(10.0, exp);
    switch (in.ConsumeIntegralInRange(0, 9)) {
        case 0: return std::numeric_limits<double>::quiet_NaN();
        case 1: return in.ConsumeBool() ? INFINITY : -INFINITY;
        case 2: return (in.ConsumeBool() ? 1 : -1) * (in.ConsumeBool() ? std::numeric_limits<double>::max() : 1e300);
        case 3: return std::bit_cast<double>(in.ConsumeIntegral<std::uint64_t>());
        case 4: return in.ConsumeFloatingPoint<double>();
        case 5: return in.ConsumeIntegralInRange<int>(-3, 3) + 0.0;
        case 6: case 7: {  // just inside or outside an edge: half a step, a millionth of one, ...
            const double edge = in.ConsumeBool() ? near.min : near.max;
            const double off[] = {0, 1e-7, 4e-7, 1e-6, 2e-6, 0.49, 0.5, 0.51, 1, 2};
            return edge + (in.ConsumeBool() ? 1 : -1) * off[in.ConsumeIntegralInRange(0, 9)] * step;
        }
        default: return in.ConsumeFloatingPointInRange(near.min, near.max);
    }
}

// `value` as a variant of a random type; b, i and u carry it as far as they can.
sdbus::Variant scalar(FuzzedDataProvider& in, double value) {
    const bool fits = std::isfinite(value) && std::fabs(value) < 2e9;
    switch (in.ConsumeIntegralInRange(0, 4)) {
        case 0: return sdbus::Variant(value != 0);
        case 1: return sdbus::Variant(fits ? static_cast<std::int32_t>(value) : in.ConsumeIntegral<std::int32_t>());
        case 2: return sdbus::Variant(fits && value >= 0 ? static_cast<std::uint32_t>(value) : in.ConsumeIntegral<std::uint32_t>());
        case 3: return sdbus::Variant(dbus_string(in.ConsumeRandomLengthString(8)));
        default: return sdbus::Variant(value);
    }
}

// ---- checking results ----------------------------------------------------------------------

// to_raw's tolerance: a millionth of a step (floating-point noise), never more.
bool inside(const SignalDef& sig, double v) {
    const Range r = valid_range(sig);
    const double slack = std::pow(10.0, sig.scale_exp) * 1e-6;
    return std::isfinite(v) && v >= r.min - slack && v <= r.max + slack;
}

// `owner`: the frame or mode the field belongs to.
void check_field(std::string_view owner, const SignalDef& sig, double v, const char* what) {
    const std::string name = qualified_name(owner, sig);
    FUZZ_CHECK(inside(sig, v), "%s accepted %s = %.17g outside %s", what, name.c_str(), v, format_range(sig).c_str());
    const auto raw = to_raw(sig, v, owner);
    FUZZ_CHECK(raw.ok(), "%s accepted %s = %.17g that does not encode: %s", what, name.c_str(), v,
               raw.error().message.c_str());
    const Range r = valid_range(sig);
    const double back = to_engineering(sig, raw.value());
    FUZZ_CHECK(back >= r.min - 1e-9 * std::fabs(r.min) - 1e-12 && back <= r.max + 1e-9 * std::fabs(r.max) + 1e-12,
               "%s: %s = %.17g encodes as %lld = %.17g, outside %s", what, name.c_str(), v,
               static_cast<long long>(raw.value()), back, format_range(sig).c_str());
}

void fuzz_mode(FuzzedDataProvider& in) {
    const std::string mode = name_from(in, kModes, [](const ModeDef& m) { return m.name; });
    const ModeDef* def = find_mode(std::string_view(mode));
    Dict params;
    const int n = in.ConsumeIntegralInRange(0, 5);
    for (int i = 0; i < n; ++i) {
        if (def && !def->params.empty() && in.ConsumeIntegralInRange(0, 4) > 0) {
            const auto& p = def->params[in.ConsumeIntegralInRange<std::size_t>(0, def->params.size() - 1)];
            params[std::string(p.name)] = number(in, p.range, p.scale_exp);
        } else {
            params[random_name(in)] = number(in);
        }
    }
    VarDict options;
    std::map<std::string, bool> given;
    const char* option_names[] = {"stop_first", "start"};
    for (int i = in.ConsumeIntegralInRange(0, 2); i > 0; --i) {
        const std::string name = in.ConsumeBool() ? option_names[in.ConsumeBool()] : random_name(in);
        const bool b = in.ConsumeBool();
        options.insert_or_assign(name, in.ConsumeIntegralInRange(0, 3) > 0 ? sdbus::Variant(b) : scalar(in, b));
        given[name] = b;
    }
    const auto r = dbus::mode_request(mode, params, options);
    if (!r) return;
    FUZZ_CHECK(r->mode == def && def != nullptr, "mode '%s' accepted", mode.c_str());
    FUZZ_CHECK(r->values.size() == def->params.size() && params.size() == def->params.size(),
               "mode %s: %zu values of %zu parameters accepted", mode.c_str(), params.size(), def->params.size());
    for (std::size_t i = 0; i < def->params.size(); ++i) {
        const double v = r->values[i];
        FUZZ_CHECK(v == params.at(std::string(def->params[i].name)), "mode %s: parameter %zu reordered", mode.c_str(), i);
        check_field(mode, mode_param_signal(def->params[i]), v, "SetMode");
        FUZZ_CHECK(mode_param_to_raw(*def, i, v).ok(), "SetMode accepted %s.%s = %.17g", mode.c_str(),
                   std::string(def->params[i].name).c_str(), v);
    }
    FUZZ_CHECK(r->options.stop_first == (given.count("stop_first") && given["stop_first"]) &&
                   r->options.start == (given.count("start") && given["start"]),
               "SetMode options changed");
}

void fuzz_setting(FuzzedDataProvider& in) {
    const std::string name = name_from(in, kSettings, [](const SettingDef& s) { return s.name; });
    const SettingDef* def = find_setting(std::string_view(name));
    const FrameDef* frame = def && def->write_pf ? find_frame(def->write_pf) : nullptr;
    // Field names and ranges of the setting's own frame when there is one.
    auto field = [&](double& v) -> std::string {
        if (frame && in.ConsumeIntegralInRange(0, 4) > 0) {
            const auto& s = frame->signals[in.ConsumeIntegralInRange<std::size_t>(0, frame->signals.size() - 1)];
            v = number(in, valid_range(s), s.scale_exp);
            return std::string(s.name);
        }
        v = number(in);
        return random_name(in);
    };
    sdbus::Variant value;
    const int n = in.ConsumeIntegralInRange(0, 5);
    switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0: {
            Dict d;
            for (int i = 0; i < n; ++i) {
                double v = 0;
                const std::string k = field(v);
                d[k] = v;
            }
            value = sdbus::Variant(d);
            break;
        }
        case 1: {
            VarDict d;
            for (int i = 0; i < n; ++i) {
                double v = 0;
                const std::string k = field(v);
                d.insert_or_assign(k, in.ConsumeIntegralInRange(0, 5) == 0 ? sdbus::Variant(Dict{{k, v}}) : scalar(in, v));
            }
            value = sdbus::Variant(d);
            break;
        }
        default: {
            double v = 0;
            field(v);
            value = scalar(in, v);
        }
    }
    const auto r = dbus::setting_request(name, value);
    if (!r) return;
    FUZZ_CHECK(r->setting == def && frame != nullptr, "setting '%s' accepted", name.c_str());
    FUZZ_CHECK(r->values.size() == frame->signals.size(), "setting %s: %zu of %zu fields accepted", name.c_str(),
               r->values.size(), frame->signals.size());
    for (const auto& sig : frame->signals) {
        const auto it = r->values.find(sig.name);
        FUZZ_CHECK(it != r->values.end(), "setting %s accepted without %s", name.c_str(), std::string(sig.name).c_str());
        check_field(frame->name, sig, it->second, "WriteSetting");
    }
    FUZZ_CHECK(encode_named(*frame, 1, r->values).ok(), "WriteSetting accepted %s, which does not encode", name.c_str());
}

void fuzz_protection(FuzzedDataProvider& in) {
    std::vector<const SignalDef*> fields;
    for (const auto& set : kProtectionSets)
        for (const auto& s : find_frame(set.write_pf)->signals) fields.push_back(&s);
    Dict limits;
    for (int i = in.ConsumeIntegralInRange(0, 6); i > 0; --i) {
        const SignalDef* s = fields[in.ConsumeIntegralInRange<std::size_t>(0, fields.size() - 1)];
        switch (in.ConsumeIntegralInRange(0, 5)) {
            case 0: limits[random_name(in)] = number(in); break;
            case 1: limits[std::string(s->name) + "_"] = number(in, valid_range(*s), s->scale_exp); break;
            default: limits[std::string(s->name)] = number(in, valid_range(*s), s->scale_exp);
        }
    }
    const auto r = dbus::protection_request(limits);
    if (!r) return;
    FUZZ_CHECK(!limits.empty() && r.value() == limits, "SetProtectionLimits changed or accepted nothing");
    for (const auto& [name, v] : limits) {
        const auto where = engine::find_limit_field(name);
        FUZZ_CHECK(where.has_value(), "SetProtectionLimits accepted '%s'", name.c_str());
        const FrameDef& write = *find_frame(kProtectionSets[where->set - 1].write_pf);
        check_field(write.name, write.signals[where->index], v, "SetProtectionLimits");
    }
}

void fuzz_clock(FuzzedDataProvider& in) {
    // Around the frame's year range 2000–2099 as often as anywhere.
    const std::uint64_t edges[] = {0, 946'684'800'000'000ULL, 4'102'444'800'000'000ULL};
    std::uint64_t micros = in.ConsumeIntegral<std::uint64_t>();
    if (in.ConsumeBool())  // within a day of an edge (below 0 wraps to the top of the range)
        micros = edges[in.ConsumeIntegralInRange(0, 2)] + micros % 172'800'000'000ULL - 86'400'000'000ULL;
    const runtime::WallTime now{std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::nanoseconds(in.ConsumeIntegral<std::int64_t>()))};
    const auto r = dbus::clock_request(micros, now);
    if (!r) return;
    const auto& c = r.value();
    FUZZ_CHECK(c.year >= 2000 && c.year <= 2099 && c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31 &&
                   c.hour >= 0 && c.hour <= 23 && c.minute >= 0 && c.minute <= 59 && c.second >= 0 && c.second <= 59,
               "SetClock(%llu) accepted %04d-%02d-%02d %02d:%02d:%02d", static_cast<unsigned long long>(micros), c.year,
               c.month, c.day, c.hour, c.minute, c.second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    for (int calls = 0; calls < 8 && in.remaining_bytes() > 0; ++calls) {
        switch (in.ConsumeIntegralInRange(0, 3)) {
            case 0: fuzz_mode(in); break;
            case 1: fuzz_setting(in); break;
            case 2: fuzz_protection(in); break;
            default: fuzz_clock(in); break;
        }
    }
    return 0;
}
