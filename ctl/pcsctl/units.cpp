#include "pcsctl/units.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace ystpcs::ctl {

namespace {

std::string lower(std::string_view s) {
    std::string out;
    for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Spellings of a unit after the prefix.
bool unit_matches(const std::string& suffix, std::string_view unit) {
    const std::string u = lower(unit);
    if (suffix == u) return true;
    if (unit == "Ω") return suffix == "ohm" || suffix == "ohms" || suffix == "\xce\xa9" /* Ω */;
    if (unit == "%") return suffix == "pct";
    return false;
}

}  // namespace

Result<double> parse_quantity(std::string_view text, std::string_view unit, std::string_view what) {
    const std::string original(text);
    auto bad = [&](const std::string& why) {
        return make_error(ErrorKind::invalid_argument, std::string(what) + ": '" + original + "' " + why);
    };
    if (text.empty()) return bad("is empty");
    const std::string s(text);
    char* end = nullptr;
    const double number = std::strtod(s.c_str(), &end);
    if (end == s.c_str()) return bad("is not a number");
    if (!std::isfinite(number)) return bad("is not a finite number");
    std::string suffix(end);
    while (!suffix.empty() && suffix.front() == ' ') suffix.erase(0, 1);
    if (suffix.empty()) return number;
    const std::string plain = lower(suffix);
    if (unit_matches(plain, unit)) return number;
    // A prefix: m (milli, case-sensitive: M is mega), k, M.
    if (suffix.size() > 1) {
        const char p = suffix[0];
        const std::string rest = lower(suffix.substr(1));
        const double factor = p == 'm' ? 1e-3 : (p == 'k' || p == 'K') ? 1e3 : p == 'M' ? 1e6 : 0;
        if (factor != 0 && unit_matches(rest, unit)) return number * factor;
    }
    if (unit.empty()) return bad("takes no unit");
    return bad("has a unit that is not " + std::string(unit) + " (e.g. 12" + std::string(unit) + ", 1.5k" +
               std::string(unit) + ")");
}

}  // namespace ystpcs::ctl
