// The simulated PCS's physics in simulated time: working modes, limits, counters,
// temperatures, grid side and measurement noise. No sleeping: every test calls step().
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "sim/plant.h"

using namespace ystpcs;
using namespace ystpcs::protocol;
using namespace ystpcs::sim;

namespace {

using Params = std::array<double, kMaxModeParams>;

constexpr double kDtS = 0.02;

const ModeDef& mode(std::uint8_t code) {
    const ModeDef* m = find_mode(code);
    REQUIRE(m != nullptr);
    return *m;
}

PlantConfig exact_config(double soc, double nominal_voltage_v = 650.0) {
    PlantConfig c;
    c.noise_scale = 0;
    c.battery.nominal_voltage_v = nominal_voltage_v;
    c.battery.capacity_ah = 280.0;
    c.battery.internal_resistance_ohm = 0.05;
    c.battery.initial_soc = soc;
    return c;
}

// Protection limits around a battery's nominal voltage, currents and powers at the PMA120
// rating (as the PCS model's factory defaults).
ProtectionLimits limits_for(double nominal_voltage_v = 650.0) {
    ProtectionLimits l;
    l.set1 = ProtectionSet1{nominal_voltage_v * 1.15, nominal_voltage_v * 0.75, 176.0, 176.0};
    l.set2 = ProtectionSet2{120.0, 120.0, 264.0, 176.0};
    l.set3 = ProtectionSet3{55.0, 45.0, 55, 45};
    return l;
}

// Steps for `duration_s` or until an event; returns the event.
PlantEvent run(Plant& plant, double duration_s, const ProtectionLimits& limits, double dt_s = kDtS) {
    const auto steps = static_cast<long>(std::llround(duration_s / dt_s));
    for (long i = 0; i < steps; ++i) {
        const PlantEvent e = plant.step(dt_s, limits);
        if (e != PlantEvent::none) return e;
    }
    return PlantEvent::none;
}

}  // namespace

TEST_CASE("battery: OCV is monotonic around nominal; terminal voltage drops by I·R; SoC integrates") {
    CHECK(Battery::ocv_ratio(0.0) == doctest::Approx(0.85));
    CHECK(Battery::ocv_ratio(0.5) == doctest::Approx(1.0));
    CHECK(Battery::ocv_ratio(1.0) == doctest::Approx(1.10));
    for (double soc = 0.0; soc < 1.0; soc += 0.01) CHECK(Battery::ocv_ratio(soc + 0.01) > Battery::ocv_ratio(soc));

    BatteryConfig config;
    config.initial_soc = 0.5;
    Battery battery(config);
    CHECK(battery.open_circuit_voltage_v() == doctest::Approx(650.0));
    CHECK(battery.terminal_voltage_v(100.0) == doctest::Approx(645.0));
    CHECK(battery.terminal_voltage_v(-100.0) == doctest::Approx(655.0));
    battery.integrate(28.0, 3600.0);  // 28 Ah out of 280 Ah
    CHECK(battery.soc() == doctest::Approx(0.4));
    battery.set_soc(2.0);
    CHECK(battery.soc() == 1.0);
    battery.integrate(-10.0, 3600.0);  // pushed past full: SoC stays, the voltage climbs
    CHECK(battery.soc() == 1.0);
    CHECK(battery.open_circuit_voltage_v() > 1.15 * 650.0);
    battery.set_soc(-1.0);
    CHECK(battery.soc() == 0.0);
}

