-- YSTECH PCS CAN protocol v1.11: a Wireshark dissector generated from the protocol table of ystpcs
-- (lib/protocol/frames.h) by `pcsctl export wireshark`; do not edit, regenerate.
--
--   tshark -X lua_script:ystech-pcs.lua -r capture.pcap -V
--   tshark -X lua_script:ystech-pcs.lua -r candump.log -Y 'ystpcs.frame == "state_fault"'
--   Wireshark: copy it into the personal Lua plugins folder (Help > About > Folders).
--
-- A heuristic on the CAN dissector's list: SocketCAN captures (LINKTYPE_CAN_SOCKETCAN) and
-- candump -L logs, any PCS address. Fields are named ystpcs.<frame>.<field> as pcsctl decode
-- names them; enumerations also give their text. Mode-parameter frames are scaled by the
-- working mode an earlier 0x0B/0x36 of the same PCS set (per interface in pcapng files).

local ystpcs = Proto("ystpcs", "YSTECH PCS CAN protocol v1.11")

local PAYLOAD_BYTES, PRIORITY, CONTROLLER, BROADCAST = 8, 6, 0xB4, 0x00

-- Enumerations: the values the table lists, and what the values it does not list read as.
local enums = {}
enums.protection_set = {
  values = { [1] = "set 1: DC voltage and current", [2] = "set 2: power and AC voltage", [3] = "set 3: frequencies", },
  other = { { 0, 0, "unknown" }, { 4, 255, "unknown" }, },
}
enums.result = {
  values = { [1] = "success", },
  other = { { 0, 0, "failure" }, { 2, 255, "failure" }, },
}
enums.working_mode = {
  values = { [2] = "DC constant voltage", [8] = "DC constant voltage with current limits", [33] = "DC constant current", [34] = "DC constant power", [35] = "DC constant resistance", [36] = "DC ramp current", [37] = "DC ramp power", [38] = "DC constant magnification", [39] = "DC ramp voltage", [40] = "DC pulse current", [41] = "DC CC-CV", [42] = "DC pulse resistance", [43] = "DC pulse power", [44] = "DC internal-resistance test", [64] = "AC constant power", [65] = "independent inverter (off-grid)", [97] = "DC pulse voltage", [145] = "idle", [148] = "standby", },
  other = { { 0, 1, "unknown" }, { 3, 7, "unknown" }, { 9, 32, "unknown" }, { 45, 63, "unknown" }, { 66, 96, "unknown" }, { 98, 144, "unknown" }, { 146, 147, "unknown" }, { 149, 255, "unknown" }, },
}
enums.start_stop = {
  values = { [0] = "stop", [1] = "start", },
  other = { { 2, 255, "unknown" }, },
}
enums.clear_faults = {
  values = { [0] = "no", [1] = "clear", },
  other = { { 2, 255, "unknown" }, },
}
enums.power_on_self_start = {
  values = { [0] = "no", [1] = "yes", },
  other = { { 2, 255, "unknown" }, },
}
enums.running_state = {
  values = { [1] = "long pause", [2] = "short stop", [3] = "long idle", [4] = "short idle", [5] = "stop", [6] = "fault", [7] = "AC constant-power operation", [8] = "power failure", [9] = "self-check", [10] = "soft start", [11] = "constant-voltage operation", [12] = "constant-current operation", [13] = "standby", [14] = "off-grid inverter operation", },
  other = { { 0, 0, "unknown state" }, { 15, 255, "unknown state" }, },
}
enums.fault_code = {
  values = { [0] = "no fault", [32781] = "CAN1 communication fault (also raised after the 5 s heartbeat timeout)", [32782] = "CAN2 communication fault", [32783] = "RS-485 port 1 communication fault", [32784] = "RS-485 port 2 communication fault", [32785] = "DSP soft-start timeout", [32786] = "emergency-stop button pressed", [32787] = "charging-gun head over-temperature", [32788] = "detection point 1 voltage abnormal", [32789] = "network disconnected", [32790] = "DSP communication interrupted (check power supply)", [1] = "battery voltage above the boundary", [2] = "battery voltage below the boundary", [3] = "battery reverse connection (negative voltage)", [4] = "current above the boundary", [5] = "over-temperature (> 90 °C)", [6] = "DC soft-start timeout (> 10 s)", [7] = "parallel address out of range", [8] = "parallel address conflict", [9] = "parallel cable fault", [10] = "parallel host conflict", [11] = "signal cable fault", [12] = "DC bus under-voltage", [13] = "DC bus over-voltage", [14] = "flash write fault", [15] = "over-current count exceeded (3 in a row)", [16] = "over-voltage count exceeded (3 in a row)", [17] = "power above the boundary", [18] = "emergency-stop button pressed", [19] = "hardware over-current", [20] = "current imbalance", [21] = "communication malfunction", [22] = "remote voltage sensing abnormal", [25] = "balancing module over-current", [26] = "slave failure (protocol appendix)", [30] = "slave failure", [31] = "fault reported by a channel", [32] = "ARM fault", [33] = "wave-by-wave current limiting", [34] = "wave-by-wave current limiting", [35] = "wave-by-wave current limiting", [36] = "wave-by-wave current limiting", [37] = "DC bus over-voltage", [38] = "PFC bus voltage drop", [39] = "parallel mode error", [40] = "DC bus voltage drop", [41] = "parallel communication failure", [42] = "parallel communication failure", [43] = "parallel communication failure", [44] = "parallel communication failure", [45] = "DC bus short circuit", [46] = "PFC bus short circuit", [47] = "balancing module overload", [257] = "grid over-voltage (> 264 V)", [258] = "grid under-voltage (< 176 V)", [259] = "inverter under-voltage", [260] = "grid over-frequency", [261] = "grid under-frequency", [262] = "phase-lock failure", [263] = "inverter soft-start relay fault", [264] = "inverter soft-start fault", [265] = "input phase sequence reversed", [266] = "AC output short circuit", [267] = "AC output current imbalance", [268] = "output over-current", [269] = "output overload 1.1×", [270] = "output overload 1.2×", [271] = "PFC bus under-voltage", [272] = "PFC bus over-voltage", [273] = "PFC bus over-voltage", [274] = "PFC bus over-voltage", [275] = "PFC bus voltage sensing fault", [276] = "DC soft-start fault", [277] = "PFC bus voltage imbalance", [278] = "bus voltage asymmetry", [279] = "DC output short circuit", [280] = "heat-sink over-temperature (> 90 °C)", [281] = "PFC soft-start timeout", [287] = "auxiliary supply fault", [288] = "power-board type mismatch", [289] = "signal cable fault", [290] = "low AC voltage (\"low wear\")", [291] = "rectifier soft-start fault", [293] = "reverse bus fault", [298] = "U-phase current sealing fault", [299] = "V-phase current sealing fault", [300] = "W-phase current sealing fault", [301] = "output 1.1× current failure", [302] = "output 1.2× current failure", [303] = "DC-mode soft-start fault", [304] = "DC-mode output over-voltage", [305] = "DC-mode voltage reversed", [306] = "phase A fuse failure", [307] = "phase B fuse failure", [308] = "phase C fuse failure", [310] = "system-side overload 1.2×", [311] = "line/load voltage phase mismatch", [331] = "phase A host relay welded", [332] = "phase B host relay welded", [333] = "phase C host relay welded", },
  other = { { 23, 24, "reserved / internal failure" }, { 27, 29, "reserved / internal failure" }, { 48, 256, "reserved / internal failure" }, { 282, 286, "reserved / internal failure" }, { 292, 292, "reserved / internal failure" }, { 294, 297, "reserved / internal failure" }, { 309, 309, "reserved / internal failure" }, { 312, 330, "reserved / internal failure" }, { 334, 32767, "reserved / internal failure" }, { 32768, 32780, "internal failure" }, { 32791, 65535, "internal failure" }, },
}
enums.controller_state = {
  values = { [1] = "shutdown", [2] = "running", [3] = "fault", },
  other = { { 0, 0, "unknown" }, { 4, 255, "unknown" }, },
}
enums.io_level = {
  values = { [0] = "off", [1] = "on", },
  other = { { 2, 255, "unknown" }, },
}
enums.enable = {
  values = { [0] = "disabled", [1] = "enabled", },
  other = { { 2, 255, "unknown" }, },
}
enums.inverter_phase = {
  values = { [7] = "A-phase host", [8] = "B-phase host", [9] = "C-phase host", [10] = "A-phase slave", [11] = "B-phase slave", [12] = "C-phase slave", },
  other = { { 0, 6, "unknown" }, { 13, 255, "unknown" }, },
}
enums.reactive_control_mode = {
  values = { [0] = "reactive power", [1] = "power factor", },
  other = { { 2, 255, "unknown" }, },
}
enums.on_off_grid_switching = {
  values = { [0] = "disabled", [1] = "automatic switching", },
  other = { { 2, 255, "unknown" }, },
}
enums.module_parallel_mode = {
  values = { [0] = "single", [1] = "host", [2] = "slave", },
  other = { { 3, 255, "unknown" }, },
}
enums.channel_parallel_mode = {
  values = { [0] = "single channel", [1] = "main channel", [2] = "slave channel", },
  other = { { 3, 255, "unknown" }, },
}
enums.channel_parallel_way = {
  values = { [0] = "none", [1] = "single-module channel parallel", [2] = "multi-module channel parallel", },
  other = { { 3, 255, "unknown" }, },
}
enums.writable_special_setting = {
  values = { [1] = "bus_voltage", [2] = "io", [3] = "split_phase", [4] = "inverter_phase", [5] = "reactive_control", [6] = "grid_switching", [7] = "module_parallel", [8] = "channel_parallel", [9] = "bus_parallel", },
  other = { { 0, 0, "unknown" }, { 10, 255, "unknown" }, },
}
enums.special_setting = {
  values = { [1] = "bus_voltage", [2] = "io", [3] = "split_phase", [4] = "inverter_phase", [5] = "reactive_control", [6] = "grid_switching", [7] = "module_parallel", [8] = "channel_parallel", [9] = "bus_parallel", [10] = "versions", [11] = "working_mode", },
  other = { { 0, 0, "unknown" }, { 12, 255, "unknown" }, },
}
enums.on_off_grid_switching_read = {
  values = { [0] = "disabled", [1] = "automatic switching", [2] = "IO switching", },
  other = { { 3, 255, "unknown" }, },
}

