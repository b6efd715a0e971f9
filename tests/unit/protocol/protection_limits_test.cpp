#include <doctest/doctest.h>

#include "protocol/protection_limits.h"

using namespace ystpcs;
using namespace ystpcs::protocol;

namespace {
ProtectionLimits limits() {
    ProtectionLimits l;
    l.set1 = ProtectionSet1{750.0, 500.0, 150.0, 100.0};
    l.set2 = ProtectionSet2{90.0, 60.0, 264.0, 176.0};
    l.set3 = ProtectionSet3{55.0, 45.0, 55.0, 45.0};
    return l;
}
}  // namespace

TEST_CASE("set-points inside the protection limits pass, outside fail with the limits named") {
    const auto l = limits();
    const ModeDef& cc = *find_mode("cc");
    CHECK(check_setpoint(cc, 0, -150.0, l).ok());
    CHECK(check_setpoint(cc, 0, 100.0, l).ok());
    const auto charge = check_setpoint(cc, 0, -150.5, l);
    REQUIRE_FALSE(charge.ok());
    CHECK(charge.error().kind == ErrorKind::out_of_range);
    CHECK(charge.error().message == "cc.current_a = -150.5 A is outside the module's protection limits -150 … 100 A "
                                    "(max charge current 150 A, max discharge current 100 A)");
    CHECK_FALSE(check_setpoint(cc, 0, 100.001, l).ok());
    const ModeDef& cv = *find_mode("cv");
    CHECK(check_setpoint(cv, 0, 500.0, l).ok());
    CHECK_FALSE(check_setpoint(cv, 0, 499.999, l).ok());
    CHECK_FALSE(check_setpoint(cv, 0, 750.001, l).ok());
    const ModeDef& cp = *find_mode("cp");
    CHECK(check_setpoint(cp, 0, -90000.0, l).ok());      // W against kW limits
    CHECK_FALSE(check_setpoint(cp, 0, 60001.0, l).ok());
    const ModeDef& limited = *find_mode("cv_limited");
    CHECK(check_setpoint(limited, 1, 150.0, l).ok());    // magnitudes
    CHECK_FALSE(check_setpoint(limited, 2, 101.0, l).ok());
    const ModeDef& off_grid = *find_mode("off_grid");
    CHECK(check_setpoint(off_grid, 0, 230.0, l).ok());
    CHECK_FALSE(check_setpoint(off_grid, 0, 170.0, l).ok());
    CHECK(check_setpoint(off_grid, 1, 50.0, l).ok());
    CHECK_FALSE(check_setpoint(off_grid, 1, 60.0, l).ok());
    // Resistance: the current it draws at the max output voltage (750 V) stays inside the current
    // limits: charging (r < 0) at most 150 A → |r| ≥ 5 Ω; discharging at most 100 A → r ≥ 7.5 Ω.
    const ModeDef& cr = *find_mode("cr");
    CHECK(check_setpoint(cr, 0, -5.0, l).ok());
    CHECK(check_setpoint(cr, 0, 7.5, l).ok());
    const auto low = check_setpoint(cr, 0, -2.5, l);
    REQUIRE_FALSE(low.ok());
    CHECK(low.error().message.find("must be at least 5 Ω") != std::string::npos);
    CHECK_FALSE(check_setpoint(cr, 0, 5.0, l).ok());
    CHECK_FALSE(check_setpoint(cr, 0, 20000.0, l).ok());  // the mode's own range: ±10 kΩ
    // AC power mode: reactive power inside the larger power limit (90 kW).
    const ModeDef& ac = *find_mode("ac_power");
    CHECK(check_setpoint(ac, 1, -90000.0, l).ok());
    CHECK_FALSE(check_setpoint(ac, 1, 95000.0, l).ok());
}

TEST_CASE("the mode's own definition comes first; unknown sets are reported") {
    const ModeDef& cv = *find_mode("cv");
    const auto def = check_setpoint(cv, 0, 1200.0, limits());
    REQUIRE_FALSE(def.ok());
    CHECK(def.error().message.find("allowed range 0.000 … 1000.000 V") != std::string::npos);
    ProtectionLimits none;
    const auto unknown = check_setpoint(cv, 0, 600.0, none);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().kind == ErrorKind::interlock);
    CHECK(unknown.error().message.find("protection set 1") != std::string::npos);
    CHECK(required_protection_set(LimitRule::signed_power) == 2);
    CHECK(required_protection_set(LimitRule::ac_frequency) == 3);
    CHECK(required_protection_set(LimitRule::none) == 0);
}