TEST_CASE("CC-CV charge: CC, then CV with tapering current, finished at the cut-off; counters match") {
    Plant plant(exact_config(0.6));
    const ProtectionLimits limits = limits_for();
    plant.start(mode(mode_code::cccv), {700.0, -100.0, 5.0, 0.0});

    bool saw_cc = false, saw_cv = false, cv_before_cc = false;
    double cv_start_current_a = 0, previous_current_a = 0, max_cv_voltage_v = 0;
    bool tapering = true;
    double integral_ah = 0, integral_wh = 0;
    std::optional<PlantEvent> event;
    for (long i = 0; i < static_cast<long>(6 * 3600 / kDtS) && !event; ++i) {
        const PlantEvent e = plant.step(kDtS, limits);
        if (e != PlantEvent::none) {
            event = e;
            break;
        }
        integral_ah += std::abs(plant.current_a()) * kDtS / 3600.0;
        integral_wh += std::abs(plant.terminal_voltage_v() * plant.current_a()) * kDtS / 3600.0;
        if (plant.regulation() == Regulation::constant_current) {
            saw_cc = true;
            cv_before_cc = cv_before_cc || saw_cv;
        } else if (plant.regulation() == Regulation::constant_voltage) {
            if (!saw_cv) cv_start_current_a = plant.current_a();
            else if (std::abs(plant.current_a()) > std::abs(previous_current_a) + 1e-6) tapering = false;
            saw_cv = true;
            max_cv_voltage_v = std::max(max_cv_voltage_v, plant.terminal_voltage_v());
        }
        previous_current_a = plant.current_a();
    }
    REQUIRE(event.has_value());
    CHECK(*event == PlantEvent::finished);
    CHECK(saw_cc);
    CHECK(saw_cv);
    CHECK_FALSE(cv_before_cc);
    CHECK(tapering);
    CHECK(cv_start_current_a == doctest::Approx(-100.0).epsilon(0.02));
    CHECK(max_cv_voltage_v <= 700.0 + 1e-6);
    // It stopped at the cut-off: the last running current was just above 5 A in magnitude.
    CHECK(std::abs(previous_current_a) <= 5.05);
    CHECK(std::abs(previous_current_a) > 5.0 - 1e-9);
    CHECK_FALSE(plant.running());
    CHECK(plant.regulation() == Regulation::off);
    CHECK(plant.current_a() == 0.0);
    CHECK(plant.terminal_voltage_v() < 700.0);
    CHECK(plant.soc() > 0.9);

    const Measurements m = plant.measure();
    CHECK(m.capacity_ah == doctest::Approx(integral_ah).epsilon(0.01));
    CHECK(m.energy_wh == doctest::Approx(integral_wh).epsilon(0.01));
    CHECK(m.capacity_ah > 80.0);  // from 60 % to over 90 % of 280 Ah
}

// Seen in the demo: a CC-CV whose CC current alone would lift the voltage past the target
// (its I·R drop is larger than the way to go) started in CV with the current still at 0 and
// "finished" within 200 ms with 0 Ah. It must taper, whatever the current.
TEST_CASE("CC-CV that starts in CV (the CC current's drop is above the target) tapers to its end current") {
    for (const double cc_a : {-10.0, -50.0, -100.0, -176.0, 50.0, 150.0}) {
        CAPTURE(cc_a);
        PlantConfig config = exact_config(0.6);
        config.battery.capacity_ah = 20.0;  // a quick taper
        Plant plant(config);
        const ProtectionLimits limits = limits_for();
        const double drop_v = std::abs(cc_a) * config.battery.internal_resistance_ohm;
        // The target a quarter of the CC drop away from the OCV: the loop asks |cc|/4 at first.
        const double target_v = plant.open_circuit_voltage_v() + (cc_a < 0 ? 0.25 : -0.25) * drop_v;
        const double end_a = cc_a / 20.0;
        plant.start(mode(mode_code::cccv), {target_v, cc_a, end_a, 0.0});

        double peak_a = 0, last_a = 0, max_beyond_v = 0, elapsed_s = 0;
        bool tapering = true;
        std::optional<PlantEvent> event;
        while (elapsed_s < 6 * 3600 && !event) {
            const PlantEvent e = plant.step(kDtS, limits);
            elapsed_s += kDtS;
            if (e != PlantEvent::none) {
                event = e;
                break;
            }
            CHECK(plant.regulation() == Regulation::constant_voltage);
            const double a = std::abs(plant.current_a());
            if (a < peak_a - 1e-9 && a > std::abs(last_a) + 1e-6) tapering = false;  // rose again after falling
            peak_a = std::max(peak_a, a);
            last_a = plant.current_a();
            max_beyond_v = std::max(max_beyond_v, cc_a < 0 ? plant.terminal_voltage_v() - target_v
                                                           : target_v - plant.terminal_voltage_v());
        }
        REQUIRE(event.has_value());
        CHECK(*event == PlantEvent::finished);
        CHECK(elapsed_s > 10.0);                                        // not within 200 ms
        CHECK(peak_a == doctest::Approx(std::abs(cc_a) / 4).epsilon(0.05));  // it did deliver the CV current
        CHECK(tapering);
        CHECK(std::abs(last_a) <= std::abs(end_a) + 0.05);              // ended at the end current
        CHECK(std::abs(last_a) > std::abs(end_a) - 0.05);
        CHECK(max_beyond_v <= 1e-6);                                    // never past the target
        CHECK(plant.measure().capacity_ah > 0.01);                     // not 0 Ah
    }
}

