// Appendix C: fault codes of frame 0x13 bytes 3-4, with meaning and recommended action.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "protocol/signal.h"

namespace ystpcs::protocol {

enum class FaultCategory {
    none,           // code 0
    communication,  // 0x8000 block: communication / system faults (protocol appendix 2)
    module,         // user manual §6 and protocol appendix 2
};

struct FaultDef {
    std::uint16_t first;  // a row of the appendix may cover a range of codes ("33–36")
    std::uint16_t last;
    FaultCategory category;
    std::string_view meaning;
    std::string_view action;
};

namespace fault_code {
inline constexpr std::uint16_t none = 0;
inline constexpr std::uint16_t battery_over_voltage = 1;
inline constexpr std::uint16_t battery_under_voltage = 2;
inline constexpr std::uint16_t battery_reverse = 3;
inline constexpr std::uint16_t over_current = 4;
inline constexpr std::uint16_t over_temperature = 5;
inline constexpr std::uint16_t over_power = 17;
inline constexpr std::uint16_t emergency_stop_button = 18;
inline constexpr std::uint16_t can1_communication = 0x800D;  // also the 5 s heartbeat timeout
inline constexpr std::uint16_t external_device = 0x8012;     // see kExternalDeviceFault below
}  // namespace fault_code

// The vendor text says a PCS that receives heartbeat state 0x03 "reports an external-device
// fault" without giving its code. Decision (ystpcs): the simulator reports 0x8012
// (emergency stop) for it, the closest listed code for an externally commanded safe stop.
inline constexpr std::uint16_t kExternalDeviceFault = fault_code::external_device;

// Every row of Appendix C, in the order of the reference.
inline constexpr FaultDef kFaults[] = {
    // Communication / system faults (protocol appendix 2). The reference gives no actions
    // for them; these are ystpcs advice derived from the meaning.
    {0x800D, 0x800D, FaultCategory::communication, "CAN1 communication fault (also raised after the 5 s heartbeat timeout)",
     "check CAN wiring and termination and that the controller's heartbeat reaches the module; clear faults"},
    {0x800E, 0x800E, FaultCategory::communication, "CAN2 communication fault", "check the CAN2 wiring; clear faults"},
    {0x800F, 0x800F, FaultCategory::communication, "RS-485 port 1 communication fault", "check the RS-485 port 1 wiring"},
    {0x8010, 0x8010, FaultCategory::communication, "RS-485 port 2 communication fault", "check the RS-485 port 2 wiring"},
    {0x8011, 0x8011, FaultCategory::communication, "DSP soft-start timeout", "restart the module; contact the manufacturer"},
    {0x8012, 0x8012, FaultCategory::communication, "emergency-stop button pressed", "check the emergency stop"},
    {0x8013, 0x8013, FaultCategory::communication, "charging-gun head over-temperature", "check the charging gun and its cooling"},
    {0x8014, 0x8014, FaultCategory::communication, "detection point 1 voltage abnormal", "check detection point 1 wiring"},
    {0x8015, 0x8015, FaultCategory::communication, "network disconnected", "check the network connection"},
    {0x8016, 0x8016, FaultCategory::communication, "DSP communication interrupted (check power supply)", "check the power supply"},
    // Module faults (user manual §6 and protocol appendix 2).
    {1, 1, FaultCategory::module, "battery voltage above the boundary", "check battery voltage and boundary settings"},
    {2, 2, FaultCategory::module, "battery voltage below the boundary", "check battery voltage and boundary settings"},
    {3, 3, FaultCategory::module, "battery reverse connection (negative voltage)", "check battery cabling"},
    {4, 4, FaultCategory::module, "current above the boundary", "check test steps and boundaries"},
    {5, 5, FaultCategory::module, "over-temperature (> 90 °C)", "check fan and ambient temperature"},
    {6, 6, FaultCategory::module, "DC soft-start timeout (> 10 s)", "restart the module; contact the manufacturer"},
    {7, 7, FaultCategory::module, "parallel address out of range", "check parallel connection"},
    {8, 8, FaultCategory::module, "parallel address conflict", "check parallel wiring, power-cycle"},
    {9, 9, FaultCategory::module, "parallel cable fault", "check parallel wiring, power-cycle"},
    {10, 10, FaultCategory::module, "parallel host conflict", "check parallel wiring, power-cycle"},
    {11, 11, FaultCategory::module, "signal cable fault", "check wiring"},
    {12, 12, FaultCategory::module, "DC bus under-voltage", "check bus voltage sampling, LLC switches and drivers"},
    {13, 13, FaultCategory::module, "DC bus over-voltage", "check bus voltage sampling, LLC switches and drivers"},
    {14, 14, FaultCategory::module, "flash write fault", "power-cycle"},
    {15, 15, FaultCategory::module, "over-current count exceeded (3 in a row)", "check test steps and boundaries"},
    {16, 16, FaultCategory::module, "over-voltage count exceeded (3 in a row)", "check bus voltage sampling, LLC switches and drivers"},
    {17, 17, FaultCategory::module, "power above the boundary", "check test steps and boundaries"},
    {18, 18, FaultCategory::module, "emergency-stop button pressed", "check the emergency stop"},
    {19, 19, FaultCategory::module, "hardware over-current", "check module, contact manufacturer"},
    {20, 20, FaultCategory::module, "current imbalance", "check output Hall wiring and ratio setting"},
    {21, 21, FaultCategory::module, "communication malfunction", "power-cycle"},
    {22, 22, FaultCategory::module, "remote voltage sensing abnormal", "check remote sense wiring"},
    {25, 25, FaultCategory::module, "balancing module over-current", "check the load"},
    {26, 26, FaultCategory::module, "slave failure (protocol appendix)", "check slave module"},
    {30, 30, FaultCategory::module, "slave failure", "check slave module"},
    {31, 31, FaultCategory::module, "fault reported by a channel", "check that channel"},
    {32, 32, FaultCategory::module, "ARM fault", "check ARM board"},
    {33, 36, FaultCategory::module, "wave-by-wave current limiting", "check DC drive"},
    {37, 37, FaultCategory::module, "DC bus over-voltage", "check bus sampling, LLC switches and drivers"},
    {38, 38, FaultCategory::module, "PFC bus voltage drop", "check LLC switches and drivers"},
    {39, 39, FaultCategory::module, "parallel mode error", "check parallel-mode settings"},
    {40, 40, FaultCategory::module, "DC bus voltage drop", "check DC switches and drivers"},
    {41, 44, FaultCategory::module, "parallel communication failure", "check parallel cables and DIP address"},
    {45, 45, FaultCategory::module, "DC bus short circuit", "check LLC switches and drivers"},
    {46, 46, FaultCategory::module, "PFC bus short circuit", "check LLC switches and drivers"},
    {47, 47, FaultCategory::module, "balancing module overload", "check the load"},
    {257, 257, FaultCategory::module, "grid over-voltage (> 264 V)", "check grid voltage"},
    {258, 258, FaultCategory::module, "grid under-voltage (< 176 V)", "check grid voltage"},
    {259, 259, FaultCategory::module, "inverter under-voltage", "check inverter voltage"},
    {260, 260, FaultCategory::module, "grid over-frequency", "check grid frequency"},
    {261, 261, FaultCategory::module, "grid under-frequency", "check grid frequency"},
    {262, 262, FaultCategory::module, "phase-lock failure", "check grid voltage"},
    {263, 263, FaultCategory::module, "inverter soft-start relay fault", "check AC soft-start relay and load voltage sensing"},
    {264, 264, FaultCategory::module, "inverter soft-start fault", "check AC switches and drivers"},
    {265, 265, FaultCategory::module, "input phase sequence reversed", "check input phase sequence"},
    {266, 266, FaultCategory::module, "AC output short circuit", "check AC wiring"},
    {267, 267, FaultCategory::module, "AC output current imbalance", "check the load"},
    {268, 268, FaultCategory::module, "output over-current", "check AC switches and drivers"},
    {269, 269, FaultCategory::module, "output overload 1.1×", "check the load"},
    {270, 270, FaultCategory::module, "output overload 1.2×", "check the load"},
    {271, 271, FaultCategory::module, "PFC bus under-voltage", "check AC switches and drivers"},
    {272, 274, FaultCategory::module, "PFC bus over-voltage", "check the N-line connection"},
    {275, 275, FaultCategory::module, "PFC bus voltage sensing fault", "check bus sampling"},
    {276, 276, FaultCategory::module, "DC soft-start fault", "check module, contact manufacturer"},
    {277, 277, FaultCategory::module, "PFC bus voltage imbalance", "check bus sampling"},
    {278, 278, FaultCategory::module, "bus voltage asymmetry", "check bus sampling"},
    {279, 279, FaultCategory::module, "DC output short circuit", "check AC switches and output wiring"},
    {280, 280, FaultCategory::module, "heat-sink over-temperature (> 90 °C)", "check fan and ambient temperature"},
    {281, 281, FaultCategory::module, "PFC soft-start timeout", "check AC switches and drivers"},
    {287, 287, FaultCategory::module, "auxiliary supply fault", "check 12 V supply"},
    {288, 288, FaultCategory::module, "power-board type mismatch", "check power boards and firmware"},
    {289, 289, FaultCategory::module, "signal cable fault", "check wiring"},
    {290, 290, FaultCategory::module, "low AC voltage (\"low wear\")", "check AC voltage"},
    {291, 291, FaultCategory::module, "rectifier soft-start fault", "check side-board soft-start drive"},
    {293, 293, FaultCategory::module, "reverse bus fault", "check bus wiring"},
    {298, 298, FaultCategory::module, "U-phase current sealing fault", "check phase switches"},
    {299, 299, FaultCategory::module, "V-phase current sealing fault", "check phase switches"},
    {300, 300, FaultCategory::module, "W-phase current sealing fault", "check phase switches"},
    {301, 301, FaultCategory::module, "output 1.1× current failure", "check the load"},
    {302, 302, FaultCategory::module, "output 1.2× current failure", "check the load"},
    {303, 303, FaultCategory::module, "DC-mode soft-start fault", "check soft relay and load voltage sensing"},
    {304, 304, FaultCategory::module, "DC-mode output over-voltage", "check DC output voltage"},
    {305, 305, FaultCategory::module, "DC-mode voltage reversed", "check DC wiring"},
    {306, 306, FaultCategory::module, "phase A fuse failure", "check phase A fuse"},
    {307, 307, FaultCategory::module, "phase B fuse failure", "check phase B fuse"},
    {308, 308, FaultCategory::module, "phase C fuse failure", "check phase C fuse"},
    {310, 310, FaultCategory::module, "system-side overload 1.2×", "check the load"},
    {311, 311, FaultCategory::module, "line/load voltage phase mismatch", "check load wiring"},
    {331, 331, FaultCategory::module, "phase A host relay welded", "check module"},
    {332, 332, FaultCategory::module, "phase B host relay welded", "check module"},
    {333, 333, FaultCategory::module, "phase C host relay welded", "check module"},
};

struct FaultInfo {
    std::uint16_t code = 0;
    FaultCategory category = FaultCategory::none;
    std::string_view meaning;
    std::string_view action;
    bool listed = false;  // false: the appendix's "other" row applies
};

// Any u16 gets an answer: listed rows, "no fault" for 0, and the appendix's "other" rows
// (0x8000 block: internal failure; elsewhere: reserved / internal failure).
FaultInfo fault_info(std::uint16_t code);

// How every fault is cleared (Appendix C, last paragraph).
inline constexpr std::string_view kFaultClearingProcedure =
    "remove the cause, send clear-faults (0x0F byte 2 = 1, keeping bytes 1 and 3), and restart";

namespace detail {
std::string_view fault_meaning(std::int64_t raw);
// Every listed code with its meaning, "no fault" first and ranges ("33–36") one entry per code:
// the value tables of the DBC file and the Wireshark dissector list them.
inline constexpr std::size_t count_fault_codes() {
    std::size_t n = 1;
    for (const auto& f : kFaults) n += static_cast<std::size_t>(f.last - f.first) + 1;
    return n;
}
inline constexpr auto make_fault_entries() {
    std::array<EnumEntry, count_fault_codes()> out{};
    std::size_t n = 0;
    out[n++] = {fault_code::none, "no fault"};
    for (const auto& f : kFaults)
        for (std::uint32_t code = f.first; code <= f.last; ++code) out[n++] = {code, f.meaning};
    return out;
}
inline constexpr auto kFaultEntries = make_fault_entries();
}  // namespace detail
// Open enum: every code decodes to a text (unlisted ones to the appendix's "other" rows), and
// any u16 may be encoded.
inline constexpr EnumDef kFaultEnum{"fault code", detail::kFaultEntries, false, detail::fault_meaning};

}  // namespace ystpcs::protocol