-- Working modes (Appendix A): the parameters each one gives 0x0C/0x0D and 0x37/0x38.
local modes = {
  [0x02] = { name = "cv", title = "DC constant voltage", params = { { name = "voltage_v", exp = -3, unit = "V" }, } },
  [0x08] = { name = "cv_limited", title = "DC constant voltage with current limits", params = { { name = "voltage_v", exp = -3, unit = "V" }, { name = "max_charge_current_a", exp = -3, unit = "A" }, { name = "max_discharge_current_a", exp = -3, unit = "A" }, } },
  [0x21] = { name = "cc", title = "DC constant current", params = { { name = "current_a", exp = -3, unit = "A" }, } },
  [0x22] = { name = "cp", title = "DC constant power", params = { { name = "power_w", exp = -3, unit = "W" }, } },
  [0x23] = { name = "cr", title = "DC constant resistance", params = { { name = "resistance_ohm", exp = -3, unit = "Ω" }, } },
  [0x24] = { name = "ramp_current", title = "DC ramp current", params = { { name = "start_current_a", exp = -3, unit = "A" }, { name = "end_current_a", exp = -3, unit = "A" }, { name = "cycle_time_s", exp = -3, unit = "s" }, } },
  [0x25] = { name = "ramp_power", title = "DC ramp power", params = { { name = "start_power_w", exp = -3, unit = "W" }, { name = "end_power_w", exp = -3, unit = "W" }, { name = "cycle_time_s", exp = -3, unit = "s" }, } },
  [0x26] = { name = "magnification", title = "DC constant magnification", params = { { name = "magnification", exp = -3, unit = "" }, } },
  [0x27] = { name = "ramp_voltage", title = "DC ramp voltage", params = { { name = "start_voltage_v", exp = -3, unit = "V" }, { name = "end_voltage_v", exp = -3, unit = "V" }, { name = "cycle_time_s", exp = -3, unit = "s" }, } },
  [0x28] = { name = "pulse_current", title = "DC pulse current", params = { { name = "current_1_a", exp = -3, unit = "A" }, { name = "current_2_a", exp = -3, unit = "A" }, { name = "cycle_time_s", exp = -2, unit = "s" }, { name = "duty_pct", exp = -2, unit = "%" }, } },
  [0x29] = { name = "cccv", title = "DC CC-CV", params = { { name = "voltage_v", exp = -3, unit = "V" }, { name = "current_a", exp = -3, unit = "A" }, { name = "end_current_a", exp = -3, unit = "A" }, } },
  [0x2A] = { name = "pulse_resistance", title = "DC pulse resistance", params = { { name = "resistance_1_ohm", exp = -3, unit = "Ω" }, { name = "resistance_2_ohm", exp = -3, unit = "Ω" }, { name = "cycle_time_s", exp = -2, unit = "s" }, { name = "duty_pct", exp = -2, unit = "%" }, } },
  [0x2B] = { name = "pulse_power", title = "DC pulse power", params = { { name = "power_1_w", exp = -3, unit = "W" }, { name = "power_2_w", exp = -3, unit = "W" }, { name = "cycle_time_s", exp = -2, unit = "s" }, { name = "duty_pct", exp = -2, unit = "%" }, } },
  [0x2C] = { name = "dcr_test", title = "DC internal-resistance test", params = { { name = "current_a", exp = -3, unit = "A" }, { name = "time_1_s", exp = -3, unit = "s" }, { name = "time_2_s", exp = -3, unit = "s" }, { name = "time_3_s", exp = -3, unit = "s" }, } },
  [0x40] = { name = "ac_power", title = "AC constant power", params = { { name = "active_power_w", exp = -3, unit = "W" }, { name = "reactive_power_var", exp = -3, unit = "var" }, } },
  [0x41] = { name = "off_grid", title = "independent inverter (off-grid)", params = { { name = "voltage_v", exp = -3, unit = "V" }, { name = "frequency_hz", exp = -3, unit = "Hz" }, } },
  [0x61] = { name = "pulse_voltage", title = "DC pulse voltage", params = { { name = "voltage_1_v", exp = -3, unit = "V" }, { name = "voltage_2_v", exp = -3, unit = "V" }, { name = "cycle_time_s", exp = -2, unit = "s" }, { name = "duty_pct", exp = -2, unit = "%" }, } },
  [0x91] = { name = "idle", title = "idle", params = { } },
  [0x94] = { name = "standby", title = "standby", params = { } },
}