TEST_CASE("CC-CV into a battery already at the target ends at once: nothing to charge") {
    Plant plant(exact_config(0.6));
    plant.start(mode(mode_code::cccv), {plant.open_circuit_voltage_v() - 1.0, -100.0, -5.0, 0.0});
    CHECK(run(plant, 1.0, limits_for()) == PlantEvent::finished);
    CHECK(plant.measure().capacity_ah < 0.001);
}

TEST_CASE("CC discharge lowers the SoC by I·t/capacity") {
    Plant plant(exact_config(0.6));
    plant.start(mode(mode_code::cc), {100.0, 0, 0, 0});
    CHECK(plant.regulation() == Regulation::constant_current);
    REQUIRE(run(plant, 1800.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(100.0));
    CHECK(plant.soc() == doctest::Approx(0.6 - 100.0 * 0.5 / 280.0).epsilon(0.001));
    const Measurements m = plant.measure();
    CHECK(m.capacity_ah == doctest::Approx(50.0).epsilon(0.001));
    // A new start resets the counters.
    plant.start(mode(mode_code::cc), {100.0, 0, 0, 0});
    CHECK(plant.measure().capacity_ah == 0.0);
    CHECK(plant.measure().energy_wh == 0.0);
}

TEST_CASE("set-point change while running") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::cc), {50.0, 0, 0, 0});
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(50.0).epsilon(0.001));
    plant.update_params({-80.0, 0, 0, 0});
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(-80.0).epsilon(0.001));
}

TEST_CASE("CV holds the voltage and limits (never trips) its current") {
    const ProtectionLimits limits = limits_for();
    SUBCASE("discharging") {
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cv), {645.0, 0, 0, 0});
        CHECK(plant.regulation() == Regulation::constant_voltage);
        REQUIRE(run(plant, 5.0, limits) == PlantEvent::none);
        for (int i = 0; i < 10; ++i) {
            REQUIRE(run(plant, 60.0, limits) == PlantEvent::none);
            CHECK(plant.terminal_voltage_v() == doctest::Approx(645.0).epsilon(0.0002));
            CHECK(plant.current_a() > 0.0);
        }
    }
    SUBCASE("charging") {
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cv), {655.0, 0, 0, 0});
        REQUIRE(run(plant, 60.0, limits) == PlantEvent::none);
        CHECK(plant.terminal_voltage_v() == doctest::Approx(655.0).epsilon(0.0002));
        CHECK(plant.current_a() < 0.0);
    }
    SUBCASE("a far set-point is limited by the protection current limit") {
        ProtectionLimits tight = limits;
        tight.set1->max_discharge_current_a = 80.0;
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cv), {600.0, 0, 0, 0});
        REQUIRE(run(plant, 60.0, tight) == PlantEvent::none);
        CHECK(plant.current_a() == doctest::Approx(80.0).epsilon(0.001));
        CHECK(plant.terminal_voltage_v() > 600.0);
    }
    SUBCASE("a far set-point is limited by the protection power limit") {
        ProtectionLimits tight = limits;
        tight.set2->max_charge_power_kw = 30.0;
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cv), {720.0, 0, 0, 0});
        REQUIRE(run(plant, 60.0, tight) == PlantEvent::none);
        CHECK(plant.terminal_voltage_v() * plant.current_a() == doctest::Approx(-30000.0).epsilon(0.001));
    }
    SUBCASE("with current limits (0x08)") {
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cv_limited), {680.0, 40.0, 60.0, 0});
        REQUIRE(run(plant, 10.0, limits) == PlantEvent::none);
        CHECK(plant.current_a() == doctest::Approx(-40.0).epsilon(0.001));
        plant.update_params({620.0, 40.0, 60.0, 0});
        REQUIRE(run(plant, 10.0, limits) == PlantEvent::none);
        CHECK(plant.current_a() == doctest::Approx(60.0).epsilon(0.001));
    }
}

