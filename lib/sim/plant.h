// The physics behind a simulated PCS: a battery on the DC side, the power stage following a
// working mode (Appendix A), temperatures, and the grid side. No protocol and no I/O: the
// PCS model (pcs_model.h) turns commands into start/stop/params here and turns measure()
// into periodic frames. Sign convention as the protocol: current and power are positive
// when the battery discharges (power flows out of the DC side), negative when charging.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>

#include "protocol/modes.h"
#include "protocol/protection_limits.h"
#include "protocol/ratings.h"
#include "sim/battery.h"

namespace ystpcs::sim {

struct BatteryConfig {
    double nominal_voltage_v = 650.0;      // open-circuit voltage at 50 % state of charge
    double capacity_ah = 280.0;
    double internal_resistance_ohm = 0.05;
    double initial_soc = 0.5;              // 0 … 1
};

struct PlantConfig {
    BatteryConfig battery;
    protocol::ModuleRating rating = protocol::kModuleRatings[3];  // PMA120
    double ambient_c = 25.0;
    double efficiency = 0.97;              // DC ↔ AC conversion efficiency
    double grid_voltage_v = 230.0;         // per phase
    double grid_frequency_hz = 50.0;
    double noise_scale = 1.0;              // 0: exact values (unit tests); 1: small realistic noise
    std::uint64_t seed = 1;                // noise is drawn from this seed: same seed, same run
};

// What stopped the power stage on its own during step().
enum class PlantEvent {
    none,
    finished,        // the mode completed (CC-CV reached its cut-off current; internal-resistance test done)
    over_voltage,    // battery voltage above the protection maximum  → fault 1
    under_voltage,   // battery voltage below the protection minimum  → fault 2
    over_current,    // current above the protection limit            → fault 4
    over_power,      // power above the protection limit              → fault 17
    over_temperature // heat-sink above 90 °C                         → fault 5
};

// How the power stage is regulating right now; the PCS model maps it to a running state.
enum class Regulation {
    off,              // power stage stopped
    constant_current, // current-controlled (CC, CP, CR, ramps, pulses, CC phase of CC-CV, ...)
    constant_voltage, // voltage-controlled (CV, CV phase of CC-CV, ramp/pulse voltage)
    ac_power,         // AC constant power (mode 0x40)
    off_grid,         // independent inverter (mode 0x41)
    idle,             // started in mode idle/standby: no power
};

// Every value the periodic frames 0x11–0x19, 0x23–0x25, 0x39 carry.
struct Measurements {
    double dc_voltage_v = 0, dc_current_a = 0, dc_power_kw = 0;
    double inlet_temperature_c = 0, outlet_temperature_c = 0;
    double capacity_ah = 0, energy_wh = 0;   // counted since the last start (magnitudes)
    std::array<double, 3> grid_voltage_v{}, grid_current_a{};
    double grid_power_factor = 0;
    double system_active_kw = 0, system_reactive_kvar = 0, system_apparent_kva = 0, grid_frequency_hz = 0;
    std::array<double, 3> load_voltage_v{}, load_current_a{};
    double load_active_kw = 0, load_reactive_kvar = 0, load_apparent_kva = 0;
    std::array<double, 3> phase_active_kw{}, phase_reactive_kvar{}, phase_apparent_kva{};
};

class Plant {
public:
    explicit Plant(const PlantConfig& config);

    // Starts the power stage in `mode` with engineering parameters (Appendix A units: V, A,
    // W, Ω, s, %); resets the capacity/energy counters and the mode's own clock.
    void start(const protocol::ModeDef& mode, const std::array<double, protocol::kMaxModeParams>& params);
    // New parameters for the running mode (set-point change while running).
    void update_params(const std::array<double, protocol::kMaxModeParams>& params);
    void stop();
    bool running() const;
    Regulation regulation() const;

    // Advances the physics by dt_s (callers use steps of at most 50 ms). Stops the power
    // stage and returns the event when a limit trips or the mode finishes.
    PlantEvent step(double dt_s, const protocol::ProtectionLimits& limits);

    // Current values with measurement noise (deterministic from the seed).
    Measurements measure();

    double soc() const;
    void set_soc(double soc);
    double open_circuit_voltage_v() const;
    double terminal_voltage_v() const;   // at the present current
    double current_a() const;            // present DC current, exact
    const PlantConfig& config() const;

private:
    enum class CccvPhase { constant_current, constant_voltage };
    // The AC terminals' state, derived from the DC side (see ac_state()).
    struct AcState {
        double active_w = 0, reactive_var = 0;
        double phase_voltage_v = 0, frequency_hz = 0;
        bool feeds_load = false;  // off-grid: the AC terminals are the load's supply
    };

    PlantEvent substep(double dt_s, const protocol::ProtectionLimits& limits);
    double follow(double target_a, double dt_s) const;
    void update_temperatures(double dt_s);
    bool mode_finished() const;
    PlantEvent check_limits(const protocol::ProtectionLimits& limits) const;

    double target_current_a(const protocol::ProtectionLimits& limits);
    double cccv_target_current_a(const protocol::ProtectionLimits& limits);
    bool cccv_voltage_reached() const;
    double dcr_test_target_current_a() const;
    double ramp_value(double start, double end, double cycle_time_s) const;
    double pulse_value(double value_1, double value_2, double cycle_time_s, double duty_pct) const;

    double current_for_voltage(double voltage_v) const;
    double current_for_power(double power_w) const;
    double current_for_resistance(double resistance_ohm) const;
    double dc_power_for_ac_w(double ac_power_w) const;
    double off_grid_load_w() const;
    double limit_voltage_mode(double current_a, const protocol::ProtectionLimits& limits) const;
    double cap_to_rating(double current_a) const;
    bool ac_mode() const;
    double limited_power_w() const;
    AcState ac_state() const;
    double noisy(double value, double sigma);

    PlantConfig config_;
    Battery battery_;
    std::mt19937_64 rng_;
    std::normal_distribution<double> unit_normal_{0.0, 1.0};

    bool running_ = false;
    std::uint8_t mode_code_ = protocol::mode_code::standby;
    std::array<double, protocol::kMaxModeParams> params_{};
    double mode_time_s_ = 0;                       // since start()
    CccvPhase cccv_phase_ = CccvPhase::constant_current;
    // What the CC-CV voltage loop asks for (the current it would hold the voltage with): the
    // end condition looks at it as well as at the lagging current, which starts from 0.
    double cccv_demand_a_ = 0;

    double current_a_ = 0;
    double capacity_ah_ = 0, energy_wh_ = 0;       // since start()
    double inlet_c_ = 0, outlet_c_ = 0;
};

}  // namespace ystpcs::sim
