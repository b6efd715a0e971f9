#include "sim/plant.h"

#include <algorithm>
#include <cmath>

namespace ystpcs::sim {

using protocol::ProtectionLimits;
namespace code = protocol::mode_code;

namespace {

// The power stage follows its target current with a first-order lag of this time constant:
// fast enough for 200 ms telemetry to see settled values, slow enough to look physical.
constexpr double kCurrentTimeConstantS = 0.1;
// step() splits the caller's dt into sub-steps no longer than this, so results hardly
// depend on the caller's step (1 … 50 ms) and the CV taper stays smooth.
constexpr double kMaxSubstepS = 0.002;

// Current and power may exceed their protection limit by this factor before tripping:
// regulation ripple must not fault a set-point sitting exactly at the limit.
constexpr double kLimitTolerance = 1.02;
// A CV set-point exactly at a voltage limit must not trip on floating-point rounding; 1 mV
// is the finest voltage the protocol reports (0x39).
constexpr double kVoltageToleranceV = 0.001;
constexpr double kOverTemperatureC = 90.0;  // Appendix C faults 5 and 280

// Heat-sink (outlet) steady state: ambient + this per kW of DC power (120 kW → +30 °C,
// about 55 °C at 25 °C ambient), reached with the thermal time constant.
constexpr double kOutletRiseCPerKw = 0.25;
// The inlet air warms a little from the cabinet itself.
constexpr double kInletRiseCPerKw = 0.02;
constexpr double kThermalTimeConstantS = 30.0;

// Off-grid mode feeds a simulated resistive load of this power at the configured grid
// voltage (its power goes with the square of the commanded voltage).
constexpr double kOffGridLoadW = 2000.0;

// Voltage-controlled modes divide by the battery resistance; a battery configured with
// none still needs a finite loop gain.
constexpr double kMinResistanceOhm = 1e-4;
// A "current" standing for an unbounded demand (a short); the rating cap limits it.
constexpr double kUnboundedCurrentA = 1e6;
constexpr double kMinEfficiency = 0.01;

// Measurement noise (1 σ at noise_scale 1).
constexpr double kSigmaDcVoltageV = 0.05;
constexpr double kSigmaDcCurrentA = 0.02;
constexpr double kSigmaTemperatureC = 0.05;
constexpr double kSigmaGridVoltageV = 0.2;
constexpr double kSigmaGridCurrentA = 0.02;
constexpr double kSigmaPowerKw = 0.01;
constexpr double kSigmaFrequencyHz = 0.005;
// Below this apparent power the power factor is meaningless; report 1.0.
constexpr double kMinApparentForPfKva = 0.5;

constexpr double kSecondsPerHour = 3600.0;
constexpr std::size_t kPhases = 3;
constexpr double kPhaseCount = 3.0;

double settle_fraction(double dt_s, double time_constant_s) { return 1.0 - std::exp(-dt_s / time_constant_s); }

}  // namespace

Plant::Plant(const PlantConfig& config)
    : config_(config), battery_(config.battery), rng_(config.seed), inlet_c_(config.ambient_c),
      outlet_c_(config.ambient_c) {}

// ---- control ------------------------------------------------------------------------------

void Plant::start(const protocol::ModeDef& mode, const std::array<double, protocol::kMaxModeParams>& params) {
    mode_code_ = mode.code;
    params_ = params;
    mode_time_s_ = 0;
    cccv_phase_ = CccvPhase::constant_current;
    cccv_demand_a_ = 0;
    capacity_ah_ = 0;
    energy_wh_ = 0;
    running_ = true;
}

void Plant::update_params(const std::array<double, protocol::kMaxModeParams>& params) {
    params_ = params;
    // A new CC-CV voltage (or current) may put the set voltage out of reach again: back to
    // CC then. Decided here, not at the next step, so regulation() never flickers.
    if (mode_code_ == code::cccv && cccv_phase_ == CccvPhase::constant_voltage && !cccv_voltage_reached())
        cccv_phase_ = CccvPhase::constant_current;
}

void Plant::stop() {
    running_ = false;
    current_a_ = 0;
}

bool Plant::running() const { return running_; }

Regulation Plant::regulation() const {
    if (!running_) return Regulation::off;
    switch (mode_code_) {
        case code::cv:
        case code::cv_limited:
        case code::ramp_voltage:
        case code::pulse_voltage: return Regulation::constant_voltage;
        case code::cc:
        case code::cp:
        case code::cr:
        case code::ramp_current:
        case code::ramp_power:
        case code::magnification:
        case code::pulse_current:
        case code::pulse_resistance:
        case code::pulse_power:
        case code::dcr_test: return Regulation::constant_current;
        case code::cccv:
            return cccv_phase_ == CccvPhase::constant_voltage ? Regulation::constant_voltage
                                                              : Regulation::constant_current;
        case code::ac_power: return Regulation::ac_power;
        case code::off_grid: return Regulation::off_grid;
        default: return Regulation::idle;  // idle, standby, and any code without physics
    }
}

// ---- time ---------------------------------------------------------------------------------

PlantEvent Plant::step(double dt_s, const ProtectionLimits& limits) {
    if (!(dt_s > 0)) return PlantEvent::none;
    // The small slack keeps 50 ms from becoming 26 sub-steps through rounding.
    const int substeps = std::max(1, static_cast<int>(std::ceil(dt_s / kMaxSubstepS - 1e-9)));
    const double h = dt_s / substeps;
    for (int i = 0; i < substeps; ++i) {
        const PlantEvent event = substep(h, limits);
        if (event != PlantEvent::none) {
            stop();
            return event;
        }
    }
    return PlantEvent::none;
}

// The current holds for the sub-step and moves to its next value at the end of it, after
// the battery has taken the charge: the target then sees the OCV it will act on, so a
// voltage loop ends each sub-step exactly at its set-point.
PlantEvent Plant::substep(double dt_s, const ProtectionLimits& limits) {
    if (running_) {
        const double voltage_before_v = terminal_voltage_v();
        battery_.integrate(current_a_, dt_s);
        const double mean_voltage_v = 0.5 * (voltage_before_v + terminal_voltage_v());
        capacity_ah_ += std::abs(current_a_) * dt_s / kSecondsPerHour;
        energy_wh_ += std::abs(mean_voltage_v * current_a_) * dt_s / kSecondsPerHour;
        mode_time_s_ += dt_s;
        current_a_ = follow(cap_to_rating(target_current_a(limits)), dt_s);
    }
    update_temperatures(dt_s);
    if (!running_) return PlantEvent::none;
    if (mode_finished()) return PlantEvent::finished;
    return check_limits(limits);
}

// The first-order lag towards the target. A voltage loop, though, backs off at once: when
// the target current (the one holding the set voltage) falls in magnitude, e.g. as a CV
// charge tapers, a lagging current would carry the voltage past the set-point, possibly
// onto the over-voltage limit it sits at.
double Plant::follow(double target_a, double dt_s) const {
    const double lagged_a = current_a_ + (target_a - current_a_) * settle_fraction(dt_s, kCurrentTimeConstantS);
    const bool backing_off = (target_a == 0 || lagged_a * target_a > 0) && std::abs(lagged_a) > std::abs(target_a);
    return regulation() == Regulation::constant_voltage && backing_off ? target_a : lagged_a;
}

void Plant::update_temperatures(double dt_s) {
    const double power_kw = std::abs(terminal_voltage_v() * current_a_) / 1000.0;
    const double fraction = settle_fraction(dt_s, kThermalTimeConstantS);
    outlet_c_ += (config_.ambient_c + kOutletRiseCPerKw * power_kw - outlet_c_) * fraction;
    inlet_c_ += (config_.ambient_c + kInletRiseCPerKw * power_kw - inlet_c_) * fraction;
}

bool Plant::mode_finished() const {
    switch (mode_code_) {
        // The current tapers to the end current. When the CC current's resistive drop alone
        // lifts the voltage past the target, CV begins at once, with the current still rising
        // from 0: that is not a taper, so the loop's demand must have fallen there too.
        case code::cccv:
            return cccv_phase_ == CccvPhase::constant_voltage && std::abs(current_a_) <= std::abs(params_[2]) &&
                   std::abs(cccv_demand_a_) <= std::abs(params_[2]);
        case code::dcr_test: return mode_time_s_ >= params_[1] + params_[2] + params_[3];
        default: return false;
    }
}

PlantEvent Plant::check_limits(const ProtectionLimits& limits) const {
    if (limits.set1) {
        const auto& s = *limits.set1;
        const double voltage_v = terminal_voltage_v();
        if (voltage_v > s.max_output_voltage_v + kVoltageToleranceV) return PlantEvent::over_voltage;
        if (voltage_v < s.min_output_voltage_v - kVoltageToleranceV) return PlantEvent::under_voltage;
        const double max_a = current_a_ < 0 ? s.max_charge_current_a : s.max_discharge_current_a;
        if (std::abs(current_a_) > max_a * kLimitTolerance) return PlantEvent::over_current;
    }
    if (limits.set2) {
        const double power_kw = limited_power_w() / 1000.0;
        const double max_kw = power_kw < 0 ? limits.set2->max_charge_power_kw : limits.set2->max_discharge_power_kw;
        if (std::abs(power_kw) > max_kw * kLimitTolerance) return PlantEvent::over_power;
    }
    if (outlet_c_ > kOverTemperatureC) return PlantEvent::over_temperature;
    return PlantEvent::none;
}

// ---- what the power stage aims for --------------------------------------------------------

double Plant::target_current_a(const ProtectionLimits& limits) {
    const auto& p = params_;
    switch (mode_code_) {
        case code::cv: return limit_voltage_mode(current_for_voltage(p[0]), limits);
        case code::cv_limited:
            // p2/p3 are magnitudes: the most the CV loop may charge or discharge with.
            return std::clamp(limit_voltage_mode(current_for_voltage(p[0]), limits), -std::abs(p[1]), std::abs(p[2]));
        case code::cc: return p[0];
        case code::cp: return current_for_power(p[0]);
        case code::cr: return current_for_resistance(p[0]);
        case code::ramp_current: return ramp_value(p[0], p[1], p[2]);
        case code::ramp_power: return current_for_power(ramp_value(p[0], p[1], p[2]));
        // Interpretation: the magnification is a C-rate, current = magnification × capacity
        // (0.5 on a 280 Ah battery discharges at 140 A; negative charges).
        case code::magnification: return p[0] * battery_.capacity_ah();
        case code::ramp_voltage: return limit_voltage_mode(current_for_voltage(ramp_value(p[0], p[1], p[2])), limits);
        case code::pulse_current: return pulse_value(p[0], p[1], p[2], p[3]);
        case code::cccv: return cccv_target_current_a(limits);
        case code::pulse_resistance: return current_for_resistance(pulse_value(p[0], p[1], p[2], p[3]));
        case code::pulse_power: return current_for_power(pulse_value(p[0], p[1], p[2], p[3]));
        case code::pulse_voltage:
            return limit_voltage_mode(current_for_voltage(pulse_value(p[0], p[1], p[2], p[3])), limits);
        case code::dcr_test: return dcr_test_target_current_a();
        case code::ac_power: {
            // The rating bounds the AC side here; the DC side carries the conversion losses.
            const double rated_w = config_.rating.rated_power_kw * 1000.0;
            return current_for_power(dc_power_for_ac_w(std::clamp(p[0], -rated_w, rated_w)));
        }
        case code::off_grid: return current_for_power(dc_power_for_ac_w(off_grid_load_w()));
        default: return 0.0;
    }
}

// CC at p2 until the terminal voltage would reach p1, then CV at p1 with the current
// tapering (never beyond |p2|, never reversing); mode_finished() ends it at |p3|.
double Plant::cccv_target_current_a(const ProtectionLimits& limits) {
    const double voltage_v = params_[0];
    const double cc_a = params_[1];
    if (cccv_phase_ == CccvPhase::constant_current) {
        if (!cccv_voltage_reached()) return cc_a;
        cccv_phase_ = CccvPhase::constant_voltage;
    }
    const double cv_a = limit_voltage_mode(current_for_voltage(voltage_v), limits);
    cccv_demand_a_ = cc_a < 0 ? std::clamp(cv_a, cc_a, 0.0) : std::clamp(cv_a, 0.0, cc_a);
    return cccv_demand_a_;
}

// Whether the CC current would take the terminal voltage to p1 (or past it). Deciding on the
// voltage the CC current would give, not on the present one, lets the lagging current
// approach p1 from inside and never overshoot it (p1 may sit exactly at a voltage limit).
bool Plant::cccv_voltage_reached() const {
    const double voltage_v = params_[0];
    const double cc_a = params_[1];
    const double cc_voltage_v = battery_.terminal_voltage_v(cap_to_rating(cc_a));
    return cc_a < 0 ? cc_voltage_v >= voltage_v : cc_voltage_v <= voltage_v;
}

// Interpretation of 0x2C: rest at 0 A for time 1, apply the current for time 2, rest for
// time 3, then the test is finished. The controller computes the resistance from the
// voltage steps at the edges (ΔV/ΔI).
double Plant::dcr_test_target_current_a() const {
    const double rest_s = params_[1];
    const double pulse_s = params_[2];
    return mode_time_s_ >= rest_s && mode_time_s_ < rest_s + pulse_s ? params_[0] : 0.0;
}

// Linear from start to end over the cycle time, then the end value is held.
double Plant::ramp_value(double start, double end, double cycle_time_s) const {
    const double fraction = cycle_time_s > 0 ? std::min(1.0, mode_time_s_ / cycle_time_s) : 1.0;
    return start + (end - start) * fraction;
}

// Each period (the cycle time) begins with value 1 for duty % of it, then value 2.
double Plant::pulse_value(double value_1, double value_2, double cycle_time_s, double duty_pct) const {
    if (!(cycle_time_s > 0)) return value_1;
    const double in_period_s = std::fmod(mode_time_s_, cycle_time_s);
    return in_period_s < cycle_time_s * std::clamp(duty_pct, 0.0, 100.0) / 100.0 ? value_1 : value_2;
}

// ---- battery relations (on the open-circuit voltage, so no algebraic loop) -----------------

// The current that puts the terminal voltage at `voltage_v`.
double Plant::current_for_voltage(double voltage_v) const {
    const double r = std::max(battery_.internal_resistance_ohm(), kMinResistanceOhm);
    return (battery_.open_circuit_voltage_v() - voltage_v) / r;
}

// The current whose power at the terminals, (OCV − I·R)·I, is `power_w`. Of the two roots
// the one near P/OCV; written so that R = 0 needs no special case. Beyond the battery's
// maximum power (OCV²/4R) it gives the maximum-power current.
double Plant::current_for_power(double power_w) const {
    const double ocv_v = battery_.open_circuit_voltage_v();
    const double r = battery_.internal_resistance_ohm();
    const double root = std::sqrt(std::max(0.0, ocv_v * ocv_v - 4.0 * r * power_w));
    const double denominator = ocv_v + root;
    if (denominator <= 0) return 0.0;  // no voltage, no power
    return 2.0 * power_w / denominator;
}

// A load resistance R across the terminals: I = V/R with V = OCV − I·Rᵢ. A negative R
// charges (I = V/R < 0); a resistance that would need more than a short circuit draws
// an unbounded current, which the rating then limits.
double Plant::current_for_resistance(double resistance_ohm) const {
    const double ocv_v = battery_.open_circuit_voltage_v();
    const double loop_ohm = resistance_ohm + battery_.internal_resistance_ohm();
    if (resistance_ohm == 0) return kUnboundedCurrentA;
    if (resistance_ohm < 0 && loop_ohm >= 0) return -kUnboundedCurrentA;
    return ocv_v / loop_ohm;
}

// DC power for an AC power, signs as DC: discharging the DC side supplies the losses too
// (DC = AC / η); charging, the battery receives what is left (DC = AC · η).
double Plant::dc_power_for_ac_w(double ac_power_w) const {
    const double efficiency = std::clamp(config_.efficiency, kMinEfficiency, 1.0);
    return ac_power_w >= 0 ? ac_power_w / efficiency : ac_power_w * efficiency;
}

double Plant::off_grid_load_w() const {
    const double nominal_v = config_.grid_voltage_v;
    if (!(nominal_v > 0)) return 0.0;
    const double ratio = params_[0] / nominal_v;
    return kOffGridLoadW * ratio * ratio;
}

// Voltage-controlled modes never trip on current or power: their loop limits the current to
// the protection limits (when known) instead.
double Plant::limit_voltage_mode(double current_a, const ProtectionLimits& limits) const {
    if (limits.set1)
        current_a = std::clamp(current_a, -std::abs(limits.set1->max_charge_current_a),
                               std::abs(limits.set1->max_discharge_current_a));
    if (limits.set2)
        current_a = std::clamp(current_a, current_for_power(-std::abs(limits.set2->max_charge_power_kw) * 1000.0),
                               current_for_power(std::abs(limits.set2->max_discharge_power_kw) * 1000.0));
    return current_a;
}

// The module's own rating: ±dc_current_max_a always; rated power on the DC side in DC modes
// (AC modes bound their AC power in target_current_a()).
double Plant::cap_to_rating(double current_a) const {
    const double max_a = config_.rating.dc_current_max_a;
    current_a = std::clamp(current_a, -max_a, max_a);
    if (!ac_mode()) {
        const double rated_w = config_.rating.rated_power_kw * 1000.0;
        current_a = std::clamp(current_a, current_for_power(-rated_w), current_for_power(rated_w));
    }
    return current_a;
}

bool Plant::ac_mode() const { return mode_code_ == code::ac_power || mode_code_ == code::off_grid; }

// The power the protection power limits bound: the AC power the set-point is given in for
// the AC modes, the DC power for the DC modes.
double Plant::limited_power_w() const {
    return ac_mode() ? ac_state().active_w : terminal_voltage_v() * current_a_;
}

// ---- AC side ------------------------------------------------------------------------------

// The AC terminals follow the DC side through the efficiency (discharge: AC = DC·η;
// charge: AC = DC/η; signs as DC). Interpretation for off-grid mode: the AC terminals then
// carry the independent inverter's output (commanded voltage and frequency) into the
// simulated load, so the "grid" frames report that output and the load frames repeat it.
Plant::AcState Plant::ac_state() const {
    AcState ac;
    const double dc_w = terminal_voltage_v() * current_a_;
    const double efficiency = std::clamp(config_.efficiency, kMinEfficiency, 1.0);
    ac.active_w = dc_w >= 0 ? dc_w * efficiency : dc_w / efficiency;
    ac.phase_voltage_v = config_.grid_voltage_v;
    ac.frequency_hz = config_.grid_frequency_hz;
    if (running_ && mode_code_ == code::ac_power) ac.reactive_var = params_[1];
    if (running_ && mode_code_ == code::off_grid) {
        ac.phase_voltage_v = params_[0];
        ac.frequency_hz = params_[1];
        ac.feeds_load = true;
    }
    return ac;
}

double Plant::noisy(double value, double sigma) { return value + sigma * config_.noise_scale * unit_normal_(rng_); }

Measurements Plant::measure() {
    Measurements m;
    // One statement per draw: the order of draws is part of the seeded sequence.
    m.dc_voltage_v = std::max(0.0, noisy(terminal_voltage_v(), kSigmaDcVoltageV));
    m.dc_current_a = noisy(current_a_, kSigmaDcCurrentA);
    m.dc_power_kw = m.dc_voltage_v * m.dc_current_a / 1000.0;
    m.inlet_temperature_c = noisy(inlet_c_, kSigmaTemperatureC);
    m.outlet_temperature_c = noisy(outlet_c_, kSigmaTemperatureC);
    m.capacity_ah = capacity_ah_;
    m.energy_wh = energy_wh_;

    const AcState ac = ac_state();
    m.system_active_kw = noisy(ac.active_w / 1000.0, kSigmaPowerKw);
    m.system_reactive_kvar = noisy(ac.reactive_var / 1000.0, kSigmaPowerKw);
    m.system_apparent_kva = std::hypot(m.system_active_kw, m.system_reactive_kvar);
    m.grid_frequency_hz = noisy(ac.frequency_hz, kSigmaFrequencyHz);
    // The field has 0.1 resolution: a near-unity power factor reads 1.0.
    m.grid_power_factor = m.system_apparent_kva > kMinApparentForPfKva
                              ? std::abs(m.system_active_kw) / m.system_apparent_kva
                              : 1.0;
    // Phase currents carry the apparent power (equal to |P| at unity power factor).
    const double phase_current_a =
        ac.phase_voltage_v > 0 ? std::hypot(ac.active_w, ac.reactive_var) / (kPhaseCount * ac.phase_voltage_v) : 0.0;
    for (std::size_t ph = 0; ph < kPhases; ++ph) {
        m.grid_voltage_v[ph] = std::max(0.0, noisy(ac.phase_voltage_v, kSigmaGridVoltageV));
        m.grid_current_a[ph] = std::max(0.0, noisy(phase_current_a, kSigmaGridCurrentA));
        m.phase_active_kw[ph] = m.system_active_kw / kPhaseCount;
        m.phase_reactive_kvar[ph] = m.system_reactive_kvar / kPhaseCount;
        m.phase_apparent_kva[ph] = m.system_apparent_kva / kPhaseCount;
    }
    if (ac.feeds_load) {
        m.load_voltage_v = m.grid_voltage_v;
        m.load_current_a = m.grid_current_a;
        m.load_active_kw = m.system_active_kw;
        m.load_reactive_kvar = m.system_reactive_kvar;
        m.load_apparent_kva = m.system_apparent_kva;
    }
    return m;
}

// ---- battery view -------------------------------------------------------------------------

double Plant::soc() const { return battery_.soc(); }
void Plant::set_soc(double soc) { battery_.set_soc(soc); }
double Plant::open_circuit_voltage_v() const { return battery_.open_circuit_voltage_v(); }
double Plant::terminal_voltage_v() const { return battery_.terminal_voltage_v(current_a_); }
double Plant::current_a() const { return current_a_; }
const PlantConfig& Plant::config() const { return config_; }

}  // namespace ystpcs::sim