TEST_CASE("CP holds the power within 1 %") {
    for (const double power_w : {50'000.0, -50'000.0}) {
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cp), {power_w, 0, 0, 0});
        REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
        for (int i = 0; i < 10; ++i) {
            REQUIRE(run(plant, 60.0, limits_for()) == PlantEvent::none);
            CHECK(plant.terminal_voltage_v() * plant.current_a() == doctest::Approx(power_w).epsilon(0.01));
        }
        const Measurements m = plant.measure();
        CHECK(m.dc_power_kw == doctest::Approx(power_w / 1000.0).epsilon(0.01));
    }
}

TEST_CASE("CR draws V/R; magnification is a C-rate") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::cr), {6.5, 0, 0, 0});
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() / plant.current_a() == doctest::Approx(6.5).epsilon(0.001));
    plant.start(mode(mode_code::cr), {-10.0, 0, 0, 0});  // negative: charging
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() < 0.0);
    CHECK(plant.terminal_voltage_v() / plant.current_a() == doctest::Approx(-10.0).epsilon(0.001));

    plant.start(mode(mode_code::magnification), {0.25, 0, 0, 0});
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(70.0).epsilon(0.001));
}

TEST_CASE("ramp current reaches its end value at the cycle time and holds it") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::ramp_current), {0.0, -100.0, 10.0, 0});
    REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(-50.0).epsilon(0.03));  // the 100 ms lag: ≈ 1 A behind
    REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(-100.0).epsilon(0.015));
    REQUIRE(run(plant, 10.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(-100.0).epsilon(0.0001));
}

TEST_CASE("ramp power and ramp voltage follow their ramps") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::ramp_power), {10'000.0, 40'000.0, 20.0, 0});
    REQUIRE(run(plant, 30.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() * plant.current_a() == doctest::Approx(40'000.0).epsilon(0.01));

    plant.set_soc(0.5);
    plant.start(mode(mode_code::ramp_voltage), {650.0, 656.0, 20.0, 0});
    CHECK(plant.regulation() == Regulation::constant_voltage);
    REQUIRE(run(plant, 10.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() == doctest::Approx(653.0).epsilon(0.001));
    REQUIRE(run(plant, 15.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() == doctest::Approx(656.0).epsilon(0.0002));
}

TEST_CASE("pulse current alternates with the duty") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::pulse_current), {50.0, -50.0, 10.0, 30.0});
    double time_s = 0, high_s = 0;
    for (int period = 0; period < 10; ++period) {
        for (int i = 0; i < static_cast<int>(10.0 / kDtS); ++i) {
            REQUIRE(plant.step(kDtS, limits_for()) == PlantEvent::none);
            time_s += kDtS;
            if (plant.current_a() > 0) high_s += kDtS;
            const double in_period_s = std::fmod(time_s, 10.0);
            if (std::abs(in_period_s - 2.0) < kDtS / 2) CHECK(plant.current_a() == doctest::Approx(50.0).epsilon(0.001));
            if (std::abs(in_period_s - 6.0) < kDtS / 2)
                CHECK(plant.current_a() == doctest::Approx(-50.0).epsilon(0.001));
        }
    }
    CHECK(high_s / time_s == doctest::Approx(0.30).epsilon(0.02));
}

TEST_CASE("pulse power, pulse resistance and pulse voltage switch between their values") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::pulse_power), {20'000.0, -20'000.0, 4.0, 50.0});
    REQUIRE(run(plant, 1.5, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() * plant.current_a() == doctest::Approx(20'000.0).epsilon(0.01));
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() * plant.current_a() == doctest::Approx(-20'000.0).epsilon(0.01));

    plant.start(mode(mode_code::pulse_resistance), {10.0, 20.0, 4.0, 50.0});
    REQUIRE(run(plant, 1.5, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() / plant.current_a() == doctest::Approx(10.0).epsilon(0.001));
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() / plant.current_a() == doctest::Approx(20.0).epsilon(0.001));

    plant.start(mode(mode_code::pulse_voltage), {648.0, 652.0, 4.0, 50.0});
    CHECK(plant.regulation() == Regulation::constant_voltage);
    REQUIRE(run(plant, 1.5, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() == doctest::Approx(648.0).epsilon(0.0002));
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.terminal_voltage_v() == doctest::Approx(652.0).epsilon(0.0002));
}

TEST_CASE("internal-resistance test: rest, current, rest, finished") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::dcr_test), {100.0, 1.0, 2.0, 1.0});
    REQUIRE(run(plant, 0.5, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == 0.0);
    const double rest_voltage_v = plant.terminal_voltage_v();
    REQUIRE(run(plant, 2.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() == doctest::Approx(100.0).epsilon(0.001));
    // ΔV/ΔI gives the battery's resistance back.
    CHECK((rest_voltage_v - plant.terminal_voltage_v()) / plant.current_a() == doctest::Approx(0.05).epsilon(0.01));
    REQUIRE(run(plant, 1.0, limits_for()) == PlantEvent::none);
    CHECK(std::abs(plant.current_a()) < 1.0);
    CHECK(run(plant, 1.0, limits_for()) == PlantEvent::finished);
    CHECK_FALSE(plant.running());
}

TEST_CASE("CC charging into a full battery trips over-voltage") {
    Plant plant(exact_config(0.98));
    plant.start(mode(mode_code::cc), {-150.0, 0, 0, 0});
    CHECK(run(plant, 2 * 3600.0, limits_for()) == PlantEvent::over_voltage);
    CHECK_FALSE(plant.running());
    CHECK(plant.current_a() == 0.0);
    CHECK(plant.regulation() == Regulation::off);
}

TEST_CASE("discharging an empty battery trips under-voltage") {
    Plant plant(exact_config(0.01));
    plant.start(mode(mode_code::cc), {150.0, 0, 0, 0});
    CHECK(run(plant, 2 * 3600.0, limits_for()) == PlantEvent::under_voltage);
    CHECK_FALSE(plant.running());
    CHECK(plant.current_a() == 0.0);
}

TEST_CASE("over-current: never from a CC set-point inside the limits, always from one outside") {
    ProtectionLimits limits = limits_for();
    limits.set1->max_charge_current_a = 120.0;
    limits.set1->max_discharge_current_a = 150.0;
    for (const double current_a : {-120.0, 150.0}) {
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::cc), {current_a, 0, 0, 0});
        CHECK(run(plant, 120.0, limits, 0.001) == PlantEvent::none);
        CHECK(plant.current_a() == doctest::Approx(current_a));
    }
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::cc), {160.0, 0, 0, 0});
    CHECK(run(plant, 10.0, limits) == PlantEvent::over_current);
    CHECK_FALSE(plant.running());
}