TEST_CASE("check_setpoints needs exactly the mode's parameters") {
    const ModeDef& cccv = *find_mode("cccv");
    CHECK(check_setpoints(cccv, {700, -100, -5, 0}, 3, limits()).ok());
    CHECK_FALSE(check_setpoints(cccv, {700, -100, -5, 0}, 2, limits()).ok());
    CHECK_FALSE(check_setpoints(cccv, {800, -100, -5, 0}, 3, limits()).ok());
}

TEST_CASE("cccv: an end current of the opposite sign is refused, saying why") {
    const ModeDef& cccv = *find_mode("cccv");
    const auto r = check_setpoints(cccv, {700, -100, 5, 0}, 3, limits());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_argument);
    CHECK(r.error().message.find("opposite sign") != std::string::npos);
    CHECK(r.error().message.find("(e.g. -5 A)") != std::string::npos);  // the value that would do
    CHECK_FALSE(check_setpoints(cccv, {600, 100, -5, 0}, 3, limits()).ok());
    CHECK(check_setpoints(cccv, {600, 100, 5, 0}, 3, limits()).ok());
    CHECK(check_setpoints(cccv, {700, -100, 0, 0}, 3, limits()).ok());
}

TEST_CASE("per-phase active power: the sum within the power limits") {
    CHECK(check_phase_active_power({20, 20, 20}, limits()).ok());
    CHECK(check_phase_active_power({-30, -30, -30}, limits()).ok());
    CHECK_FALSE(check_phase_active_power({21, 20, 20}, limits()).ok());
    CHECK_FALSE(check_phase_active_power({1, 1, 1}, ProtectionLimits{}).ok());
}

TEST_CASE("protection sets: typed views, consistency") {
    CHECK(check_consistent(ProtectionSet1{700, 500, 1, 1}).ok());
    CHECK_FALSE(check_consistent(ProtectionSet1{400, 500, 1, 1}).ok());
    CHECK_FALSE(check_consistent(ProtectionSet2{1, 1, 170, 180}).ok());
    CHECK_FALSE(check_consistent(ProtectionSet3{55, 45, 44, 45}).ok());
    CanFrame f;
    f.id = from_pcs_id(pf::protection_1, 250);
    f.data = {0x1D, 0x4C, 0x13, 0x88, 0x05, 0xDC, 0x03, 0xE8};  // 750.0 V, 500.0 V, 150.0 A, 100.0 A
    ProtectionLimits l;
    REQUIRE(store_protection_frame(l, decode(f).frame()));
    REQUIRE(l.set1.has_value());
    CHECK(*l.set1 == ProtectionSet1{750.0, 500.0, 150.0, 100.0});
    CHECK_FALSE(l.set2.has_value());
    CHECK(values_of(*l.set1) == std::array<double, 4>{750.0, 500.0, 150.0, 100.0});
}

TEST_CASE("setpoint_limit_text: what check_setpoint enforces, in words; nothing while the set is unknown") {
    const auto l = limits();
    CHECK(*setpoint_limit_text(LimitRule::dc_voltage, l) == "500 … 750 V (min/max output voltage)");
    CHECK(setpoint_limit_text(LimitRule::signed_current, l)->find("-150 … 100 A") == 0);
    CHECK(setpoint_limit_text(LimitRule::resistance, l)->find("|value| ≥ 7.5 Ω discharging, ≥ 5 Ω charging") == 0);
    CHECK_FALSE(setpoint_limit_text(LimitRule::none, l));
    CHECK_FALSE(setpoint_limit_text(LimitRule::dc_voltage, ProtectionLimits{}));
    // Every rule that bounds a parameter of some mode has a name and a text.
    for (const auto& mode : kModes)
        for (const auto& p : mode.params) {
            if (p.limit == LimitRule::none) continue;
            CHECK(!limit_rule_name(p.limit).empty());
            CHECK(setpoint_limit_text(p.limit, l).has_value());
        }
    // The text's bounds are the ones enforced: just inside passes, just outside fails.
    const auto* cc = find_mode("cc");
    CHECK(check_setpoint(*cc, 0, -150.0, l).ok());
    CHECK_FALSE(check_setpoint(*cc, 0, -150.001, l).ok());
    CHECK(check_setpoint(*cc, 0, 100.0, l).ok());
    CHECK_FALSE(check_setpoint(*cc, 0, 100.001, l).ok());
}
