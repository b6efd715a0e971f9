// The main values of one module over time, so that trends are full when a console opens and
// scripts can ask for the last minutes: one row per heartbeat round (200 ms) for the last
// 10 minutes, and 1 s averages for the last 4 hours, in two rings of bounded size. A ring
// grows as it fills and allocates no more once full: a module seen for a minute holds a
// minute of rows, not four hours of room (680 KiB; 16 modules would double ystpcsd's
// memory from their first second). A value that is not known, or whose module lost its link, is NaN — a
// gap in a trend, never a zero.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/frames.h"
#include "runtime/event_loop.h"

namespace ystpcs::engine {

// The signals kept, by their D-Bus property name (protocol table). Stored as float: 7
// significant digits, below the resolution of every one of them except an energy count above
// 1.6 MWh (0.1 Wh resolution; 1 Wh up to 16 MWh).
struct HistorySignal {
    std::string_view property;
    protocol::SignalRef ref;
};
inline constexpr std::array<HistorySignal, 8> kHistorySignals{{
    {"DcVoltage", protocol::signal_ref(protocol::pf::dc_output, "voltage_v")},
    {"DcCurrent", protocol::signal_ref(protocol::pf::dc_output, "current_a")},
    {"DcPower", protocol::signal_ref(protocol::pf::dc_output, "power_kw")},
    {"InletTemperature", protocol::signal_ref(protocol::pf::dc_output, "inlet_temperature_c")},
    {"OutletTemperature", protocol::signal_ref(protocol::pf::capacity_energy, "outlet_temperature_c")},
    {"Capacity", protocol::signal_ref(protocol::pf::capacity_energy, "capacity_ah")},
    {"Energy", protocol::signal_ref(protocol::pf::capacity_energy, "energy_wh")},
    {"SystemActivePower", protocol::signal_ref(protocol::pf::system_power, "active_kw")},
}};
inline constexpr std::size_t kHistoryWidth = kHistorySignals.size();
std::optional<std::size_t> history_signal(std::string_view property);

struct HistoryOptions {
    std::size_t fine_rows = 3000;                          // 10 min of 200 ms rounds
    runtime::Duration coarse_period = std::chrono::seconds(1);
    std::size_t coarse_rows = 4 * 3600;                    // 4 h of 1 s averages
};

using HistoryRow = std::array<float, kHistoryWidth>;

// Rows read back: times (µs since the Unix epoch) and one column per signal asked for.
struct HistorySlice {
    std::vector<std::int64_t> times_us;
    std::vector<std::vector<double>> columns;
};

class ValueHistory {
public:
    explicit ValueHistory(HistoryOptions options = {});

    // One row (a heartbeat round). Rows come in time order; a row older than the last is
    // dropped (the wall clock was set back: the rings stay ordered).
    void add(runtime::WallTime at, const HistoryRow& row);
    // The rows of [from_us, to_us]: 1 s averages where the fine ring no longer reaches, then
    // every fine row; `signals` are indices into kHistorySignals.
    HistorySlice read(std::int64_t from_us, std::int64_t to_us, std::span<const std::size_t> signals) const;

    std::size_t fine_size() const { return fine_.times.size(); }
    std::size_t coarse_size() const { return coarse_.times.size(); }
    // Bytes held by the rings (the figure in docs/performance.md).
    std::size_t memory_bytes() const;

private:
    struct Ring {
        std::vector<std::int64_t> times;  // as many as the rows held (they grow to capacity)
        std::vector<HistoryRow> rows;
        std::size_t capacity;
        std::size_t head = 0;  // the next slot written
        explicit Ring(std::size_t rows_at_most) : capacity(rows_at_most) {}
        void push(std::int64_t t, const HistoryRow& row);
        std::size_t index(std::size_t i) const;  // i-th oldest
        std::optional<std::int64_t> oldest() const;
        std::optional<std::int64_t> newest() const;
    };
    void flush_bucket();

    HistoryOptions options_;
    Ring fine_, coarse_;
    // The 1 s bucket being averaged.
    std::int64_t bucket_ = 0;
    bool bucket_open_ = false;
    std::array<double, kHistoryWidth> sum_{};
    std::array<std::uint32_t, kHistoryWidth> count_{};
};

}  // namespace ystpcs::engine