TEST_CASE("over-power from a set-point above the power limit; the rating caps without tripping") {
    ProtectionLimits limits = limits_for();
    limits.set2->max_discharge_power_kw = 50.0;
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::cp), {60'000.0, 0, 0, 0});
    CHECK(run(plant, 10.0, limits) == PlantEvent::over_power);

    // 200 A is above the PMA120's 176 A: the module delivers its rating.
    Plant capped(exact_config(0.5));
    capped.start(mode(mode_code::cc), {200.0, 0, 0, 0});
    CHECK(run(capped, 10.0, ProtectionLimits{}) == PlantEvent::none);
    CHECK(capped.current_a() == doctest::Approx(176.0));
}

TEST_CASE("missing protection sets skip their checks") {
    Plant plant(exact_config(0.98));
    plant.start(mode(mode_code::cc), {-150.0, 0, 0, 0});
    CHECK(run(plant, 600.0, ProtectionLimits{}) == PlantEvent::none);
    CHECK(plant.running());
}

TEST_CASE("temperatures rise with power and relax after stop") {
    Plant plant(exact_config(0.5, 800.0));
    const ProtectionLimits limits = limits_for(800.0);
    Measurements m = plant.measure();
    CHECK(m.inlet_temperature_c == doctest::Approx(25.0));
    CHECK(m.outlet_temperature_c == doctest::Approx(25.0));

    plant.start(mode(mode_code::cp), {120'000.0, 0, 0, 0});
    REQUIRE(run(plant, 30.0, limits) == PlantEvent::none);
    const double after_30s_c = plant.measure().outlet_temperature_c;
    CHECK(after_30s_c > 35.0);
    REQUIRE(run(plant, 600.0, limits) == PlantEvent::none);
    m = plant.measure();
    CHECK(m.outlet_temperature_c > after_30s_c);
    CHECK(m.outlet_temperature_c == doctest::Approx(55.0).epsilon(0.02));  // well below 90 °C
    CHECK(m.inlet_temperature_c > 25.0);
    CHECK(m.inlet_temperature_c < m.outlet_temperature_c);
    CHECK(m.inlet_temperature_c < 30.0);

    plant.stop();
    REQUIRE(run(plant, 300.0, limits) == PlantEvent::none);
    m = plant.measure();
    CHECK(m.outlet_temperature_c < 26.0);
    CHECK(m.inlet_temperature_c < 25.5);
}

TEST_CASE("a hot ambient trips over-temperature") {
    PlantConfig config = exact_config(0.5, 800.0);
    config.ambient_c = 70.0;
    Plant plant(config);
    plant.start(mode(mode_code::cp), {120'000.0, 0, 0, 0});
    CHECK(run(plant, 600.0, limits_for(800.0)) == PlantEvent::over_temperature);
}

TEST_CASE("AC constant power: the DC side carries P/η discharging and P·η charging") {
    for (const double power_w : {60'000.0, -60'000.0}) {
        Plant plant(exact_config(0.5));
        plant.start(mode(mode_code::ac_power), {power_w, 0, 0, 0});
        CHECK(plant.regulation() == Regulation::ac_power);
        REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
        const double dc_w = plant.terminal_voltage_v() * plant.current_a();
        const double expected_dc_w = power_w > 0 ? power_w / 0.97 : power_w * 0.97;
        CHECK(dc_w == doctest::Approx(expected_dc_w).epsilon(0.01));
        const Measurements m = plant.measure();
        CHECK(m.system_active_kw == doctest::Approx(power_w / 1000.0).epsilon(0.01));
        CHECK(m.system_reactive_kvar == doctest::Approx(0.0));
        CHECK(m.load_active_kw == 0.0);
    }
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::ac_power), {40'000.0, 30'000.0, 0, 0});
    REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
    const Measurements m = plant.measure();
    CHECK(m.system_reactive_kvar == doctest::Approx(30.0));
    CHECK(m.system_apparent_kva == doctest::Approx(50.0).epsilon(0.01));
    CHECK(m.grid_power_factor == doctest::Approx(0.8).epsilon(0.01));
}

TEST_CASE("grid side is consistent with the DC power") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::cc), {100.0, 0, 0, 0});
    REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
    const double ac_kw = plant.terminal_voltage_v() * plant.current_a() * 0.97 / 1000.0;
    const Measurements m = plant.measure();
    CHECK(m.system_active_kw == doctest::Approx(ac_kw).epsilon(0.001));
    double phase_sum_kw = 0;
    for (std::size_t ph = 0; ph < 3; ++ph) {
        CHECK(m.grid_voltage_v[ph] == doctest::Approx(230.0));
        CHECK(3 * m.grid_voltage_v[ph] * m.grid_current_a[ph] / 1000.0 == doctest::Approx(ac_kw).epsilon(0.01));
        phase_sum_kw += m.phase_active_kw[ph];
        CHECK(m.load_voltage_v[ph] == 0.0);
        CHECK(m.load_current_a[ph] == 0.0);
    }
    CHECK(phase_sum_kw == doctest::Approx(m.system_active_kw));
    CHECK(m.system_apparent_kva == doctest::Approx(std::abs(m.system_active_kw)));
    CHECK(m.grid_power_factor == doctest::Approx(1.0));
    CHECK(m.grid_frequency_hz == doctest::Approx(50.0));

    // Charging: the grid supplies the losses too.
    plant.update_params({-100.0, 0, 0, 0});
    REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
    CHECK(plant.measure().system_active_kw ==
          doctest::Approx(plant.terminal_voltage_v() * plant.current_a() / 0.97 / 1000.0).epsilon(0.001));
}

