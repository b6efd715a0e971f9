// The values a module has, by the names people and scripts use: snake_case with the unit as
// suffix, like `pcsctl decode` (dc_voltage_v, capacity_ah, inlet_temperature_c), plus the
// texts (state, fault_text, mode). One catalog for get, wait, log and the JSON outputs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pcsctl/output.h"
#include "protocol/signal.h"

namespace ystpcs::ctl {

struct ValueDef {
    enum class Kind { number, integer, text, flag };
    std::string name;      // "dc_voltage_v"
    std::string property;  // "DcVoltage"
    Kind kind = Kind::number;
    int decimals = 0;      // the value's resolution (numbers)
    bool reported = true;  // measured by the module: stale (empty) while its link is lost
};

const std::vector<ValueDef>& value_catalog();
const ValueDef* find_value(std::string_view name);
// "unknown value 'x' (pcsctl get --help lists them)" with the near names.
std::string unknown_value_message(std::string_view name);

// The value as it is now: null when the module has not reported it or its link is lost;
// numbers rounded to their resolution, integers as integers.
json value_json(const ValueDef& v, const Properties& p);
// The same as text for shells and CSV: "" for null, numbers at their resolution.
std::string value_text(const ValueDef& v, const Properties& p);
// A value of a protocol field in JSON by the same rules: an integer where the field holds whole
// numbers (enumerations, counts), else the number at the field's resolution.
json signal_json(const protocol::SignalDef& signal, double value);
// Fault codes are written in hex everywhere: "0x800E".
std::string fault_hex(long long code);
// The "fault_hex" JSON outputs put beside a fault code: null when the code is null.
json fault_hex_json(const json& code);
// "0x800E text", or "-" without a fault. While ystpcsd holds the module in emergency stop
// (heartbeat state 3), the fault that causes (0x8012, which the module calls "emergency-stop
// button pressed") is shown as what it is: a software emergency stop.
std::string fault_description(const Properties& p);
// A number at `decimals`, as the double nearest its decimal text (24.9, not 24.900000000000006).
double at_resolution(double v, int decimals);

}  // namespace ystpcs::ctl
