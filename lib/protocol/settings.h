// Special settings (spec 3.5 write, replied by 0x1C; 3.6 read via 0x1D) and the three
// protection parameter sets (3.1): which type number, which frames write, read and answer.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/pf.h"
#include "protocol/signal.h"

namespace ystpcs::protocol {

struct SettingDef {
    std::uint8_t type;          // 0x1C / 0x1D type byte
    std::string_view name;      // API name, e.g. "bus_voltage"
    std::string_view title;
    std::uint8_t write_pf;      // 0: read-only
    std::array<std::uint8_t, 3> read_pfs;  // reply frames of a 0x1D read, all of them arrive
    std::uint8_t read_count;
};

inline constexpr SettingDef kSettings[] = {
    {0x01, "bus_voltage", "bus voltage & reactive power", pf::set_bus_voltage, {pf::bus_voltage_reading}, 1},
    {0x02, "io", "IOBUS outputs (write) / IO and analogue inputs (read)", pf::set_io_outputs, {pf::io_inputs}, 1},
    {0x03, "split_phase", "split-phase power control", pf::set_split_phase, {pf::split_phase_reading}, 1},
    {0x04, "inverter_phase", "inverter phase", pf::set_inverter_phase, {pf::inverter_phase_reading}, 1},
    {0x05, "reactive_control", "reactive power control", pf::set_reactive_control, {pf::reactive_control_reading}, 1},
    {0x06, "grid_switching", "on/off-grid switching", pf::set_grid_switching, {pf::grid_switching_reading}, 1},
    {0x07, "module_parallel", "module parallel mode", pf::set_module_parallel, {pf::module_parallel_reading}, 1},
    {0x08, "channel_parallel", "channel parallel mode", pf::set_channel_parallel, {pf::channel_parallel_reading}, 1},
    {0x09, "bus_parallel", "bus parallel", pf::set_bus_parallel, {pf::bus_parallel_reading}, 1},
    {0x0A, "versions", "firmware versions (ARM and DSP)", 0, {pf::arm_version, pf::dsp_version}, 2},
    {0x0B, "working_mode", "working mode and parameters", 0,
     {pf::mode_reading, pf::mode_params_12_reading, pf::mode_params_34_reading}, 3},
};

const SettingDef* find_setting(std::int64_t type);
const SettingDef* find_setting(std::string_view name);
const SettingDef* find_setting_by_write_pf(std::uint8_t pf);

struct ProtectionSetDef {
    std::uint8_t type;        // 0x01 / 0x08 type byte
    std::uint8_t reading_pf;  // reply to 0x01 and layout of the set
    std::uint8_t write_pf;
    std::string_view title;
};

inline constexpr ProtectionSetDef kProtectionSets[] = {
    {1, pf::protection_1, pf::write_protection_1, "set 1: DC voltage and current"},
    {2, pf::protection_2, pf::write_protection_2, "set 2: power and AC voltage"},
    {3, pf::protection_3, pf::write_protection_3, "set 3: frequencies"},
};

const ProtectionSetDef* find_protection_set(std::int64_t type);
const ProtectionSetDef* find_protection_set_by_write_pf(std::uint8_t pf);

namespace detail {
inline constexpr auto make_setting_entries(bool writable_only) {
    std::array<EnumEntry, std::size(kSettings)> out{};
    std::size_t n = 0;
    for (const auto& s : kSettings)
        if (!writable_only || s.write_pf != 0) out[n++] = {s.type, s.name};
    return out;
}
inline constexpr std::size_t count_writable() {
    std::size_t n = 0;
    for (const auto& s : kSettings) n += s.write_pf != 0 ? 1 : 0;
    return n;
}
inline constexpr auto kReadSettingEntries = make_setting_entries(false);
inline constexpr auto kWriteSettingEntriesPadded = make_setting_entries(true);
inline constexpr auto make_protection_entries() {
    std::array<EnumEntry, std::size(kProtectionSets)> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = {kProtectionSets[i].type, kProtectionSets[i].title};
    return out;
}
inline constexpr auto kProtectionSetEntries = make_protection_entries();
}  // namespace detail

inline constexpr EnumDef kReadSettingEnum{"special setting", detail::kReadSettingEntries, true};
inline constexpr EnumDef kWriteSettingEnum{
    "writable special setting", std::span(detail::kWriteSettingEntriesPadded).first(detail::count_writable()), true};
inline constexpr EnumDef kProtectionSetEnum{"protection set", detail::kProtectionSetEntries, true};

}  // namespace ystpcs::protocol