TEST_CASE("off-grid: the inverter feeds a small load from the battery") {
    Plant plant(exact_config(0.5));
    plant.start(mode(mode_code::off_grid), {230.0, 50.0, 0, 0});
    CHECK(plant.regulation() == Regulation::off_grid);
    REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
    CHECK(plant.current_a() > 0.0);
    CHECK(plant.terminal_voltage_v() * plant.current_a() == doctest::Approx(2000.0 / 0.97).epsilon(0.01));
    const Measurements m = plant.measure();
    CHECK(m.load_active_kw == doctest::Approx(2.0).epsilon(0.01));
    CHECK(m.load_apparent_kva == doctest::Approx(2.0).epsilon(0.01));
    for (std::size_t ph = 0; ph < 3; ++ph) {
        CHECK(m.load_voltage_v[ph] == doctest::Approx(230.0));
        CHECK(m.load_current_a[ph] == doctest::Approx(2000.0 / 3 / 230.0).epsilon(0.01));
    }
    CHECK(m.grid_frequency_hz == doctest::Approx(50.0));
}

TEST_CASE("idle and standby deliver no power") {
    for (const std::uint8_t code : {mode_code::idle, mode_code::standby}) {
        Plant plant(exact_config(0.5));
        plant.start(mode(code), {});
        CHECK(plant.running());
        CHECK(plant.regulation() == Regulation::idle);
        REQUIRE(run(plant, 5.0, limits_for()) == PlantEvent::none);
        CHECK(plant.current_a() == 0.0);
        CHECK(plant.terminal_voltage_v() == doctest::Approx(650.0));
    }
}

