// PDU-format numbers of every frame of the reference (spec §3), named for code that needs
// one frame in particular. The frame table (frames.h) is what describes them.
#pragma once

#include <cstdint>

namespace ystpcs::protocol::pf {

// 3.1 protection parameters
inline constexpr std::uint8_t read_protection = 0x01, protection_1 = 0x02, protection_2 = 0x03, protection_3 = 0x04,
                              write_protection_1 = 0x05, write_protection_2 = 0x06, write_protection_3 = 0x07,
                              protection_write_result = 0x08;
// 3.2 time, working mode, start/stop
inline constexpr std::uint8_t set_clock = 0x09, set_clock_result = 0x0A, set_mode = 0x0B, mode_params_12 = 0x0C,
                              mode_params_34 = 0x0D, mode_result = 0x0E, start_stop = 0x0F, start_stop_result = 0x10,
                              phase_active_power = 0x21, phase_reactive_power = 0x22;
// 3.3 real-time data
inline constexpr std::uint8_t dc_output = 0x11, capacity_energy = 0x12, state_fault = 0x13, grid_voltage = 0x14,
                              grid_current = 0x15, system_power = 0x16, load_voltage = 0x17, load_current = 0x18,
                              load_power = 0x19, phase_a_power = 0x23, phase_b_power = 0x24, phase_c_power = 0x25,
                              precise_dc_output = 0x39;
// 3.4 heartbeat
inline constexpr std::uint8_t heartbeat = 0x1A;
// 3.5 special settings (write) and their result
inline constexpr std::uint8_t set_bus_voltage = 0x1B, setting_result = 0x1C, set_io_outputs = 0x1F,
                              set_split_phase = 0x26, set_inverter_phase = 0x28, set_reactive_control = 0x2A,
                              set_grid_switching = 0x2C, set_module_parallel = 0x2E, set_channel_parallel = 0x30,
                              set_bus_parallel = 0x32;
// 3.6 special settings (read)
inline constexpr std::uint8_t read_setting = 0x1D, bus_voltage_reading = 0x1E, io_inputs = 0x20,
                              split_phase_reading = 0x27, inverter_phase_reading = 0x29,
                              reactive_control_reading = 0x2B, grid_switching_reading = 0x2D,
                              module_parallel_reading = 0x2F, channel_parallel_reading = 0x31,
                              bus_parallel_reading = 0x33, arm_version = 0x34, dsp_version = 0x35,
                              mode_reading = 0x36, mode_params_12_reading = 0x37, mode_params_34_reading = 0x38;

}  // namespace ystpcs::protocol::pf
