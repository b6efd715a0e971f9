// A run's results in the Battery Data Format: one `.bdf.csv` (BDF column names and units,
// charge current positive — the PCS reports charging negative, so the sign is flipped here
// and the sidecar says so) and a sidecar JSON (profile hash, module, firmware, each step's
// end reason). Times are seconds; step_count and test time only grow.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "protocol/result.h"

namespace ystpcs::profile {

// The BDF columns written, in order.
inline constexpr const char* kBdfColumns[] = {
    "test_time_second",        "unix_time_second",        "voltage_volt",       "current_ampere",
    "power_watt",              "cycle_count",             "step_count",         "step_time_second",
    "charging_capacity_ah",    "discharging_capacity_ah", "charging_energy_wh", "discharging_energy_wh"};

struct BdfPoint {
    double test_time_s = 0, unix_time_s = 0;
    double voltage_v = 0;
    double current_a = 0;  // BDF sign: positive charges the battery
    double power_w = 0;    // BDF sign: positive charges the battery
    long cycle = 0;
    std::uint64_t step_count = 0;
    double step_time_s = 0;
    double charge_ah = 0, discharge_ah = 0, charge_wh = 0, discharge_wh = 0;  // since the run began
};

class BdfWriter {
public:
    // `csv_path`: created with its header, or appended to when it exists (a resumed run).
    explicit BdfWriter(std::string csv_path);
    ~BdfWriter();
    BdfWriter(const BdfWriter&) = delete;
    BdfWriter& operator=(const BdfWriter&) = delete;

    // Appends a row (one write(2); the page cache, not the disk, so the loop never waits).
    Result<void> append(const BdfPoint& p);
    // fdatasync at step ends: what is journaled as done is also on disk.
    void sync();
    const std::string& path() const { return path_; }
    std::uint64_t rows() const { return rows_; }

private:
    Result<void> open();
    std::string path_;
    int fd_ = -1;
    std::uint64_t rows_ = 0;
};

std::string bdf_row(const BdfPoint& p);

}  // namespace ystpcs::profile
