// The battery on a simulated PCS's DC side: open-circuit voltage from the state of charge,
// one series resistance and a capacity. Sign convention as the protocol: positive current
// discharges the battery, negative current charges it.
#pragma once

namespace ystpcs::sim {

struct BatteryConfig;  // plant.h: the plant's configuration carries the battery's

class Battery {
public:
    explicit Battery(const BatteryConfig& config);

    double soc() const;                      // 0 … 1
    void set_soc(double soc);                // clamped to 0 … 1
    double nominal_voltage_v() const { return nominal_voltage_v_; }
    double capacity_ah() const { return capacity_ah_; }
    double internal_resistance_ohm() const { return resistance_ohm_; }

    double open_circuit_voltage_v() const;
    double terminal_voltage_v(double current_a) const;  // OCV − I·R

    // Moves charge: `current_a` flowing for `dt_s` seconds.
    void integrate(double current_a, double dt_s);

    // Open-circuit voltage relative to nominal at a state of charge (clamped to 0 … 1).
    static double ocv_ratio(double soc);

private:
    double nominal_voltage_v_;
    double capacity_ah_;
    double resistance_ohm_;
    // Charge held, in Ah. It may leave 0 … capacity: the part beyond either end is charge
    // the cells could not store (or give), and it shows up as a steep voltage rise (fall).
    double charge_ah_;
};

}  // namespace ystpcs::sim
