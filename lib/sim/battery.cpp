#include "sim/battery.h"

#include <algorithm>
#include <array>
#include <utility>

#include "sim/plant.h"

namespace ystpcs::sim {

namespace {

// OCV / nominal against state of charge: the usual lithium-ion shape, flat in the middle
// and steeper towards both ends. Strictly increasing, so voltage and SoC map one to one.
constexpr std::array<std::pair<double, double>, 9> kOcvTable{{
    {0.00, 0.850},
    {0.05, 0.900},
    {0.10, 0.925},
    {0.20, 0.950},
    {0.50, 1.000},
    {0.80, 1.040},
    {0.90, 1.060},
    {0.95, 1.075},
    {1.00, 1.100},
}};

// Charge pushed past full (or drawn past empty) raises (lowers) the voltage by this much of
// nominal per unit of capacity: 1 % of capacity beyond an end moves it by 20 % of nominal.
// Without it a full battery under charge would settle at OCV(100 %) + I·R and never reach
// an over-voltage limit, which a real battery driven on does quickly.
constexpr double kSaturationSlope = 20.0;

// A battery needs some capacity for the SoC to mean anything.
constexpr double kMinCapacityAh = 1e-3;

constexpr double kSecondsPerHour = 3600.0;

}  // namespace

Battery::Battery(const BatteryConfig& config)
    : nominal_voltage_v_(std::max(0.0, config.nominal_voltage_v)),
      capacity_ah_(std::max(kMinCapacityAh, config.capacity_ah)),
      resistance_ohm_(std::max(0.0, config.internal_resistance_ohm)),
      charge_ah_(std::clamp(config.initial_soc, 0.0, 1.0) * capacity_ah_) {}

double Battery::soc() const { return std::clamp(charge_ah_ / capacity_ah_, 0.0, 1.0); }

void Battery::set_soc(double soc) { charge_ah_ = std::clamp(soc, 0.0, 1.0) * capacity_ah_; }

double Battery::ocv_ratio(double soc) {
    soc = std::clamp(soc, 0.0, 1.0);
    for (std::size_t i = 1; i < kOcvTable.size(); ++i) {
        const auto [soc_hi, ratio_hi] = kOcvTable[i];
        if (soc > soc_hi) continue;
        const auto [soc_lo, ratio_lo] = kOcvTable[i - 1];
        return ratio_lo + (ratio_hi - ratio_lo) * (soc - soc_lo) / (soc_hi - soc_lo);
    }
    return kOcvTable.back().second;
}

double Battery::open_circuit_voltage_v() const {
    const double beyond_ah = charge_ah_ - soc() * capacity_ah_;  // 0 inside the range
    const double ratio = ocv_ratio(soc()) + kSaturationSlope * beyond_ah / capacity_ah_;
    return std::max(0.0, nominal_voltage_v_ * ratio);
}

double Battery::terminal_voltage_v(double current_a) const {
    return std::max(0.0, open_circuit_voltage_v() - current_a * resistance_ohm_);
}

void Battery::integrate(double current_a, double dt_s) { charge_ah_ -= current_a * dt_s / kSecondsPerHour; }

}  // namespace ystpcs::sim
