// THE protocol table: every frame of the YSTECH PCS CAN protocol v1.11 (reference
// ../shared/protocol/ystech-pcs-can.md §3), with every field's layout, scale, unit, range and
// names. Codecs, the decoder's output, the D-Bus property list and docs/protocol-table.md are
// derived from it; nothing else restates a layout.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/faults.h"
#include "protocol/modes.h"
#include "protocol/pf.h"
#include "protocol/running_states.h"
#include "protocol/settings.h"
#include "protocol/signal.h"

namespace ystpcs::protocol {

enum class Direction : std::uint8_t {
    to_pcs,    // "TX": controller → PCS
    from_pcs,  // "RX": PCS → controller
};

enum class FrameRole : std::uint8_t {
    command,    // TX, answered by a result or reading frame
    heartbeat,  // TX every 200 ms, never answered
    result,     // RX, success/failure answer to a command
    reading,    // RX, data answer to a read command
    periodic,   // RX every 200 ms
};

// Spec §1/§2: the bus's bit rate, the period of the periodic frames and of the heartbeat, and
// how long a PCS waits for the heartbeat before it faults (0x800D) and shuts down.
inline constexpr std::uint32_t kBitRate_bps = 250'000;
inline constexpr std::uint32_t kFramePeriod_ms = 200;
inline constexpr std::uint32_t kHeartbeatTimeout_ms = 5'000;

struct FrameDef {
    std::uint8_t pf;
    Direction direction;
    FrameRole role;
    std::string_view name;     // snake_case, the decoder's "frame"
    std::string_view title;    // as in the reference
    std::string_view section;  // reference section
    std::span<const SignalDef> signals;
    // 0x0C/0x0D/0x37/0x38: i32 parameters whose scale depends on the working mode;
    // `first_mode_param` is the index (0 or 2) of the first parameter the frame carries.
    bool mode_parameters = false;
    std::uint8_t first_mode_param = 0;
};

namespace table {

// ---- enumerations used by several frames -------------------------------------------------

inline constexpr EnumEntry kResultEntries[] = {{1, "success"}};
inline std::string_view result_failure(std::int64_t) { return "failure"; }
// "b1 0x01 success, anything else failure": open, every other value is a failure.
inline constexpr EnumDef kResultEnum{"result", kResultEntries, false, result_failure};

inline constexpr EnumEntry kStartStopEntries[] = {{0, "stop"}, {1, "start"}};
inline constexpr EnumDef kStartStopEnum{"start/stop", kStartStopEntries};
inline constexpr EnumEntry kClearFaultsEntries[] = {{0, "no"}, {1, "clear"}};
inline constexpr EnumDef kClearFaultsEnum{"clear faults", kClearFaultsEntries};
inline constexpr EnumEntry kSelfStartEntries[] = {{0, "no"}, {1, "yes"}};
inline constexpr EnumDef kSelfStartEnum{"power-on self-start", kSelfStartEntries};
inline constexpr EnumEntry kOnOffEntries[] = {{0, "off"}, {1, "on"}};
inline constexpr EnumDef kOnOffEnum{"IO level", kOnOffEntries};
inline constexpr EnumEntry kEnableEntries[] = {{0, "disabled"}, {1, "enabled"}};
inline constexpr EnumDef kEnableEnum{"enable", kEnableEntries};
inline constexpr EnumEntry kInverterPhaseEntries[] = {{7, "A-phase host"}, {8, "B-phase host"},
                                                      {9, "C-phase host"}, {10, "A-phase slave"},
                                                      {11, "B-phase slave"}, {12, "C-phase slave"}};
inline constexpr EnumDef kInverterPhaseEnum{"inverter phase", kInverterPhaseEntries};
inline constexpr EnumEntry kReactiveModeEntries[] = {{0, "reactive power"}, {1, "power factor"}};
inline constexpr EnumDef kReactiveModeEnum{"reactive control mode", kReactiveModeEntries};
inline constexpr EnumEntry kGridSwitchingWriteEntries[] = {{0, "disabled"}, {1, "automatic switching"}};
inline constexpr EnumDef kGridSwitchingWriteEnum{"on/off-grid switching", kGridSwitchingWriteEntries};
// The read reply knows a third value the write frame cannot set (3.6: "2 IO switching").
inline constexpr EnumEntry kGridSwitchingReadEntries[] = {
    {0, "disabled"}, {1, "automatic switching"}, {2, "IO switching"}};
inline constexpr EnumDef kGridSwitchingReadEnum{"on/off-grid switching (read)", kGridSwitchingReadEntries};
inline constexpr EnumEntry kModuleParallelEntries[] = {{0, "single"}, {1, "host"}, {2, "slave"}};
inline constexpr EnumDef kModuleParallelEnum{"module parallel mode", kModuleParallelEntries};
inline constexpr EnumEntry kChannelParallelModeEntries[] = {
    {0, "single channel"}, {1, "main channel"}, {2, "slave channel"}};
inline constexpr EnumDef kChannelParallelModeEnum{"channel parallel mode", kChannelParallelModeEntries};
inline constexpr EnumEntry kChannelParallelWayEntries[] = {
    {0, "none"}, {1, "single-module channel parallel"}, {2, "multi-module channel parallel"}};
inline constexpr EnumDef kChannelParallelWayEnum{"channel parallel way", kChannelParallelWayEntries};

inline constexpr Range kLimit1000{0, 1000};
inline constexpr Range kAcVoltageLimit{0, 300};
inline constexpr Range kFrequencyLimit{40, 70};

// ---- 3.1 protection parameters -------------------------------------------------------------

inline constexpr SignalDef kReadProtection[] = {
    {.name = "type", .first_byte = 1, .type = RawType::u8, .enumeration = &kProtectionSetEnum, .text_key = "type_name"}};

// Shared by 0x02 (reading) and 0x05 (write): "same layout".
inline constexpr SignalDef kProtectionSet1[] = {
    {.name = "max_output_voltage_v", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "V",
     .range = kLimit1000, .property = "MaxOutputVoltage", .description = "maximum DC output voltage"},
    {.name = "min_output_voltage_v", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "V",
     .range = kLimit1000, .property = "MinOutputVoltage", .description = "minimum DC output voltage"},
    {.name = "max_charge_current_a", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "A",
     .range = kLimit1000, .property = "MaxChargeCurrent", .description = "maximum charge current"},
    {.name = "max_discharge_current_a", .first_byte = 7, .type = RawType::u16, .scale_exp = -1, .unit = "A",
     .range = kLimit1000, .property = "MaxDischargeCurrent", .description = "maximum discharge current"},
};
inline constexpr SignalDef kProtectionSet2[] = {
    {.name = "max_charge_power_kw", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "kW",
     .range = kLimit1000, .property = "MaxChargePower", .description = "maximum charge power"},
    {.name = "max_discharge_power_kw", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "kW",
     .range = kLimit1000, .property = "MaxDischargePower", .description = "maximum discharge power"},
    {.name = "ac_voltage_upper_v", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "V",
     .range = kAcVoltageLimit, .property = "AcVoltageUpperLimit", .description = "AC voltage upper limit"},
    {.name = "ac_voltage_lower_v", .first_byte = 7, .type = RawType::u16, .scale_exp = -1, .unit = "V",
     .range = kAcVoltageLimit, .property = "AcVoltageLowerLimit", .description = "AC voltage lower limit"},
};
inline constexpr SignalDef kProtectionSet3[] = {
    {.name = "discharge_frequency_upper_hz", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "Hz",
     .range = kFrequencyLimit, .property = "DischargeFrequencyUpperLimit",
     .description = "discharge frequency upper limit"},
    {.name = "charge_frequency_lower_hz", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "Hz",
     .range = kFrequencyLimit, .property = "ChargeFrequencyLowerLimit", .description = "charge frequency lower limit"},
    {.name = "ac_frequency_upper_hz", .first_byte = 5, .type = RawType::u8, .unit = "Hz", .range = kFrequencyLimit,
     .property = "AcFrequencyUpperLimit", .description = "AC frequency upper limit"},
    {.name = "ac_frequency_lower_hz", .first_byte = 6, .type = RawType::u8, .unit = "Hz", .range = kFrequencyLimit,
     .property = "AcFrequencyLowerLimit", .description = "AC frequency lower limit"},
};
inline constexpr SignalDef kProtectionWriteResult[] = {
    {.name = "type", .first_byte = 1, .type = RawType::u8, .enumeration = &kProtectionSetEnum, .text_key = "type_name"},
    {.name = "result", .first_byte = 2, .type = RawType::u8, .enumeration = &kResultEnum, .text_key = "result_name"},
};

// ---- 3.2 time, working mode, start/stop ----------------------------------------------------

inline constexpr SignalDef kResultOnly[] = {
    {.name = "result", .first_byte = 1, .type = RawType::u8, .enumeration = &kResultEnum, .text_key = "result_name"}};

inline constexpr SignalDef kSetClock[] = {
    // Decision (ystpcs): the vendor gives no range; a module's real-time clock, like every RTC of
    // its class, keeps a two-digit year: 2000–2099. A time outside is refused, not wrapped.
    {.name = "year", .first_byte = 1, .type = RawType::u16, .range = Range{2000, 2099}},
    {.name = "month", .first_byte = 3, .type = RawType::u8, .range = Range{1, 12}},
    {.name = "day", .first_byte = 4, .type = RawType::u8, .range = Range{1, 31}},
    {.name = "hour", .first_byte = 5, .type = RawType::u8, .range = Range{0, 23}},
    {.name = "minute", .first_byte = 6, .type = RawType::u8, .range = Range{0, 59}},
    {.name = "second", .first_byte = 7, .type = RawType::u8, .range = Range{0, 59}},
};
// Shared by 0x0B (set) and 0x36 (reading).
inline constexpr SignalDef kMode[] = {
    {.name = "mode", .first_byte = 1, .type = RawType::u8, .enumeration = &kModeEnum, .text_key = "mode_name"}};
// Shared by 0x0C/0x37 and 0x0D/0x38: raw i32, scaled per mode by Appendix A (modes.h).
inline constexpr SignalDef kModeParams12[] = {
    {.name = "parameter_1", .first_byte = 1, .type = RawType::i32},
    {.name = "parameter_2", .first_byte = 5, .type = RawType::i32},
};
inline constexpr SignalDef kModeParams34[] = {
    {.name = "parameter_3", .first_byte = 1, .type = RawType::i32},
    {.name = "parameter_4", .first_byte = 5, .type = RawType::i32},
};
inline constexpr SignalDef kStartStop[] = {
    {.name = "start_stop", .first_byte = 1, .type = RawType::u8, .enumeration = &kStartStopEnum,
     .text_key = "start_stop_name"},
    {.name = "clear_faults", .first_byte = 2, .type = RawType::u8, .enumeration = &kClearFaultsEnum,
     .text_key = "clear_faults_name"},
    {.name = "self_start", .first_byte = 3, .type = RawType::u8, .enumeration = &kSelfStartEnum,
     .text_key = "self_start_name"},
};
// Decision (0x21/0x22 sign): the vendor gives only "fact 0.1 kW"; power may be negative
// (charging), so the fields are i16.
// Per phase a third of what the power limits (3.1: 0–1000.0 kW) can allow; the module's own
// limits bound them further (each phase a third, the sum the whole: engine/operations).
inline constexpr Range kPhasePower{-333.3, 333.3};
inline constexpr SignalDef kPhaseActivePower[] = {
    {.name = "phase_a_kw", .first_byte = 1, .type = RawType::i16, .scale_exp = -1, .unit = "kW", .range = kPhasePower},
    {.name = "phase_b_kw", .first_byte = 3, .type = RawType::i16, .scale_exp = -1, .unit = "kW", .range = kPhasePower},
    {.name = "phase_c_kw", .first_byte = 5, .type = RawType::i16, .scale_exp = -1, .unit = "kW", .range = kPhasePower},
};
inline constexpr SignalDef kPhaseReactivePower[] = {  // Decision (0x21/0x22 sign): i16, see above
    {.name = "phase_a_kvar", .first_byte = 1, .type = RawType::i16, .scale_exp = -1, .unit = "kvar", .range = kPhasePower},
    {.name = "phase_b_kvar", .first_byte = 3, .type = RawType::i16, .scale_exp = -1, .unit = "kvar", .range = kPhasePower},
    {.name = "phase_c_kvar", .first_byte = 5, .type = RawType::i16, .scale_exp = -1, .unit = "kvar", .range = kPhasePower},
};

// ---- 3.3 real-time data ----------------------------------------------------------------------
// Decision (power signs): active and reactive power fields (0x11 b5-6, 0x16, 0x19, 0x23–0x25)
// are i16: a bidirectional converter reports negative power when it absorbs energy, and every
// positive value a 120 kW module can produce reads the same signed or unsigned. Apparent
// power, voltages, currents without offset, frequency and temperatures are unsigned.

inline constexpr SignalDef kDcOutput[] = {
    {.name = "voltage_v", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "DcVoltage",
     .description = "DC output voltage"},
    {.name = "current_a", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .offset = -1000, .unit = "A",
     .property = "DcCurrent", .description = "DC output current (negative: charging)"},
    {.name = "power_kw", .first_byte = 5, .type = RawType::i16, .scale_exp = -1, .unit = "kW",  // Decision (power signs)
     .property = "DcPower", .description = "DC output power (negative: charging)"},
    {.name = "inlet_temperature_c", .first_byte = 7, .type = RawType::u16, .scale_exp = -1, .offset = -50, .unit = "°C",
     .property = "InletTemperature", .description = "air-inlet temperature"},
};
inline constexpr SignalDef kCapacityEnergy[] = {
    {.name = "capacity_ah", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "Ah", .property = "Capacity",
     .description = "capacity counted in the current step"},
    {.name = "energy_wh", .first_byte = 3, .type = RawType::u32, .scale_exp = -1, .unit = "Wh", .property = "Energy",
     .description = "energy counted in the current step"},
    {.name = "outlet_temperature_c", .first_byte = 7, .type = RawType::u16, .scale_exp = -1, .offset = -50,
     .unit = "°C", .property = "OutletTemperature", .description = "air-outlet temperature"},
};
inline constexpr SignalDef kStateFault[] = {
    {.name = "state", .first_byte = 1, .type = RawType::u8, .enumeration = &kRunningStateEnum, .text_key = "state_name",
     .property = "RunningState", .text_property = "RunningStateName", .description = "running state (Appendix B)"},
    // byte 2 reserved
    {.name = "fault_code", .first_byte = 3, .type = RawType::u16, .enumeration = &kFaultEnum, .text_key = "fault_text",
     .property = "FaultCode", .text_property = "FaultText", .description = "fault code (Appendix C)"},
};

inline constexpr SignalDef kGridVoltage[] = {
    {.name = "phase_u_v", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "GridVoltageU"},
    {.name = "phase_v_v", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "GridVoltageV"},
    {.name = "phase_w_v", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "GridVoltageW"},
};
inline constexpr SignalDef kGridCurrent[] = {
    {.name = "phase_u_a", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "A", .property = "GridCurrentU"},
    {.name = "phase_v_a", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "A", .property = "GridCurrentV"},
    {.name = "phase_w_a", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "A", .property = "GridCurrentW"},
    // Decision (power factor, 0x15): i16 ×0.1 as the vendor writes. The resolution looks coarse
    // for a power factor; the scale lives here only, so it can be changed if a module disagrees.
    {.name = "power_factor", .first_byte = 7, .type = RawType::i16, .scale_exp = -1, .range = Range{-1, 1},
     .property = "GridPowerFactor"},
};
inline constexpr SignalDef kSystemPower[] = {
    {.name = "active_kw", .first_byte = 1, .type = RawType::i16, .scale_exp = -1, .unit = "kW",  // Decision (power signs)
     .property = "SystemActivePower"},
    {.name = "reactive_kvar", .first_byte = 3, .type = RawType::i16, .scale_exp = -1, .unit = "kvar",  // Decision (power signs)
     .property = "SystemReactivePower"},
    {.name = "apparent_kva", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "kVA",
     .property = "SystemApparentPower"},
    {.name = "frequency_hz", .first_byte = 7, .type = RawType::u16, .scale_exp = -1, .unit = "Hz",
     .property = "GridFrequency"},
};
inline constexpr SignalDef kLoadVoltage[] = {
    {.name = "phase_u_v", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "LoadVoltageU"},
    {.name = "phase_v_v", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "LoadVoltageV"},
    {.name = "phase_w_v", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "V", .property = "LoadVoltageW"},
};
inline constexpr SignalDef kLoadCurrent[] = {
    {.name = "phase_u_a", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "A", .property = "LoadCurrentU"},
    {.name = "phase_v_a", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .unit = "A", .property = "LoadCurrentV"},
    {.name = "phase_w_a", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "A", .property = "LoadCurrentW"},
};

// Active/reactive/apparent triples of 0x19 and 0x23–0x25 ("as 0x23"); the D-Bus property
// prefix tells them apart.  Decision (power signs): active and reactive are i16.
#define YSTPCS_POWER_TRIPLE(PREFIX)                                                                              \
    {.name = "active_kw", .first_byte = 1, .type = RawType::i16, .scale_exp = -1, .unit = "kW",                  \
     .property = PREFIX "ActivePower"},                                                                          \
        {.name = "reactive_kvar", .first_byte = 3, .type = RawType::i16, .scale_exp = -1, .unit = "kvar",        \
         .property = PREFIX "ReactivePower"},                                                                    \
        {.name = "apparent_kva", .first_byte = 5, .type = RawType::u16, .scale_exp = -1, .unit = "kVA",          \
         .property = PREFIX "ApparentPower"}
inline constexpr SignalDef kLoadPower[] = {YSTPCS_POWER_TRIPLE("Load")};
inline constexpr SignalDef kPhaseAPower[] = {YSTPCS_POWER_TRIPLE("PhaseA")};
inline constexpr SignalDef kPhaseBPower[] = {YSTPCS_POWER_TRIPLE("PhaseB")};
inline constexpr SignalDef kPhaseCPower[] = {YSTPCS_POWER_TRIPLE("PhaseC")};
#undef YSTPCS_POWER_TRIPLE

inline constexpr SignalDef kPreciseDcOutput[] = {
    {.name = "voltage_v", .first_byte = 1, .type = RawType::u32, .scale_exp = -3, .unit = "V",
     .property = "PreciseDcVoltage", .description = "DC output voltage, 1 mV resolution"},
    {.name = "current_a", .first_byte = 5, .type = RawType::u32, .scale_exp = -3, .offset = -1000, .unit = "A",
     .property = "PreciseDcCurrent", .description = "DC output current, 1 mA resolution (negative: charging)"},
};

// ---- 3.4 heartbeat ---------------------------------------------------------------------------

inline constexpr SignalDef kHeartbeat[] = {
    {.name = "dc_voltage_v", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "V",
     .range = Range{0, 1000}, .description = "DC voltage measured by the controller (0 when it measures none)"},
    {.name = "dc_current_a", .first_byte = 3, .type = RawType::u16, .scale_exp = -1, .offset = -1000, .unit = "A",
     .range = Range{-1000, 1000}, .description = "DC current measured by the controller (0 A = raw 10000 when it measures none)"},
    {.name = "state", .first_byte = 5, .type = RawType::u8, .enumeration = &kControllerStateEnum,
     .text_key = "state_name", .description = "controller running state: 1 shutdown, 2 running, 3 fault"},
};

// ---- 3.5 / 3.6 special settings --------------------------------------------------------------

// Shared by 0x1B (write) and 0x1E (reading).
inline constexpr SignalDef kBusVoltage[] = {
    {.name = "bus_voltage_v", .first_byte = 1, .type = RawType::u16, .scale_exp = -1, .unit = "V",
     .range = Range{680, 1000}, .property = "BusVoltage"},
    {.name = "reactive_power_kvar", .first_byte = 3, .type = RawType::i16, .scale_exp = -1, .unit = "kvar",
     .range = Range{-1000, 1000}, .property = "BusReactivePower"},
};
inline constexpr SignalDef kIoOutputs[] = {
    {.name = "io1", .first_byte = 1, .type = RawType::u8, .enumeration = &kOnOffEnum, .text_key = "io1_name"},
    {.name = "io2", .first_byte = 2, .type = RawType::u8, .enumeration = &kOnOffEnum, .text_key = "io2_name"},
    {.name = "io3", .first_byte = 3, .type = RawType::u8, .enumeration = &kOnOffEnum, .text_key = "io3_name"},
    {.name = "io4", .first_byte = 4, .type = RawType::u8, .enumeration = &kOnOffEnum, .text_key = "io4_name"},
};
inline constexpr SignalDef kIoInputs[] = {
    {.name = "io1", .first_byte = 1, .type = RawType::u8, .property = "IoInput1"},
    {.name = "io2", .first_byte = 2, .type = RawType::u8, .property = "IoInput2"},
    {.name = "io3", .first_byte = 3, .type = RawType::u8, .property = "IoInput3"},
    {.name = "io4", .first_byte = 4, .type = RawType::u8, .property = "IoInput4"},
    {.name = "ad1_v", .first_byte = 5, .type = RawType::u16, .scale_exp = -3, .unit = "V", .property = "AnalogInput1"},
    {.name = "ad2_v", .first_byte = 7, .type = RawType::u16, .scale_exp = -3, .unit = "V", .property = "AnalogInput2"},
};
// Shared by 0x26 (write) and 0x27 (reading).
inline constexpr SignalDef kSplitPhase[] = {
    {.name = "enabled", .first_byte = 1, .type = RawType::u8, .enumeration = &kEnableEnum, .text_key = "enabled_name",
     .property = "SplitPhaseEnabled"}};
// Shared by 0x28 and 0x29.
inline constexpr SignalDef kInverterPhase[] = {
    {.name = "phase", .first_byte = 1, .type = RawType::u8, .enumeration = &kInverterPhaseEnum,
     .text_key = "phase_name", .property = "InverterPhase", .text_property = "InverterPhaseName"}};
// Shared by 0x2A and 0x2B.
inline constexpr SignalDef kReactiveControl[] = {
    {.name = "mode", .first_byte = 1, .type = RawType::u8, .enumeration = &kReactiveModeEnum, .text_key = "mode_name",
     .property = "ReactiveControlMode", .text_property = "ReactiveControlModeName"},
    {.name = "power_factor", .first_byte = 2, .type = RawType::i16, .scale_exp = -3, .range = Range{-0.999, 1.000},
     .property = "ReactiveControlPowerFactor"},
};
inline constexpr SignalDef kGridSwitchingWrite[] = {
    {.name = "mode", .first_byte = 1, .type = RawType::u8, .enumeration = &kGridSwitchingWriteEnum,
     .text_key = "mode_name"}};
inline constexpr SignalDef kGridSwitchingRead[] = {
    {.name = "mode", .first_byte = 1, .type = RawType::u8, .enumeration = &kGridSwitchingReadEnum,
     .text_key = "mode_name", .property = "GridSwitching", .text_property = "GridSwitchingName"}};
// Shared by 0x2E and 0x2F ("as 0x2E").
inline constexpr SignalDef kModuleParallel[] = {
    {.name = "mode", .first_byte = 1, .type = RawType::u8, .enumeration = &kModuleParallelEnum, .text_key = "mode_name",
     .property = "ModuleParallelMode", .text_property = "ModuleParallelModeName"},
    {.name = "modules", .first_byte = 2, .type = RawType::u8, .range = Range{1, 10}, .property = "ModuleParallelCount"},
    // The vendor gives no range; a ratio of 0 would divide by zero in the module.
    {.name = "hall_ratio", .first_byte = 3, .type = RawType::u16, .range = Range{1, 65535}, .property = "HallSensorRatio"},
};
// Shared by 0x30 and 0x31 ("as 0x30").
inline constexpr SignalDef kChannelParallel[] = {
    {.name = "mode", .first_byte = 1, .type = RawType::u8, .enumeration = &kChannelParallelModeEnum,
     .text_key = "mode_name", .property = "ChannelParallelMode", .text_property = "ChannelParallelModeName"},
    {.name = "way", .first_byte = 2, .type = RawType::u8, .enumeration = &kChannelParallelWayEnum,
     .text_key = "way_name", .property = "ChannelParallelWay", .text_property = "ChannelParallelWayName"},
    {.name = "channels", .first_byte = 3, .type = RawType::u8, .range = Range{1, 10},
     .property = "ChannelParallelCount"},
};
// Shared by 0x32 and 0x33.
inline constexpr SignalDef kBusParallel[] = {
    {.name = "enabled", .first_byte = 1, .type = RawType::u8, .enumeration = &kEnableEnum, .text_key = "enabled_name",
     .property = "BusParallelEnabled"}};
inline constexpr SignalDef kSettingResult[] = {
    {.name = "type", .first_byte = 1, .type = RawType::u8, .enumeration = &kWriteSettingEnum, .text_key = "type_name"},
    {.name = "result", .first_byte = 2, .type = RawType::u8, .enumeration = &kResultEnum, .text_key = "result_name"},
};
inline constexpr SignalDef kReadSetting[] = {
    {.name = "type", .first_byte = 1, .type = RawType::u8, .enumeration = &kReadSettingEnum, .text_key = "type_name"}};

#define YSTPCS_VERSION_FIELDS(PREFIX)                                                                            \
    {.name = "hardware_v", .first_byte = 1, .type = RawType::u8, .property = PREFIX "HardwareV"},                \
        {.name = "hardware_b", .first_byte = 2, .type = RawType::u8, .property = PREFIX "HardwareB"},            \
        {.name = "hardware_d", .first_byte = 3, .type = RawType::u8, .property = PREFIX "HardwareD"},            \
        {.name = "software_v", .first_byte = 4, .type = RawType::u8, .property = PREFIX "SoftwareV"},            \
        {.name = "software_b", .first_byte = 5, .type = RawType::u8, .property = PREFIX "SoftwareB"},            \
        {.name = "software_d", .first_byte = 6, .type = RawType::u8, .property = PREFIX "SoftwareD"}
inline constexpr SignalDef kArmVersion[] = {YSTPCS_VERSION_FIELDS("Arm")};
inline constexpr SignalDef kDspVersion[] = {YSTPCS_VERSION_FIELDS("Dsp")};
#undef YSTPCS_VERSION_FIELDS

}  // namespace table

using D = Direction;
using R = FrameRole;

// Every PF of the reference, in the order of its sections.
inline constexpr FrameDef kFrames[] = {
    // 3.1
    {pf::read_protection, D::to_pcs, R::command, "read_protection", "read protection parameters", "3.1", table::kReadProtection},
    {pf::protection_1, D::from_pcs, R::reading, "protection_1", "protection set 1", "3.1", table::kProtectionSet1},
    {pf::protection_2, D::from_pcs, R::reading, "protection_2", "protection set 2", "3.1", table::kProtectionSet2},
    {pf::protection_3, D::from_pcs, R::reading, "protection_3", "protection set 3", "3.1", table::kProtectionSet3},
    {pf::write_protection_1, D::to_pcs, R::command, "write_protection_1", "write protection set 1", "3.1", table::kProtectionSet1},
    {pf::write_protection_2, D::to_pcs, R::command, "write_protection_2", "write protection set 2", "3.1", table::kProtectionSet2},
    {pf::write_protection_3, D::to_pcs, R::command, "write_protection_3", "write protection set 3", "3.1", table::kProtectionSet3},
    {pf::protection_write_result, D::from_pcs, R::result, "protection_write_result", "protection write result", "3.1", table::kProtectionWriteResult},
    // 3.2
    {pf::set_clock, D::to_pcs, R::command, "set_clock", "set clock", "3.2", table::kSetClock},
    {pf::set_clock_result, D::from_pcs, R::result, "set_clock_result", "set clock result", "3.2", table::kResultOnly},
    {pf::set_mode, D::to_pcs, R::command, "set_mode", "set working mode", "3.2", table::kMode},
    {pf::mode_params_12, D::to_pcs, R::command, "mode_params_12", "mode parameters 1–2", "3.2", table::kModeParams12, true, 0},
    {pf::mode_params_34, D::to_pcs, R::command, "mode_params_34", "mode parameters 3–4", "3.2", table::kModeParams34, true, 2},
    {pf::mode_result, D::from_pcs, R::result, "mode_result", "mode / parameter result", "3.2", table::kResultOnly},
    {pf::start_stop, D::to_pcs, R::command, "start_stop", "start/stop & flags", "3.2", table::kStartStop},
    {pf::start_stop_result, D::from_pcs, R::result, "start_stop_result", "start/stop result", "3.2", table::kResultOnly},
    {pf::phase_active_power, D::to_pcs, R::command, "phase_active_power", "per-phase active power", "3.2", table::kPhaseActivePower},
    {pf::phase_reactive_power, D::to_pcs, R::command, "phase_reactive_power", "per-phase reactive power", "3.2", table::kPhaseReactivePower},
    // 3.3
    {pf::dc_output, D::from_pcs, R::periodic, "dc_output", "DC output", "3.3", table::kDcOutput},
    {pf::capacity_energy, D::from_pcs, R::periodic, "capacity_energy", "capacity / energy", "3.3", table::kCapacityEnergy},
    {pf::state_fault, D::from_pcs, R::periodic, "state_fault", "state / fault", "3.3", table::kStateFault},
    {pf::grid_voltage, D::from_pcs, R::periodic, "grid_voltage", "grid voltage", "3.3", table::kGridVoltage},
    {pf::grid_current, D::from_pcs, R::periodic, "grid_current", "grid current & PF", "3.3", table::kGridCurrent},
    {pf::system_power, D::from_pcs, R::periodic, "system_power", "system power", "3.3", table::kSystemPower},
    {pf::load_voltage, D::from_pcs, R::periodic, "load_voltage", "load voltage", "3.3", table::kLoadVoltage},
    {pf::load_current, D::from_pcs, R::periodic, "load_current", "load current", "3.3", table::kLoadCurrent},
    {pf::load_power, D::from_pcs, R::periodic, "load_power", "load power", "3.3", table::kLoadPower},
    {pf::phase_a_power, D::from_pcs, R::periodic, "phase_a_power", "phase A power", "3.3", table::kPhaseAPower},
    {pf::phase_b_power, D::from_pcs, R::periodic, "phase_b_power", "phase B power", "3.3", table::kPhaseBPower},
    {pf::phase_c_power, D::from_pcs, R::periodic, "phase_c_power", "phase C power", "3.3", table::kPhaseCPower},
    // The vendor table labels this PF "25": the identifier 0x1839B4XX is right, "25" is a copy error.
    {pf::precise_dc_output, D::from_pcs, R::periodic, "precise_dc_output", "precise DC output", "3.3", table::kPreciseDcOutput},
    // 3.4
    {pf::heartbeat, D::to_pcs, R::heartbeat, "heartbeat", "external device data (heartbeat)", "3.4", table::kHeartbeat},
    // 3.5
    {pf::set_bus_voltage, D::to_pcs, R::command, "set_bus_voltage", "bus voltage & reactive power", "3.5", table::kBusVoltage},
    {pf::set_io_outputs, D::to_pcs, R::command, "set_io_outputs", "IOBUS outputs", "3.5", table::kIoOutputs},
    {pf::set_split_phase, D::to_pcs, R::command, "set_split_phase", "split-phase power control", "3.5", table::kSplitPhase},
    {pf::set_inverter_phase, D::to_pcs, R::command, "set_inverter_phase", "inverter phase", "3.5", table::kInverterPhase},
    {pf::set_reactive_control, D::to_pcs, R::command, "set_reactive_control", "reactive power control", "3.5", table::kReactiveControl},
    {pf::set_grid_switching, D::to_pcs, R::command, "set_grid_switching", "on/off-grid switching", "3.5", table::kGridSwitchingWrite},
    {pf::set_module_parallel, D::to_pcs, R::command, "set_module_parallel", "module parallel mode", "3.5", table::kModuleParallel},
    {pf::set_channel_parallel, D::to_pcs, R::command, "set_channel_parallel", "channel parallel mode", "3.5", table::kChannelParallel},
    {pf::set_bus_parallel, D::to_pcs, R::command, "set_bus_parallel", "bus parallel", "3.5", table::kBusParallel},
    {pf::setting_result, D::from_pcs, R::result, "setting_result", "special-setting result", "3.5", table::kSettingResult},
    // 3.6
    {pf::read_setting, D::to_pcs, R::command, "read_setting", "read special setting", "3.6", table::kReadSetting},
    {pf::bus_voltage_reading, D::from_pcs, R::reading, "bus_voltage_reading", "bus voltage & reactive power", "3.6", table::kBusVoltage},
    {pf::io_inputs, D::from_pcs, R::reading, "io_inputs", "IO inputs and analogue inputs", "3.6", table::kIoInputs},
    {pf::split_phase_reading, D::from_pcs, R::reading, "split_phase_reading", "split-phase enable", "3.6", table::kSplitPhase},
    {pf::inverter_phase_reading, D::from_pcs, R::reading, "inverter_phase_reading", "inverter phase", "3.6", table::kInverterPhase},
    {pf::reactive_control_reading, D::from_pcs, R::reading, "reactive_control_reading", "reactive control", "3.6", table::kReactiveControl},
    {pf::grid_switching_reading, D::from_pcs, R::reading, "grid_switching_reading", "on/off-grid setting", "3.6", table::kGridSwitchingRead},
    {pf::module_parallel_reading, D::from_pcs, R::reading, "module_parallel_reading", "module parallel", "3.6", table::kModuleParallel},
    {pf::channel_parallel_reading, D::from_pcs, R::reading, "channel_parallel_reading", "channel parallel", "3.6", table::kChannelParallel},
    {pf::bus_parallel_reading, D::from_pcs, R::reading, "bus_parallel_reading", "bus parallel", "3.6", table::kBusParallel},
    {pf::arm_version, D::from_pcs, R::reading, "arm_version", "ARM firmware version", "3.6", table::kArmVersion},
    {pf::dsp_version, D::from_pcs, R::reading, "dsp_version", "DSP firmware version", "3.6", table::kDspVersion},
    // Vendor typos resolved: the 0x36 table says PF "35", and the 0x37/0x38 tables say
    // "sending node: other devices" with PF "0C"/"0D": all three are PCS replies.
    {pf::mode_reading, D::from_pcs, R::reading, "mode_reading", "working mode", "3.6", table::kMode},
    {pf::mode_params_12_reading, D::from_pcs, R::reading, "mode_params_12_reading", "mode parameters 1–2", "3.6", table::kModeParams12, true, 0},
    {pf::mode_params_34_reading, D::from_pcs, R::reading, "mode_params_34_reading", "mode parameters 3–4", "3.6", table::kModeParams34, true, 2},
};

const FrameDef* find_frame(std::uint8_t pf);
const FrameDef* find_frame(std::string_view name);

// Position of a signal in its frame, resolved at compile time: a misspelt name is a build error.
struct SignalRef {
    std::uint8_t pf;
    std::uint8_t index;
};

consteval SignalRef signal_ref(std::uint8_t pf, std::string_view name) {
    for (const auto& f : kFrames) {
        if (f.pf != pf) continue;
        for (std::size_t i = 0; i < f.signals.size(); ++i)
            if (f.signals[i].name == name) return SignalRef{pf, static_cast<std::uint8_t>(i)};
    }
    throw "no such signal in the protocol table";  // not a constant expression: compile error
}

}  // namespace ystpcs::protocol
