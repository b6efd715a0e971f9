// Turning what the daemon returns into text people read and JSON scripts read.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <sdbus-c++/Types.h>

namespace ystpcs::ctl {

using json = nlohmann::ordered_json;
using Properties = std::map<std::string, sdbus::Variant>;

json to_json(const sdbus::Variant& v);
json to_json(const Properties& props);

// Typed reads of a property map; NaN / 0 / "" when absent.
double number(const Properties& p, const std::string& name);
std::string text(const Properties& p, const std::string& name);
bool flag(const Properties& p, const std::string& name);

// "655.2" with `decimals`, "—" for NaN.
std::string fixed(double v, int decimals);
std::string with_unit(double v, int decimals, const std::string& unit);

// "2026-11-30T03:12:01.250Z": ISO 8601, UTC, milliseconds; the one time format of pcsctl's
// logs and JSON events.
std::string iso_utc(std::chrono::system_clock::time_point t);
inline std::string iso_utc_now() { return iso_utc(std::chrono::system_clock::now()); }

// A CSV cell: quoted when it holds a comma, a quote or a newline.
std::string csv_cell(const std::string& s);
// A command-line number of seconds > 0; `what` names the option in the error ("log -i").
double positive_seconds(const std::string& text, const char* what);

// The unit of a value property, from the protocol table ("" if none).
std::string unit_of(const std::string& property);
int decimals_of(const std::string& property);

}  // namespace ystpcs::ctl