-- Every frame of the table by PF: layout, scale, offset, unit, enumeration and field of each signal.
local frames = {}
frames[0x01] = {
  name = "read_protection", title = "read protection parameters", from_pcs = false, sets_mode = false,
  signals = {
    { name = "type", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.read_protection.type", "type", base.DEC, enums.protection_set.values),
      enum = enums.protection_set, text_key = "type_name", text_field = ProtoField.string("ystpcs.read_protection.type_name", "protection set (text)") },
  },
}
frames[0x02] = {
  name = "protection_1", title = "protection set 1", from_pcs = true, sets_mode = false,
  signals = {
    { name = "max_output_voltage_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.protection_1.max_output_voltage_v", "maximum DC output voltage [V]") },
    { name = "min_output_voltage_v", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.protection_1.min_output_voltage_v", "minimum DC output voltage [V]") },
    { name = "max_charge_current_a", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.protection_1.max_charge_current_a", "maximum charge current [A]") },
    { name = "max_discharge_current_a", first = 6, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.protection_1.max_discharge_current_a", "maximum discharge current [A]") },
  },
}
frames[0x03] = {
  name = "protection_2", title = "protection set 2", from_pcs = true, sets_mode = false,
  signals = {
    { name = "max_charge_power_kw", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.protection_2.max_charge_power_kw", "maximum charge power [kW]") },
    { name = "max_discharge_power_kw", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.protection_2.max_discharge_power_kw", "maximum discharge power [kW]") },
    { name = "ac_voltage_upper_v", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.protection_2.ac_voltage_upper_v", "AC voltage upper limit [V]") },
    { name = "ac_voltage_lower_v", first = 6, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.protection_2.ac_voltage_lower_v", "AC voltage lower limit [V]") },
  },
}
frames[0x04] = {
  name = "protection_3", title = "protection set 3", from_pcs = true, sets_mode = false,
  signals = {
    { name = "discharge_frequency_upper_hz", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Hz",
      field = ProtoField.double("ystpcs.protection_3.discharge_frequency_upper_hz", "discharge frequency upper limit [Hz]") },
    { name = "charge_frequency_lower_hz", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Hz",
      field = ProtoField.double("ystpcs.protection_3.charge_frequency_lower_hz", "charge frequency lower limit [Hz]") },
    { name = "ac_frequency_upper_hz", first = 4, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "Hz",
      field = ProtoField.uint8("ystpcs.protection_3.ac_frequency_upper_hz", "AC frequency upper limit [Hz]", base.DEC) },
    { name = "ac_frequency_lower_hz", first = 5, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "Hz",
      field = ProtoField.uint8("ystpcs.protection_3.ac_frequency_lower_hz", "AC frequency lower limit [Hz]", base.DEC) },
  },
}
frames[0x05] = {
  name = "write_protection_1", title = "write protection set 1", from_pcs = false, sets_mode = false,
  signals = {
    { name = "max_output_voltage_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.write_protection_1.max_output_voltage_v", "maximum DC output voltage [V]") },
    { name = "min_output_voltage_v", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.write_protection_1.min_output_voltage_v", "minimum DC output voltage [V]") },
    { name = "max_charge_current_a", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.write_protection_1.max_charge_current_a", "maximum charge current [A]") },
    { name = "max_discharge_current_a", first = 6, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.write_protection_1.max_discharge_current_a", "maximum discharge current [A]") },
  },
}
frames[0x06] = {
  name = "write_protection_2", title = "write protection set 2", from_pcs = false, sets_mode = false,
  signals = {
    { name = "max_charge_power_kw", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.write_protection_2.max_charge_power_kw", "maximum charge power [kW]") },
    { name = "max_discharge_power_kw", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.write_protection_2.max_discharge_power_kw", "maximum discharge power [kW]") },
    { name = "ac_voltage_upper_v", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.write_protection_2.ac_voltage_upper_v", "AC voltage upper limit [V]") },
    { name = "ac_voltage_lower_v", first = 6, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.write_protection_2.ac_voltage_lower_v", "AC voltage lower limit [V]") },
  },
}
frames[0x07] = {
  name = "write_protection_3", title = "write protection set 3", from_pcs = false, sets_mode = false,
  signals = {
    { name = "discharge_frequency_upper_hz", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Hz",
      field = ProtoField.double("ystpcs.write_protection_3.discharge_frequency_upper_hz", "discharge frequency upper limit [Hz]") },
    { name = "charge_frequency_lower_hz", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Hz",
      field = ProtoField.double("ystpcs.write_protection_3.charge_frequency_lower_hz", "charge frequency lower limit [Hz]") },
    { name = "ac_frequency_upper_hz", first = 4, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "Hz",
      field = ProtoField.uint8("ystpcs.write_protection_3.ac_frequency_upper_hz", "AC frequency upper limit [Hz]", base.DEC) },
    { name = "ac_frequency_lower_hz", first = 5, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "Hz",
      field = ProtoField.uint8("ystpcs.write_protection_3.ac_frequency_lower_hz", "AC frequency lower limit [Hz]", base.DEC) },
  },
}
frames[0x08] = {
  name = "protection_write_result", title = "protection write result", from_pcs = true, sets_mode = false,
  signals = {
    { name = "type", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.protection_write_result.type", "type", base.DEC, enums.protection_set.values),
      enum = enums.protection_set, text_key = "type_name", text_field = ProtoField.string("ystpcs.protection_write_result.type_name", "protection set (text)") },
    { name = "result", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.protection_write_result.result", "result", base.DEC, enums.result.values),
      enum = enums.result, text_key = "result_name", text_field = ProtoField.string("ystpcs.protection_write_result.result_name", "result (text)"), expert = "failure" },
  },
}
frames[0x09] = {
  name = "set_clock", title = "set clock", from_pcs = false, sets_mode = false,
  signals = {
    { name = "year", first = 0, width = 2, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint16("ystpcs.set_clock.year", "year", base.DEC) },
    { name = "month", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_clock.month", "month", base.DEC) },
    { name = "day", first = 3, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_clock.day", "day", base.DEC) },
    { name = "hour", first = 4, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_clock.hour", "hour", base.DEC) },
    { name = "minute", first = 5, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_clock.minute", "minute", base.DEC) },
    { name = "second", first = 6, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_clock.second", "second", base.DEC) },
  },
}
frames[0x0A] = {
  name = "set_clock_result", title = "set clock result", from_pcs = true, sets_mode = false,
  signals = {
    { name = "result", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_clock_result.result", "result", base.DEC, enums.result.values),
      enum = enums.result, text_key = "result_name", text_field = ProtoField.string("ystpcs.set_clock_result.result_name", "result (text)"), expert = "failure" },
  },
}
frames[0x0B] = {
  name = "set_mode", title = "set working mode", from_pcs = false, sets_mode = true,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_mode.mode", "mode", base.DEC, enums.working_mode.values),
      enum = enums.working_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.set_mode.mode_name", "working mode (text)") },
  },
}
frames[0x0C] = {
  name = "mode_params_12", title = "mode parameters 1–2", from_pcs = false, sets_mode = false,
  signals = {
    { name = "parameter_1", first = 0, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_12.parameter_1", "parameter_1", base.DEC) },
    { name = "parameter_2", first = 4, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_12.parameter_2", "parameter_2", base.DEC) },
  },
  first_param = 0,
  param_fields = {
    mode = ProtoField.uint8("ystpcs.mode_params_12.mode", "working mode scaling the parameters", base.HEX, enums.working_mode.values),
    mode_name = ProtoField.string("ystpcs.mode_params_12.mode_name", "working mode (text)"),
    active_power_w = ProtoField.double("ystpcs.mode_params_12.active_power_w", "active power [W]"),
    current_1_a = ProtoField.double("ystpcs.mode_params_12.current_1_a", "current 1 [A]"),
    current_2_a = ProtoField.double("ystpcs.mode_params_12.current_2_a", "current 2 [A]"),
    current_a = ProtoField.double("ystpcs.mode_params_12.current_a", "current [A]"),
    end_current_a = ProtoField.double("ystpcs.mode_params_12.end_current_a", "end current [A]"),
    end_power_w = ProtoField.double("ystpcs.mode_params_12.end_power_w", "end power [W]"),
    end_voltage_v = ProtoField.double("ystpcs.mode_params_12.end_voltage_v", "end voltage [V]"),
    frequency_hz = ProtoField.double("ystpcs.mode_params_12.frequency_hz", "frequency [Hz]"),
    magnification = ProtoField.double("ystpcs.mode_params_12.magnification", "magnification"),
    max_charge_current_a = ProtoField.double("ystpcs.mode_params_12.max_charge_current_a", "max charge current [A]"),
    power_1_w = ProtoField.double("ystpcs.mode_params_12.power_1_w", "power 1 [W]"),
    power_2_w = ProtoField.double("ystpcs.mode_params_12.power_2_w", "power 2 [W]"),
    power_w = ProtoField.double("ystpcs.mode_params_12.power_w", "power [W]"),
    reactive_power_var = ProtoField.double("ystpcs.mode_params_12.reactive_power_var", "reactive power [var]"),
    resistance_1_ohm = ProtoField.double("ystpcs.mode_params_12.resistance_1_ohm", "resistance 1 [Ω]"),
    resistance_2_ohm = ProtoField.double("ystpcs.mode_params_12.resistance_2_ohm", "resistance 2 [Ω]"),
    resistance_ohm = ProtoField.double("ystpcs.mode_params_12.resistance_ohm", "resistance [Ω]"),
    start_current_a = ProtoField.double("ystpcs.mode_params_12.start_current_a", "start current [A]"),
    start_power_w = ProtoField.double("ystpcs.mode_params_12.start_power_w", "start power [W]"),
    start_voltage_v = ProtoField.double("ystpcs.mode_params_12.start_voltage_v", "start voltage [V]"),
    time_1_s = ProtoField.double("ystpcs.mode_params_12.time_1_s", "time 1 [s]"),
    voltage_1_v = ProtoField.double("ystpcs.mode_params_12.voltage_1_v", "voltage 1 [V]"),
    voltage_2_v = ProtoField.double("ystpcs.mode_params_12.voltage_2_v", "voltage 2 [V]"),
    voltage_v = ProtoField.double("ystpcs.mode_params_12.voltage_v", "voltage [V]"),
  },
}
frames[0x0D] = {
  name = "mode_params_34", title = "mode parameters 3–4", from_pcs = false, sets_mode = false,
  signals = {
    { name = "parameter_3", first = 0, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_34.parameter_3", "parameter_3", base.DEC) },
    { name = "parameter_4", first = 4, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_34.parameter_4", "parameter_4", base.DEC) },
  },
  first_param = 2,
  param_fields = {
    mode = ProtoField.uint8("ystpcs.mode_params_34.mode", "working mode scaling the parameters", base.HEX, enums.working_mode.values),
    mode_name = ProtoField.string("ystpcs.mode_params_34.mode_name", "working mode (text)"),
    cycle_time_s = ProtoField.double("ystpcs.mode_params_34.cycle_time_s", "cycle time [s]"),
    duty_pct = ProtoField.double("ystpcs.mode_params_34.duty_pct", "duty of current 1 [%]"),
    end_current_a = ProtoField.double("ystpcs.mode_params_34.end_current_a", "end (cut-off) current [A]"),
    max_discharge_current_a = ProtoField.double("ystpcs.mode_params_34.max_discharge_current_a", "max discharge current [A]"),
    time_2_s = ProtoField.double("ystpcs.mode_params_34.time_2_s", "time 2 [s]"),
    time_3_s = ProtoField.double("ystpcs.mode_params_34.time_3_s", "time 3 [s]"),
  },
}
frames[0x0E] = {
  name = "mode_result", title = "mode / parameter result", from_pcs = true, sets_mode = false,
  signals = {
    { name = "result", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.mode_result.result", "result", base.DEC, enums.result.values),
      enum = enums.result, text_key = "result_name", text_field = ProtoField.string("ystpcs.mode_result.result_name", "result (text)"), expert = "failure" },
  },
}
frames[0x0F] = {
  name = "start_stop", title = "start/stop & flags", from_pcs = false, sets_mode = false,
  signals = {
    { name = "start_stop", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.start_stop.start_stop", "start_stop", base.DEC, enums.start_stop.values),
      enum = enums.start_stop, text_key = "start_stop_name", text_field = ProtoField.string("ystpcs.start_stop.start_stop_name", "start/stop (text)") },
    { name = "clear_faults", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.start_stop.clear_faults", "clear_faults", base.DEC, enums.clear_faults.values),
      enum = enums.clear_faults, text_key = "clear_faults_name", text_field = ProtoField.string("ystpcs.start_stop.clear_faults_name", "clear faults (text)") },
    { name = "self_start", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.start_stop.self_start", "self_start", base.DEC, enums.power_on_self_start.values),
      enum = enums.power_on_self_start, text_key = "self_start_name", text_field = ProtoField.string("ystpcs.start_stop.self_start_name", "power-on self-start (text)") },
  },
}
frames[0x10] = {
  name = "start_stop_result", title = "start/stop result", from_pcs = true, sets_mode = false,
  signals = {
    { name = "result", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.start_stop_result.result", "result", base.DEC, enums.result.values),
      enum = enums.result, text_key = "result_name", text_field = ProtoField.string("ystpcs.start_stop_result.result_name", "result (text)"), expert = "failure" },
  },
}
frames[0x21] = {
  name = "phase_active_power", title = "per-phase active power", from_pcs = false, sets_mode = false,
  signals = {
    { name = "phase_a_kw", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.phase_active_power.phase_a_kw", "phase_a_kw [kW]") },
    { name = "phase_b_kw", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.phase_active_power.phase_b_kw", "phase_b_kw [kW]") },
    { name = "phase_c_kw", first = 4, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.phase_active_power.phase_c_kw", "phase_c_kw [kW]") },
  },
}
frames[0x22] = {
  name = "phase_reactive_power", title = "per-phase reactive power", from_pcs = false, sets_mode = false,
  signals = {
    { name = "phase_a_kvar", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.phase_reactive_power.phase_a_kvar", "phase_a_kvar [kvar]") },
    { name = "phase_b_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.phase_reactive_power.phase_b_kvar", "phase_b_kvar [kvar]") },
    { name = "phase_c_kvar", first = 4, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.phase_reactive_power.phase_c_kvar", "phase_c_kvar [kvar]") },
  },
}
frames[0x11] = {
  name = "dc_output", title = "DC output", from_pcs = true, sets_mode = false,
  signals = {
    { name = "voltage_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.dc_output.voltage_v", "DC output voltage [V]") },
    { name = "current_a", first = 2, width = 2, signed = false, exp = -1, offset = -1000, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.dc_output.current_a", "DC output current (negative: charging) [A]") },
    { name = "power_kw", first = 4, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.dc_output.power_kw", "DC output power (negative: charging) [kW]") },
    { name = "inlet_temperature_c", first = 6, width = 2, signed = false, exp = -1, offset = -50, decimals = 1, unit = "°C",
      field = ProtoField.double("ystpcs.dc_output.inlet_temperature_c", "air-inlet temperature [°C]") },
  },
}
frames[0x12] = {
  name = "capacity_energy", title = "capacity / energy", from_pcs = true, sets_mode = false,
  signals = {
    { name = "capacity_ah", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Ah",
      field = ProtoField.double("ystpcs.capacity_energy.capacity_ah", "capacity counted in the current step [Ah]") },
    { name = "energy_wh", first = 2, width = 4, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Wh",
      field = ProtoField.double("ystpcs.capacity_energy.energy_wh", "energy counted in the current step [Wh]") },
    { name = "outlet_temperature_c", first = 6, width = 2, signed = false, exp = -1, offset = -50, decimals = 1, unit = "°C",
      field = ProtoField.double("ystpcs.capacity_energy.outlet_temperature_c", "air-outlet temperature [°C]") },
  },
}
frames[0x13] = {
  name = "state_fault", title = "state / fault", from_pcs = true, sets_mode = false,
  signals = {
    { name = "state", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.state_fault.state", "running state (Appendix B)", base.DEC, enums.running_state.values),
      enum = enums.running_state, text_key = "state_name", text_field = ProtoField.string("ystpcs.state_fault.state_name", "running state (text)") },
    { name = "fault_code", first = 2, width = 2, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint16("ystpcs.state_fault.fault_code", "fault code (Appendix C)", base.DEC, enums.fault_code.values),
      enum = enums.fault_code, text_key = "fault_text", text_field = ProtoField.string("ystpcs.state_fault.fault_text", "fault code (text)"), expert = "fault" },
  },
}
frames[0x14] = {
  name = "grid_voltage", title = "grid voltage", from_pcs = true, sets_mode = false,
  signals = {
    { name = "phase_u_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.grid_voltage.phase_u_v", "phase_u_v [V]") },
    { name = "phase_v_v", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.grid_voltage.phase_v_v", "phase_v_v [V]") },
    { name = "phase_w_v", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.grid_voltage.phase_w_v", "phase_w_v [V]") },
  },
}
frames[0x15] = {
  name = "grid_current", title = "grid current & PF", from_pcs = true, sets_mode = false,
  signals = {
    { name = "phase_u_a", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.grid_current.phase_u_a", "phase_u_a [A]") },
    { name = "phase_v_a", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.grid_current.phase_v_a", "phase_v_a [A]") },
    { name = "phase_w_a", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.grid_current.phase_w_a", "phase_w_a [A]") },
    { name = "power_factor", first = 6, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "",
      field = ProtoField.double("ystpcs.grid_current.power_factor", "power_factor") },
  },
}
frames[0x16] = {
  name = "system_power", title = "system power", from_pcs = true, sets_mode = false,
  signals = {
    { name = "active_kw", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.system_power.active_kw", "active_kw [kW]") },
    { name = "reactive_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.system_power.reactive_kvar", "reactive_kvar [kvar]") },
    { name = "apparent_kva", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kVA",
      field = ProtoField.double("ystpcs.system_power.apparent_kva", "apparent_kva [kVA]") },
    { name = "frequency_hz", first = 6, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "Hz",
      field = ProtoField.double("ystpcs.system_power.frequency_hz", "frequency_hz [Hz]") },
  },
}
frames[0x17] = {
  name = "load_voltage", title = "load voltage", from_pcs = true, sets_mode = false,
  signals = {
    { name = "phase_u_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.load_voltage.phase_u_v", "phase_u_v [V]") },
    { name = "phase_v_v", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.load_voltage.phase_v_v", "phase_v_v [V]") },
    { name = "phase_w_v", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.load_voltage.phase_w_v", "phase_w_v [V]") },
  },
}
frames[0x18] = {
  name = "load_current", title = "load current", from_pcs = true, sets_mode = false,
  signals = {
    { name = "phase_u_a", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.load_current.phase_u_a", "phase_u_a [A]") },
    { name = "phase_v_a", first = 2, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.load_current.phase_v_a", "phase_v_a [A]") },
    { name = "phase_w_a", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.load_current.phase_w_a", "phase_w_a [A]") },
  },
}
frames[0x19] = {
  name = "load_power", title = "load power", from_pcs = true, sets_mode = false,
  signals = {
    { name = "active_kw", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.load_power.active_kw", "active_kw [kW]") },
    { name = "reactive_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.load_power.reactive_kvar", "reactive_kvar [kvar]") },
    { name = "apparent_kva", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kVA",
      field = ProtoField.double("ystpcs.load_power.apparent_kva", "apparent_kva [kVA]") },
  },
}
frames[0x23] = {
  name = "phase_a_power", title = "phase A power", from_pcs = true, sets_mode = false,
  signals = {
    { name = "active_kw", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.phase_a_power.active_kw", "active_kw [kW]") },
    { name = "reactive_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.phase_a_power.reactive_kvar", "reactive_kvar [kvar]") },
    { name = "apparent_kva", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kVA",
      field = ProtoField.double("ystpcs.phase_a_power.apparent_kva", "apparent_kva [kVA]") },
  },
}
frames[0x24] = {
  name = "phase_b_power", title = "phase B power", from_pcs = true, sets_mode = false,
  signals = {
    { name = "active_kw", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.phase_b_power.active_kw", "active_kw [kW]") },
    { name = "reactive_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.phase_b_power.reactive_kvar", "reactive_kvar [kvar]") },
    { name = "apparent_kva", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kVA",
      field = ProtoField.double("ystpcs.phase_b_power.apparent_kva", "apparent_kva [kVA]") },
  },
}
frames[0x25] = {
  name = "phase_c_power", title = "phase C power", from_pcs = true, sets_mode = false,
  signals = {
    { name = "active_kw", first = 0, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kW",
      field = ProtoField.double("ystpcs.phase_c_power.active_kw", "active_kw [kW]") },
    { name = "reactive_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.phase_c_power.reactive_kvar", "reactive_kvar [kvar]") },
    { name = "apparent_kva", first = 4, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "kVA",
      field = ProtoField.double("ystpcs.phase_c_power.apparent_kva", "apparent_kva [kVA]") },
  },
}
frames[0x39] = {
  name = "precise_dc_output", title = "precise DC output", from_pcs = true, sets_mode = false,
  signals = {
    { name = "voltage_v", first = 0, width = 4, signed = false, exp = -3, offset = 0, decimals = 3, unit = "V",
      field = ProtoField.double("ystpcs.precise_dc_output.voltage_v", "DC output voltage, 1 mV resolution [V]") },
    { name = "current_a", first = 4, width = 4, signed = false, exp = -3, offset = -1000, decimals = 3, unit = "A",
      field = ProtoField.double("ystpcs.precise_dc_output.current_a", "DC output current, 1 mA resolution (negative: charging) [A]") },
  },
}
frames[0x1A] = {
  name = "heartbeat", title = "external device data (heartbeat)", from_pcs = false, sets_mode = false,
  signals = {
    { name = "dc_voltage_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.heartbeat.dc_voltage_v", "DC voltage measured by the controller (0 when it measures none) [V]") },
    { name = "dc_current_a", first = 2, width = 2, signed = false, exp = -1, offset = -1000, decimals = 1, unit = "A",
      field = ProtoField.double("ystpcs.heartbeat.dc_current_a", "DC current measured by the controller (0 A = raw 10000 when it measures none) [A]") },
    { name = "state", first = 4, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.heartbeat.state", "controller running state: 1 shutdown, 2 running, 3 fault", base.DEC, enums.controller_state.values),
      enum = enums.controller_state, text_key = "state_name", text_field = ProtoField.string("ystpcs.heartbeat.state_name", "controller state (text)") },
  },
}
frames[0x1B] = {
  name = "set_bus_voltage", title = "bus voltage & reactive power", from_pcs = false, sets_mode = false,
  signals = {
    { name = "bus_voltage_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.set_bus_voltage.bus_voltage_v", "bus_voltage_v [V]") },
    { name = "reactive_power_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.set_bus_voltage.reactive_power_kvar", "reactive_power_kvar [kvar]") },
  },
}
frames[0x1F] = {
  name = "set_io_outputs", title = "IOBUS outputs", from_pcs = false, sets_mode = false,
  signals = {
    { name = "io1", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_io_outputs.io1", "io1", base.DEC, enums.io_level.values),
      enum = enums.io_level, text_key = "io1_name", text_field = ProtoField.string("ystpcs.set_io_outputs.io1_name", "IO level (text)") },
    { name = "io2", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_io_outputs.io2", "io2", base.DEC, enums.io_level.values),
      enum = enums.io_level, text_key = "io2_name", text_field = ProtoField.string("ystpcs.set_io_outputs.io2_name", "IO level (text)") },
    { name = "io3", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_io_outputs.io3", "io3", base.DEC, enums.io_level.values),
      enum = enums.io_level, text_key = "io3_name", text_field = ProtoField.string("ystpcs.set_io_outputs.io3_name", "IO level (text)") },
    { name = "io4", first = 3, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_io_outputs.io4", "io4", base.DEC, enums.io_level.values),
      enum = enums.io_level, text_key = "io4_name", text_field = ProtoField.string("ystpcs.set_io_outputs.io4_name", "IO level (text)") },
  },
}
frames[0x26] = {
  name = "set_split_phase", title = "split-phase power control", from_pcs = false, sets_mode = false,
  signals = {
    { name = "enabled", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_split_phase.enabled", "enabled", base.DEC, enums.enable.values),
      enum = enums.enable, text_key = "enabled_name", text_field = ProtoField.string("ystpcs.set_split_phase.enabled_name", "enable (text)") },
  },
}
frames[0x28] = {
  name = "set_inverter_phase", title = "inverter phase", from_pcs = false, sets_mode = false,
  signals = {
    { name = "phase", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_inverter_phase.phase", "phase", base.DEC, enums.inverter_phase.values),
      enum = enums.inverter_phase, text_key = "phase_name", text_field = ProtoField.string("ystpcs.set_inverter_phase.phase_name", "inverter phase (text)") },
  },
}
frames[0x2A] = {
  name = "set_reactive_control", title = "reactive power control", from_pcs = false, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_reactive_control.mode", "mode", base.DEC, enums.reactive_control_mode.values),
      enum = enums.reactive_control_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.set_reactive_control.mode_name", "reactive control mode (text)") },
    { name = "power_factor", first = 1, width = 2, signed = true, exp = -3, offset = 0, decimals = 3, unit = "",
      field = ProtoField.double("ystpcs.set_reactive_control.power_factor", "power_factor") },
  },
}
frames[0x2C] = {
  name = "set_grid_switching", title = "on/off-grid switching", from_pcs = false, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_grid_switching.mode", "mode", base.DEC, enums.on_off_grid_switching.values),
      enum = enums.on_off_grid_switching, text_key = "mode_name", text_field = ProtoField.string("ystpcs.set_grid_switching.mode_name", "on/off-grid switching (text)") },
  },
}
frames[0x2E] = {
  name = "set_module_parallel", title = "module parallel mode", from_pcs = false, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_module_parallel.mode", "mode", base.DEC, enums.module_parallel_mode.values),
      enum = enums.module_parallel_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.set_module_parallel.mode_name", "module parallel mode (text)") },
    { name = "modules", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_module_parallel.modules", "modules", base.DEC) },
    { name = "hall_ratio", first = 2, width = 2, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint16("ystpcs.set_module_parallel.hall_ratio", "hall_ratio", base.DEC) },
  },
}
frames[0x30] = {
  name = "set_channel_parallel", title = "channel parallel mode", from_pcs = false, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_channel_parallel.mode", "mode", base.DEC, enums.channel_parallel_mode.values),
      enum = enums.channel_parallel_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.set_channel_parallel.mode_name", "channel parallel mode (text)") },
    { name = "way", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_channel_parallel.way", "way", base.DEC, enums.channel_parallel_way.values),
      enum = enums.channel_parallel_way, text_key = "way_name", text_field = ProtoField.string("ystpcs.set_channel_parallel.way_name", "channel parallel way (text)") },
    { name = "channels", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_channel_parallel.channels", "channels", base.DEC) },
  },
}
frames[0x32] = {
  name = "set_bus_parallel", title = "bus parallel", from_pcs = false, sets_mode = false,
  signals = {
    { name = "enabled", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.set_bus_parallel.enabled", "enabled", base.DEC, enums.enable.values),
      enum = enums.enable, text_key = "enabled_name", text_field = ProtoField.string("ystpcs.set_bus_parallel.enabled_name", "enable (text)") },
  },
}
frames[0x1C] = {
  name = "setting_result", title = "special-setting result", from_pcs = true, sets_mode = false,
  signals = {
    { name = "type", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.setting_result.type", "type", base.DEC, enums.writable_special_setting.values),
      enum = enums.writable_special_setting, text_key = "type_name", text_field = ProtoField.string("ystpcs.setting_result.type_name", "writable special setting (text)") },
    { name = "result", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.setting_result.result", "result", base.DEC, enums.result.values),
      enum = enums.result, text_key = "result_name", text_field = ProtoField.string("ystpcs.setting_result.result_name", "result (text)"), expert = "failure" },
  },
}
frames[0x1D] = {
  name = "read_setting", title = "read special setting", from_pcs = false, sets_mode = false,
  signals = {
    { name = "type", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.read_setting.type", "type", base.DEC, enums.special_setting.values),
      enum = enums.special_setting, text_key = "type_name", text_field = ProtoField.string("ystpcs.read_setting.type_name", "special setting (text)") },
  },
}
frames[0x1E] = {
  name = "bus_voltage_reading", title = "bus voltage & reactive power", from_pcs = true, sets_mode = false,
  signals = {
    { name = "bus_voltage_v", first = 0, width = 2, signed = false, exp = -1, offset = 0, decimals = 1, unit = "V",
      field = ProtoField.double("ystpcs.bus_voltage_reading.bus_voltage_v", "bus_voltage_v [V]") },
    { name = "reactive_power_kvar", first = 2, width = 2, signed = true, exp = -1, offset = 0, decimals = 1, unit = "kvar",
      field = ProtoField.double("ystpcs.bus_voltage_reading.reactive_power_kvar", "reactive_power_kvar [kvar]") },
  },
}
frames[0x20] = {
  name = "io_inputs", title = "IO inputs and analogue inputs", from_pcs = true, sets_mode = false,
  signals = {
    { name = "io1", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.io_inputs.io1", "io1", base.DEC) },
    { name = "io2", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.io_inputs.io2", "io2", base.DEC) },
    { name = "io3", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.io_inputs.io3", "io3", base.DEC) },
    { name = "io4", first = 3, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.io_inputs.io4", "io4", base.DEC) },
    { name = "ad1_v", first = 4, width = 2, signed = false, exp = -3, offset = 0, decimals = 3, unit = "V",
      field = ProtoField.double("ystpcs.io_inputs.ad1_v", "ad1_v [V]") },
    { name = "ad2_v", first = 6, width = 2, signed = false, exp = -3, offset = 0, decimals = 3, unit = "V",
      field = ProtoField.double("ystpcs.io_inputs.ad2_v", "ad2_v [V]") },
  },
}
frames[0x27] = {
  name = "split_phase_reading", title = "split-phase enable", from_pcs = true, sets_mode = false,
  signals = {
    { name = "enabled", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.split_phase_reading.enabled", "enabled", base.DEC, enums.enable.values),
      enum = enums.enable, text_key = "enabled_name", text_field = ProtoField.string("ystpcs.split_phase_reading.enabled_name", "enable (text)") },
  },
}
frames[0x29] = {
  name = "inverter_phase_reading", title = "inverter phase", from_pcs = true, sets_mode = false,
  signals = {
    { name = "phase", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.inverter_phase_reading.phase", "phase", base.DEC, enums.inverter_phase.values),
      enum = enums.inverter_phase, text_key = "phase_name", text_field = ProtoField.string("ystpcs.inverter_phase_reading.phase_name", "inverter phase (text)") },
  },
}
frames[0x2B] = {
  name = "reactive_control_reading", title = "reactive control", from_pcs = true, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.reactive_control_reading.mode", "mode", base.DEC, enums.reactive_control_mode.values),
      enum = enums.reactive_control_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.reactive_control_reading.mode_name", "reactive control mode (text)") },
    { name = "power_factor", first = 1, width = 2, signed = true, exp = -3, offset = 0, decimals = 3, unit = "",
      field = ProtoField.double("ystpcs.reactive_control_reading.power_factor", "power_factor") },
  },
}
frames[0x2D] = {
  name = "grid_switching_reading", title = "on/off-grid setting", from_pcs = true, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.grid_switching_reading.mode", "mode", base.DEC, enums.on_off_grid_switching_read.values),
      enum = enums.on_off_grid_switching_read, text_key = "mode_name", text_field = ProtoField.string("ystpcs.grid_switching_reading.mode_name", "on/off-grid switching (read) (text)") },
  },
}
frames[0x2F] = {
  name = "module_parallel_reading", title = "module parallel", from_pcs = true, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.module_parallel_reading.mode", "mode", base.DEC, enums.module_parallel_mode.values),
      enum = enums.module_parallel_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.module_parallel_reading.mode_name", "module parallel mode (text)") },
    { name = "modules", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.module_parallel_reading.modules", "modules", base.DEC) },
    { name = "hall_ratio", first = 2, width = 2, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint16("ystpcs.module_parallel_reading.hall_ratio", "hall_ratio", base.DEC) },
  },
}
frames[0x31] = {
  name = "channel_parallel_reading", title = "channel parallel", from_pcs = true, sets_mode = false,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.channel_parallel_reading.mode", "mode", base.DEC, enums.channel_parallel_mode.values),
      enum = enums.channel_parallel_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.channel_parallel_reading.mode_name", "channel parallel mode (text)") },
    { name = "way", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.channel_parallel_reading.way", "way", base.DEC, enums.channel_parallel_way.values),
      enum = enums.channel_parallel_way, text_key = "way_name", text_field = ProtoField.string("ystpcs.channel_parallel_reading.way_name", "channel parallel way (text)") },
    { name = "channels", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.channel_parallel_reading.channels", "channels", base.DEC) },
  },
}
frames[0x33] = {
  name = "bus_parallel_reading", title = "bus parallel", from_pcs = true, sets_mode = false,
  signals = {
    { name = "enabled", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.bus_parallel_reading.enabled", "enabled", base.DEC, enums.enable.values),
      enum = enums.enable, text_key = "enabled_name", text_field = ProtoField.string("ystpcs.bus_parallel_reading.enabled_name", "enable (text)") },
  },
}
frames[0x34] = {
  name = "arm_version", title = "ARM firmware version", from_pcs = true, sets_mode = false,
  signals = {
    { name = "hardware_v", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.arm_version.hardware_v", "hardware_v", base.DEC) },
    { name = "hardware_b", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.arm_version.hardware_b", "hardware_b", base.DEC) },
    { name = "hardware_d", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.arm_version.hardware_d", "hardware_d", base.DEC) },
    { name = "software_v", first = 3, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.arm_version.software_v", "software_v", base.DEC) },
    { name = "software_b", first = 4, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.arm_version.software_b", "software_b", base.DEC) },
    { name = "software_d", first = 5, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.arm_version.software_d", "software_d", base.DEC) },
  },
}
frames[0x35] = {
  name = "dsp_version", title = "DSP firmware version", from_pcs = true, sets_mode = false,
  signals = {
    { name = "hardware_v", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.dsp_version.hardware_v", "hardware_v", base.DEC) },
    { name = "hardware_b", first = 1, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.dsp_version.hardware_b", "hardware_b", base.DEC) },
    { name = "hardware_d", first = 2, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.dsp_version.hardware_d", "hardware_d", base.DEC) },
    { name = "software_v", first = 3, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.dsp_version.software_v", "software_v", base.DEC) },
    { name = "software_b", first = 4, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.dsp_version.software_b", "software_b", base.DEC) },
    { name = "software_d", first = 5, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.dsp_version.software_d", "software_d", base.DEC) },
  },
}
frames[0x36] = {
  name = "mode_reading", title = "working mode", from_pcs = true, sets_mode = true,
  signals = {
    { name = "mode", first = 0, width = 1, signed = false, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.uint8("ystpcs.mode_reading.mode", "mode", base.DEC, enums.working_mode.values),
      enum = enums.working_mode, text_key = "mode_name", text_field = ProtoField.string("ystpcs.mode_reading.mode_name", "working mode (text)") },
  },
}
frames[0x37] = {
  name = "mode_params_12_reading", title = "mode parameters 1–2", from_pcs = true, sets_mode = false,
  signals = {
    { name = "parameter_1", first = 0, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_12_reading.parameter_1", "parameter_1", base.DEC) },
    { name = "parameter_2", first = 4, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_12_reading.parameter_2", "parameter_2", base.DEC) },
  },
  first_param = 0,
  param_fields = {
    mode = ProtoField.uint8("ystpcs.mode_params_12_reading.mode", "working mode scaling the parameters", base.HEX, enums.working_mode.values),
    mode_name = ProtoField.string("ystpcs.mode_params_12_reading.mode_name", "working mode (text)"),
    active_power_w = ProtoField.double("ystpcs.mode_params_12_reading.active_power_w", "active power [W]"),
    current_1_a = ProtoField.double("ystpcs.mode_params_12_reading.current_1_a", "current 1 [A]"),
    current_2_a = ProtoField.double("ystpcs.mode_params_12_reading.current_2_a", "current 2 [A]"),
    current_a = ProtoField.double("ystpcs.mode_params_12_reading.current_a", "current [A]"),
    end_current_a = ProtoField.double("ystpcs.mode_params_12_reading.end_current_a", "end current [A]"),
    end_power_w = ProtoField.double("ystpcs.mode_params_12_reading.end_power_w", "end power [W]"),
    end_voltage_v = ProtoField.double("ystpcs.mode_params_12_reading.end_voltage_v", "end voltage [V]"),
    frequency_hz = ProtoField.double("ystpcs.mode_params_12_reading.frequency_hz", "frequency [Hz]"),
    magnification = ProtoField.double("ystpcs.mode_params_12_reading.magnification", "magnification"),
    max_charge_current_a = ProtoField.double("ystpcs.mode_params_12_reading.max_charge_current_a", "max charge current [A]"),
    power_1_w = ProtoField.double("ystpcs.mode_params_12_reading.power_1_w", "power 1 [W]"),
    power_2_w = ProtoField.double("ystpcs.mode_params_12_reading.power_2_w", "power 2 [W]"),
    power_w = ProtoField.double("ystpcs.mode_params_12_reading.power_w", "power [W]"),
    reactive_power_var = ProtoField.double("ystpcs.mode_params_12_reading.reactive_power_var", "reactive power [var]"),
    resistance_1_ohm = ProtoField.double("ystpcs.mode_params_12_reading.resistance_1_ohm", "resistance 1 [Ω]"),
    resistance_2_ohm = ProtoField.double("ystpcs.mode_params_12_reading.resistance_2_ohm", "resistance 2 [Ω]"),
    resistance_ohm = ProtoField.double("ystpcs.mode_params_12_reading.resistance_ohm", "resistance [Ω]"),
    start_current_a = ProtoField.double("ystpcs.mode_params_12_reading.start_current_a", "start current [A]"),
    start_power_w = ProtoField.double("ystpcs.mode_params_12_reading.start_power_w", "start power [W]"),
    start_voltage_v = ProtoField.double("ystpcs.mode_params_12_reading.start_voltage_v", "start voltage [V]"),
    time_1_s = ProtoField.double("ystpcs.mode_params_12_reading.time_1_s", "time 1 [s]"),
    voltage_1_v = ProtoField.double("ystpcs.mode_params_12_reading.voltage_1_v", "voltage 1 [V]"),
    voltage_2_v = ProtoField.double("ystpcs.mode_params_12_reading.voltage_2_v", "voltage 2 [V]"),
    voltage_v = ProtoField.double("ystpcs.mode_params_12_reading.voltage_v", "voltage [V]"),
  },
}
frames[0x38] = {
  name = "mode_params_34_reading", title = "mode parameters 3–4", from_pcs = true, sets_mode = false,
  signals = {
    { name = "parameter_3", first = 0, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_34_reading.parameter_3", "parameter_3", base.DEC) },
    { name = "parameter_4", first = 4, width = 4, signed = true, exp = 0, offset = 0, decimals = 0, unit = "",
      field = ProtoField.int32("ystpcs.mode_params_34_reading.parameter_4", "parameter_4", base.DEC) },
  },
  first_param = 2,
  param_fields = {
    mode = ProtoField.uint8("ystpcs.mode_params_34_reading.mode", "working mode scaling the parameters", base.HEX, enums.working_mode.values),
    mode_name = ProtoField.string("ystpcs.mode_params_34_reading.mode_name", "working mode (text)"),
    cycle_time_s = ProtoField.double("ystpcs.mode_params_34_reading.cycle_time_s", "cycle time [s]"),
    duty_pct = ProtoField.double("ystpcs.mode_params_34_reading.duty_pct", "duty of current 1 [%]"),
    end_current_a = ProtoField.double("ystpcs.mode_params_34_reading.end_current_a", "end (cut-off) current [A]"),
    max_discharge_current_a = ProtoField.double("ystpcs.mode_params_34_reading.max_discharge_current_a", "max discharge current [A]"),
    time_2_s = ProtoField.double("ystpcs.mode_params_34_reading.time_2_s", "time 2 [s]"),
    time_3_s = ProtoField.double("ystpcs.mode_params_34_reading.time_3_s", "time 3 [s]"),
  },
}


local hf = {
  frame = ProtoField.string("ystpcs.frame", "frame (as pcsctl decode names it)"),
  pf = ProtoField.uint8("ystpcs.pf", "PDU format (PF)", base.HEX),
  src = ProtoField.uint8("ystpcs.src", "source address (SA)", base.DEC_HEX),
  dst = ProtoField.uint8("ystpcs.dst", "destination address (PS)", base.DEC_HEX),
  pcs = ProtoField.uint8("ystpcs.pcs", "PCS address (0: broadcast)", base.DEC_HEX),
  dir = ProtoField.string("ystpcs.dir", "direction (rx: PCS to controller, tx: controller to PCS)"),
  error = ProtoField.string("ystpcs.error", "not decodable"),
}
local all_fields = {}
for _, f in pairs(hf) do all_fields[#all_fields + 1] = f end
for _, frame in pairs(frames) do
  for _, s in ipairs(frame.signals) do
    all_fields[#all_fields + 1] = s.field
    if s.text_field then all_fields[#all_fields + 1] = s.text_field end
  end
  if frame.param_fields then
    for _, f in pairs(frame.param_fields) do all_fields[#all_fields + 1] = f end
  end
end
ystpcs.fields = all_fields

local experts = {
  fault = ProtoExpert.new("ystpcs.fault", "the PCS reports a fault", expert.group.RESPONSE_CODE, expert.severity.WARN),
  failure = ProtoExpert.new("ystpcs.failure", "the PCS refused a command", expert.group.RESPONSE_CODE, expert.severity.WARN),
  undecodable = ProtoExpert.new("ystpcs.undecodable", "PCS traffic the protocol does not define", expert.group.MALFORMED, expert.severity.WARN),
}
ystpcs.experts = { experts.fault, experts.failure, experts.undecodable }

local function enum_text(e, raw)
  local text = e.values[raw]
  if text then return text end
  for _, r in ipairs(e.other) do
    if raw >= r[1] and raw <= r[2] then return r[3] end
  end
  return "unknown"
end

-- raw × 10^exp + offset, with the offset as whole steps and one division, as the protocol
-- library computes it (the same double, no binary noise).
local function engineering(raw, exp, offset)
  if exp < 0 and offset ~= 0 then
    local steps = 10 ^ -exp
    local offset_steps = offset * steps
    if offset_steps == math.floor(offset_steps) then return (raw + offset_steps) / steps end
  end
  if exp < 0 then return raw / 10 ^ -exp end
  return raw * 10 ^ exp + offset
end

local function format_value(value, decimals, unit)
  local text = string.format("%." .. decimals .. "f", value)
  if unit ~= "" then text = text .. " " .. unit end
  return text
end

-- The working mode of each PCS as the capture tells it (0x0B commanded, 0x36 reported; key 0:
-- broadcast), and the mode that applied to each mode-parameter frame, kept per packet so that
-- Wireshark's later, out-of-order dissections show what the first pass saw.
local known_modes, sequence, mode_of_packet = {}, 0, {}
function ystpcs.init()
  known_modes, sequence, mode_of_packet = {}, 0, {}
end

local function mode_for(link, pcs)
  local best = nil
  for _, key in ipairs({ pcs, 0 }) do
    local m = known_modes[link .. "/" .. key]
    if m and (best == nil or m.sequence > best.sequence) then best = m end
  end
  return best and best.code or false
end

local function hex2(v) return string.format("0x%02X", v) end

-- Modes are kept per capture interface where the file says which (pcapng); a candump log's
-- interface name does not reach the dissectors.
local interface_id = Field.new("frame.interface_id")

local function dissect(tvb, pinfo, tree, traffic, pcs, pf, ps, sa)
  pinfo.cols.protocol = "YSTPCS"
  local frame = frames[pf]
  local title = frame and frame.title or "unknown PF"
  local subtree = tree:add(ystpcs, tvb(), "YSTECH PCS " .. hex2(pf) .. " " .. (frame and frame.name or "?") .. " (" .. title .. ")")
  local from_pcs = traffic == "from_pcs"
  subtree:add(hf.pf, pf)
  subtree:add(hf.src, sa)
  subtree:add(hf.dst, ps)
  subtree:add(hf.pcs, pcs)
  subtree:add(hf.dir, from_pcs and "rx" or "tx")
  local pcs_name = traffic == "broadcast" and "every PCS" or ("PCS " .. pcs)
  pinfo.cols.src = from_pcs and pcs_name or "controller"
  pinfo.cols.dst = from_pcs and "controller" or pcs_name
  local problem = nil
  if frame == nil then
    problem = "PF " .. hex2(pf) .. " is not defined by the protocol"
  elseif frame.from_pcs ~= from_pcs then
    problem = "PF " .. hex2(pf) .. " (" .. frame.name .. ") is only sent " .. (frame.from_pcs and "by a PCS" or "by the controller")
  end
  if problem then
    subtree:add(hf.error, problem)
    subtree:add_proto_expert_info(experts.undecodable, problem)
    pinfo.cols.info = problem
    return
  end
  subtree:add(hf.frame, frame.name)
  local summary = {}
  local raws = {}
  for i, s in ipairs(frame.signals) do
    local range = tvb(s.first, s.width)
    local raw = s.signed and range:int() or range:uint()
    raws[i] = raw
    local value = engineering(raw, s.exp, s.offset)
    local text = format_value(value, s.decimals, s.unit)
    if s.enum then
      local meaning = enum_text(s.enum, raw)
      text = text .. " (" .. meaning .. ")"
      subtree:add(s.field, range, raw, s.name .. ": " .. text)
      if s.text_field then subtree:add(s.text_field, range, meaning) end
      if s.expert == "fault" and raw ~= 0 then
        subtree:add_proto_expert_info(experts.fault, "fault " .. raw .. string.format(" (0x%04X)", raw) .. ": " .. meaning)
      elseif s.expert == "failure" and s.enum.values[raw] == nil then
        subtree:add_proto_expert_info(experts.failure, frame.name .. ": " .. meaning)
      end
    else
      subtree:add(s.field, range, value, s.name .. ": " .. text)
    end
    summary[#summary + 1] = s.name .. "=" .. text
  end
  local link = tostring((interface_id() or {}).value or 0)
  if frame.sets_mode and not pinfo.visited then
    sequence = sequence + 1
    known_modes[link .. "/" .. (traffic == "broadcast" and 0 or pcs)] = { code = raws[1], sequence = sequence }
  end
  if frame.param_fields then
    if not pinfo.visited then mode_of_packet[pinfo.number] = mode_for(link, traffic == "broadcast" and 0 or pcs) end
    local code = mode_of_packet[pinfo.number]
    local mode = code and modes[code]
    if mode then
      subtree:add(frame.param_fields.mode, code)
      subtree:add(frame.param_fields.mode_name, mode.title)
      summary[#summary + 1] = "mode=" .. mode.name
      for i, s in ipairs(frame.signals) do
        local p = mode.params[frame.first_param + i]
        if p then
          local value = engineering(raws[i], p.exp, 0)
          local text = format_value(value, -p.exp > 0 and -p.exp or 0, p.unit)
          subtree:add(frame.param_fields[p.name], tvb(s.first, s.width), value, p.name .. ": " .. text)
          summary[#summary + 1] = p.name .. "=" .. text
        end
      end
    end
  end
  pinfo.cols.info = frame.name .. ": " .. table.concat(summary, "  ")
end

-- Which frames are PCS traffic (reference section 1): extended identifier, DLC 8, priority 6 with
-- R = DP = 0, and sent to (PS) or by (SA) a PCS through the controller address.
local can_id = Field.new("can.id")
local can_xtd = Field.new("can.flags.xtd")
local can_rtr = Field.new("can.flags.rtr")
local can_err = Field.new("can.flags.err")

local function innermost(field)
  local all = { field() }
  local last = all[#all]
  return last and last.value
end

local function heuristic(tvb, pinfo, tree)
  if tvb:len() ~= PAYLOAD_BYTES then return false end
  local id = innermost(can_id)
  if id == nil or not innermost(can_xtd) or innermost(can_rtr) or innermost(can_err) then return false end
  local priority = math.floor(id / 2 ^ 26) % 8
  local reserved = math.floor(id / 2 ^ 25) % 2
  local data_page = math.floor(id / 2 ^ 24) % 2
  local pf = math.floor(id / 2 ^ 16) % 256
  local ps = math.floor(id / 2 ^ 8) % 256
  local sa = id % 256
  if priority ~= PRIORITY or reserved ~= 0 or data_page ~= 0 then return false end
  if ps == CONTROLLER then
    if sa < 1 or sa > 254 or sa == CONTROLLER then return false end
    dissect(tvb, pinfo, tree, "from_pcs", sa, pf, ps, sa)
  elseif sa == CONTROLLER then
    dissect(tvb, pinfo, tree, ps == BROADCAST and "broadcast" or "to_pcs", ps, pf, ps, sa)
  else
    return false
  end
  return true
end

ystpcs:register_heuristic("can", heuristic)
