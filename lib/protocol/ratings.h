// Appendix D: module ratings (user manual §7). The simulator models these modules; the
// ratings also give sensible default protection limits.
#pragma once

#include <string_view>

namespace ystpcs::protocol {

struct ModuleRating {
    std::string_view model;
    double rated_power_kw;
    double dc_rated_voltage_v;
    double dc_voltage_min_v;   // DC voltage range
    double dc_voltage_max_v;
    double dc_current_max_a;   // DC current range is ±this
    double ac_current_a;
};

// PMA030's DC range is 50–950 V (10–450 V optional); AC for all: 3P+N+PE 380 V ±15 %,
// 50/60 Hz, power factor adjustable ±1.
inline constexpr ModuleRating kModuleRatings[] = {
    {"PMA030", 30, 300, 50, 950, 100, 45},
    {"PMA060", 60, 750, 680, 1000, 88, 92},
    {"PMA075", 75, 800, 680, 1000, 110, 115},
    {"PMA120", 120, 800, 680, 1000, 176, 183},
};

constexpr const ModuleRating* find_module_rating(std::string_view model) {
    for (const auto& r : kModuleRatings)
        if (r.model == model) return &r;
    return nullptr;
}

}  // namespace ystpcs::protocol