TEST_CASE("results hardly depend on the caller's step between 1 ms and 50 ms") {
    auto final_state = [](double dt_s) {
        Plant plant(exact_config(0.93));
        plant.start(mode(mode_code::cccv), {700.0, -100.0, 5.0, 0});
        const PlantEvent e = run(plant, 120.0, limits_for(), dt_s);
        REQUIRE(e == PlantEvent::none);
        return std::pair{plant.current_a(), plant.measure().capacity_ah};
    };
    const auto fine = final_state(0.001);
    const auto coarse = final_state(0.05);
    CHECK(coarse.first == doctest::Approx(fine.first).epsilon(0.001));
    CHECK(coarse.second == doctest::Approx(fine.second).epsilon(0.001));
}

TEST_CASE("noise is deterministic from the seed; noise_scale 0 is exact") {
    auto sequence = [](std::uint64_t seed) {
        PlantConfig config = exact_config(0.5);
        config.noise_scale = 1.0;
        config.seed = seed;
        Plant plant(config);
        plant.start(mode(mode_code::cc), {80.0, 0, 0, 0});
        std::vector<double> values;
        for (int i = 0; i < 50; ++i) {
            REQUIRE(plant.step(0.05, limits_for()) == PlantEvent::none);
            const Measurements m = plant.measure();
            values.insert(values.end(), {m.dc_voltage_v, m.dc_current_a, m.outlet_temperature_c, m.grid_voltage_v[1],
                                         m.system_active_kw, m.grid_frequency_hz});
        }
        return values;
    };
    CHECK(sequence(7) == sequence(7));
    CHECK(sequence(7) != sequence(8));

    PlantConfig noisy_config = exact_config(0.5);
    noisy_config.noise_scale = 1.0;
    Plant noisy_plant(noisy_config);
    noisy_plant.start(mode(mode_code::cc), {80.0, 0, 0, 0});
    REQUIRE(run(noisy_plant, 2.0, limits_for()) == PlantEvent::none);
    const Measurements noisy_m = noisy_plant.measure();
    CHECK(noisy_m.dc_voltage_v != noisy_plant.terminal_voltage_v());
    CHECK(noisy_m.dc_voltage_v == doctest::Approx(noisy_plant.terminal_voltage_v()).epsilon(0.001));
    CHECK(noisy_m.dc_current_a == doctest::Approx(80.0).epsilon(0.005));

    Plant exact(exact_config(0.5));
    exact.start(mode(mode_code::cc), {80.0, 0, 0, 0});
    REQUIRE(run(exact, 2.0, limits_for()) == PlantEvent::none);
    const Measurements m = exact.measure();
    CHECK(m.dc_voltage_v == exact.terminal_voltage_v());
    CHECK(m.dc_current_a == exact.current_a());
    CHECK(m.dc_power_kw == exact.terminal_voltage_v() * exact.current_a() / 1000.0);
    CHECK(m.grid_voltage_v[0] == 230.0);
    CHECK(m.grid_frequency_hz == 50.0);
}
