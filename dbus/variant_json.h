// Values of the ystpcs D-Bus API as JSON, for its clients (pcsctl --json, ystpcs-bridge):
// NaN and infinite doubles are null (JSON has neither); Manager.Interfaces' a(ssa{st}) is a
// list of {"name", "state", "counters"}; a profile run's loops and steps lists of objects; a type the API does not use shows as "(signature)".
// `Json` is nlohmann::json or nlohmann::ordered_json.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/Types.h>

namespace ystpcs::dbus {

template <class Json>
Json variant_to_json(const sdbus::Variant& v) {
    const std::string t = v.peekValueType();
    const auto number = [](double d) { return std::isfinite(d) ? Json(d) : Json(nullptr); };
    if (t == "d") return number(v.get<double>());
    if (t == "b") return v.get<bool>();
    if (t == "y") return v.get<std::uint8_t>();
    if (t == "n") return v.get<std::int16_t>();
    if (t == "q") return v.get<std::uint16_t>();
    if (t == "i") return v.get<std::int32_t>();
    if (t == "u") return v.get<std::uint32_t>();
    if (t == "x") return v.get<std::int64_t>();
    if (t == "t") return v.get<std::uint64_t>();
    if (t == "s") return v.get<std::string>();
    if (t == "o") return std::string(v.get<sdbus::ObjectPath>());  // get<std::string> fails on a path (ENXIO)
    if (t == "a{sd}") {
        Json o = Json::object();
        for (const auto& [k, d] : v.get<std::map<std::string, double>>()) o[k] = number(d);
        return o;
    }
    if (t == "a{st}") {
        Json o = Json::object();
        for (const auto& [k, n] : v.get<std::map<std::string, std::uint64_t>>()) o[k] = n;
        return o;
    }
    if (t == "a{sv}") {
        Json o = Json::object();
        for (const auto& [k, x] : v.get<std::map<std::string, sdbus::Variant>>()) o[k] = variant_to_json<Json>(x);
        return o;
    }
    if (t == "ao" || t == "as") {
        Json a = Json::array();
        if (t == "as")
            for (const auto& s : v.get<std::vector<std::string>>()) a.push_back(s);
        else
            for (const auto& p : v.get<std::vector<sdbus::ObjectPath>>()) a.push_back(std::string(p));
        return a;
    }
    if (t == "a(ssa{st})") {
        Json a = Json::array();
        for (const auto& s : v.get<std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, std::uint64_t>>>>()) {
            Json i = Json::object();
            i["name"] = std::get<0>(s);
            i["state"] = std::get<1>(s);
            i["counters"] = std::get<2>(s);
            a.push_back(std::move(i));
        }
        return a;
    }
    // A profile run's loops and finished steps (org.ystpcs.pcs1.Profile).
    if (t == "a(sxx)") {
        Json a = Json::array();
        for (const auto& l : v.get<std::vector<sdbus::Struct<std::string, std::int64_t, std::int64_t>>>()) {
            Json i = Json::object();
            i["label"] = std::get<0>(l);
            i["iteration"] = std::get<1>(l);
            i["count"] = std::get<2>(l);
            a.push_back(std::move(i));
        }
        return a;
    }
    if (t == "a(tsssddd)") {
        Json a = Json::array();
        for (const auto& r :
             v.get<std::vector<sdbus::Struct<std::uint64_t, std::string, std::string, std::string, double, double, double>>>()) {
            Json i = Json::object();
            i["step_count"] = std::get<0>(r);
            i["where"] = std::get<1>(r);
            i["label"] = std::get<2>(r);
            i["end_reason"] = std::get<3>(r);
            i["duration_s"] = number(std::get<4>(r));
            i["ah"] = number(std::get<5>(r));
            i["wh"] = number(std::get<6>(r));
            a.push_back(std::move(i));
        }
        return a;
    }
    return "(" + t + ")";
}

}  // namespace ystpcs::dbus
