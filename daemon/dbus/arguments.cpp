#include "daemon/dbus/arguments.h"

#include <cmath>
#include <ctime>
#include <limits>

#include "daemon/dbus/variants.h"

namespace ystpcs::dbus {

using namespace protocol;

namespace {

Error invalid(std::string message) { return make_error(ErrorKind::invalid_argument, std::move(message)); }

std::string mode_names() {
    std::string out;
    for (const auto& m : kModes) out += (out.empty() ? "" : ", ") + std::string(m.name);
    return out;
}

std::string param_names(const ModeDef& m) {
    std::string out;
    for (const auto& p : m.params) out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out.empty() ? "no parameters" : out;
}

std::string setting_names() {
    std::string out;
    for (const auto& s : kSettings) out += (out.empty() ? "" : ", ") + std::string(s.name);
    return out;
}

}  // namespace

Result<ModeRequest> mode_request(const std::string& mode, const std::map<std::string, double>& params,
                                 const std::map<std::string, sdbus::Variant>& options) {
    ModeRequest out;
    out.mode = find_mode(std::string_view(mode));
    if (out.mode == nullptr) return invalid("unknown working mode '" + mode + "' (known: " + mode_names() + ")");
    const ModeDef& def = *out.mode;
    for (std::size_t i = 0; i < def.params.size(); ++i) {
        const auto it = params.find(std::string(def.params[i].name));
        if (it == params.end())
            return invalid("mode " + mode + " needs parameter " + std::string(def.params[i].name) + " (" +
                           param_names(def) + ")");
        // The mode's own range, checked here too: the caller hears the first wrong value.
        if (auto raw = mode_param_to_raw(def, i, it->second); !raw) return raw.error();
        out.values.push_back(it->second);
    }
    for (const auto& [name, value] : params) {
        bool known = false;
        for (const auto& p : def.params) known = known || p.name == name;
        if (!known) return invalid("mode " + mode + " has no parameter '" + name + "' (" + param_names(def) + ")");
    }
    for (const auto& [name, value] : options) {
        if (value.peekValueType() != "b") return invalid("option " + name + " must be a boolean");
        if (name == "stop_first") out.options.stop_first = value.get<bool>();
        else if (name == "start") out.options.start = value.get<bool>();
        else return invalid("unknown option '" + name + "' (stop_first, start)");
    }
    return out;
}

Result<SettingRequest> setting_request(const std::string& name, const sdbus::Variant& value) {
    SettingRequest out;
    out.setting = find_setting(std::string_view(name));
    if (out.setting == nullptr) return invalid("unknown setting '" + name + "' (known: " + setting_names() + ")");
    if (out.setting->write_pf == 0) return invalid("setting " + name + " is read-only");
    const FrameDef& frame = *find_frame(out.setting->write_pf);
    const std::string type = value.peekValueType();
    if (type == "a{sd}") {
        for (const auto& [k, v] : value.get<std::map<std::string, double>>()) out.values[k] = v;
    } else if (type == "a{sv}") {
        for (const auto& [k, v] : value.get<std::map<std::string, sdbus::Variant>>()) {
            const auto n = number_of(v);
            if (!n) return invalid("setting " + name + ": field " + k + " must be a number or boolean");
            out.values[k] = *n;
        }
    } else if (const auto n = number_of(value)) {
        if (frame.signals.size() != 1)
            return invalid("setting " + name + " has several fields (" + field_list(frame) + "): pass a dictionary");
        out.values[std::string(frame.signals[0].name)] = *n;
    } else {
        return invalid("setting " + name + ": value must be a{sd}, a{sv} or a number, not '" + type + "'");
    }
    // Every field named, known and in range (the engine encodes the same way).
    if (auto encoded = encode_named(frame, 1, out.values); !encoded) return encoded.error();
    return out;
}

Result<std::map<std::string, double>> protection_request(const std::map<std::string, double>& limits) {
    if (auto ok = engine::validate_protection_changes(limits); !ok) return ok.error();
    return limits;
}

Result<engine::ClockTime> clock_request(std::uint64_t micros, runtime::WallTime now) {
    std::time_t t = 0;
    if (micros == 0) {
        t = std::chrono::system_clock::to_time_t(now);
    } else {
        const std::uint64_t s = micros / 1'000'000;
        if (s > static_cast<std::uint64_t>(std::numeric_limits<std::time_t>::max()))
            return make_error(ErrorKind::out_of_range, "time = " + std::to_string(micros) + " µs is not a time");
        t = static_cast<std::time_t>(s);
    }
    std::tm local{};
    if (localtime_r(&t, &local) == nullptr)
        return make_error(ErrorKind::out_of_range, "time = " + std::to_string(micros) +
                                                       " µs since 1970 is beyond what the calendar can name");
    engine::ClockTime c{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min,
                        std::min(local.tm_sec, 59)};
    // The frame's own fields and ranges decide (the year's above all).
    const double values[] = {double(c.year), double(c.month), double(c.day), double(c.hour), double(c.minute),
                             double(c.second)};
    if (auto frame = encode(pf::set_clock, 1, values); !frame) return frame.error();
    return c;
}

Result<engine::ExternalDataPolicy> external_data_request(const std::string& source,
                                                         const std::map<std::string, sdbus::Variant>& options,
                                                         engine::ExternalDataPolicy current) {
    using engine::ExternalDataSource;
    const auto s = engine::parse_external_data_source(source);
    if (!s) return invalid("unknown external-data source '" + source + "' (zero, mirror, client)");
    current.source = *s;
    for (const auto& [name, value] : options) {
        if (name == "fallback") {
            if (value.peekValueType() != "s") return invalid("option fallback must be a string (zero, mirror)");
            const auto f = engine::parse_external_data_source(value.get<std::string>());
            if (!f || *f == ExternalDataSource::client)
                return invalid("option fallback must be zero or mirror, not '" + value.get<std::string>() + "'");
            current.fallback = *f;
        } else if (name == "max_age_s") {
            const auto v = number_of(value);
            if (!v || !std::isfinite(*v)) return invalid("option max_age_s must be a number of seconds");
            auto age = engine::external_data_age(*v);
            if (!age) return age.error();
            current.max_age = age.value();
        } else {
            return invalid("unknown option '" + name + "' (fallback, max_age_s)");
        }
    }
    if (auto ok = engine::check_policy(current); !ok) return ok.error();
    return current;
}

}  // namespace ystpcs::dbus
