// Golden vectors: every frame of docs/reference/ystech-pcs-can.md worked out BY HAND from the
// reference text (big-endian, value = raw * scale + offset, signed fields two's complement,
// unused bytes 0x00). Nothing here was produced by running the code under test: the
// comment next to each vector shows the arithmetic. Each vector is checked both ways:
// decode(literal) gives the values, and encoding the values gives the literal id and bytes.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/capture_decoder.h"
#include "protocol/codec.h"
#include "protocol/mode_params.h"
#include "protocol/modes.h"

using namespace ystpcs;
using namespace ystpcs::protocol;

namespace {

using Bytes = std::array<std::uint8_t, 8>;

struct Field {
    Field(std::string_view n, double v, std::int64_t r, std::string_view t = {}) : name(n), value(v), raw(r), text(t) {}
    std::string_view name;
    double value;      // engineering value (enumerations: the code)
    std::int64_t raw;  // raw field value (signed types: the signed integer)
    std::string_view text;  // enum_text of the raw value, when non-empty
};

enum class Dir { tx, rx };  // tx: controller → PCS, rx: PCS → controller

struct Vector {
    std::uint8_t pf;
    Dir dir;
    std::uint8_t pcs;  // PCS address; 0 = broadcast (TX only)
    std::string_view frame;
    std::uint32_t id;
    Bytes data;
    std::vector<Field> fields;  // every field of the frame
};

std::string hex_id(std::uint32_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08X", static_cast<unsigned>(id));
    return buf;
}

std::string hex_bytes(const Bytes& b) {
    std::string out;
    char buf[4];
    for (auto x : b) {
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(x));
        out += buf;
    }
    return out;
}

int signal_index(const FrameDef& def, std::string_view name) {
    for (std::size_t i = 0; i < def.signals.size(); ++i)
        if (def.signals[i].name == name) return static_cast<int>(i);
    return -1;
}

doctest::Approx near(double v) { return doctest::Approx(v).epsilon(1e-9); }

void check_vector(const Vector& v) {
    const std::string label = "PF 0x" + hex_id(v.pf).substr(6) + " " + std::string(v.frame) + " id " + hex_id(v.id) +
                              " data " + hex_bytes(v.data);
    INFO(label);
    // ---- decode the literal ----
    CanFrame in;
    in.id = v.id;
    in.data = v.data;
    const DecodeOutcome out = decode(in);
    CHECK(out.ok());
    if (!out.ok()) {
        MESSAGE("decode failed: " << out.failure().reason);
        return;
    }
    const DecodedFrame& d = out.frame();
    CHECK(int{d.def->pf} == int{v.pf});
    CHECK(std::string(d.def->name) == std::string(v.frame));
    CHECK(static_cast<int>(d.def->direction) ==
          static_cast<int>(v.dir == Dir::tx ? Direction::to_pcs : Direction::from_pcs));
    const Traffic traffic = v.dir == Dir::rx ? Traffic::from_pcs : (v.pcs == 0 ? Traffic::broadcast : Traffic::to_pcs);
    CHECK(static_cast<int>(d.owner.traffic) == static_cast<int>(traffic));
    CHECK(int{d.owner.pcs} == int{v.pcs});
    CHECK(d.size() == v.fields.size());
    SignalValues values{};
    NamedValues named;
    for (const auto& f : v.fields) {
        INFO("field " << std::string(f.name));
        const int i = signal_index(*d.def, f.name);
        CHECK(i >= 0);
        if (i < 0) continue;
        const auto k = static_cast<std::size_t>(i);
        CHECK(d.raw[k] == f.raw);
        CHECK(d.value[k] == near(f.value));
        if (!f.text.empty()) {
            const auto* e = d.def->signals[k].enumeration;
            CHECK(e != nullptr);
            if (e != nullptr) CHECK(std::string(enum_text(*e, d.raw[k])) == std::string(f.text));
        }
        values[k] = f.value;
        named.emplace(std::string(f.name), f.value);
    }
    // ---- encode the hand-computed values ----
    // TX frames through encode_named (as pcsctl does), RX frames positionally (as the simulator does).
    const Result<CanFrame> enc =
        v.dir == Dir::tx ? encode_named(*d.def, v.pcs, named)
                         : encode(v.pf, v.pcs, std::span<const double>(values.data(), d.def->signals.size()));
    CHECK(enc.ok());
    if (!enc.ok()) {
        MESSAGE("encode failed: " << enc.error().message);
        return;
    }
    CHECK(hex_id(enc.value().id) == hex_id(v.id));
    CHECK(hex_bytes(enc.value().data) == hex_bytes(v.data));
    CHECK(enc.value().extended);
    CHECK_FALSE(enc.value().remote);
    CHECK(int{enc.value().dlc} == 8);
}

// ============================================================================================
// 3.1 protection parameters
// ============================================================================================
const std::vector<Vector> kProtection = {
    // 0x01 read protection set 2 → PCS 250: id 0x18|01|FA|B4; b1 = 2
    {0x01, Dir::tx, 250, "read_protection", 0x1801FAB4, {0x02, 0, 0, 0, 0, 0, 0, 0},
     {{"type", 2, 2, "set 2: power and AC voltage"}}},
    // 0x01 read protection set 1 → PCS 1: id 0x18|01|01|B4
    {0x01, Dir::tx, 1, "read_protection", 0x180101B4, {0x01, 0, 0, 0, 0, 0, 0, 0}, {{"type", 1, 1}}},
    // 0x02 protection set 1 from PCS 1: id 0x18|02|B4|01
    //   950.0 V → 9500 = 0x251C (37*256+28); 50.0 V → 500 = 0x01F4;
    //   100.0 A → 1000 = 0x03E8; 88.5 A → 885 = 0x0375 (3*256+117)
    {0x02, Dir::rx, 1, "protection_1", 0x1802B401, {0x25, 0x1C, 0x01, 0xF4, 0x03, 0xE8, 0x03, 0x75},
     {{"max_output_voltage_v", 950.0, 9500},
      {"min_output_voltage_v", 50.0, 500},
      {"max_charge_current_a", 100.0, 1000},
      {"max_discharge_current_a", 88.5, 885}}},
    // 0x03 protection set 2 from PCS 0x7B: id 0x18|03|B4|7B
    //   120.0 kW → 1200 = 0x04B0; 60.5 kW → 605 = 0x025D (512+93);
    //   264.0 V → 2640 = 0x0A50 (2560+80); 176.0 V → 1760 = 0x06E0 (1536+224)
    {0x03, Dir::rx, 0x7B, "protection_2", 0x1803B47B, {0x04, 0xB0, 0x02, 0x5D, 0x0A, 0x50, 0x06, 0xE0},
     {{"max_charge_power_kw", 120.0, 1200},
      {"max_discharge_power_kw", 60.5, 605},
      {"ac_voltage_upper_v", 264.0, 2640},
      {"ac_voltage_lower_v", 176.0, 1760}}},
    // 0x04 protection set 3 from PCS 254: id 0x18|04|B4|FE
    //   65.5 Hz → 655 = 0x028F (512+143); 45.0 Hz → 450 = 0x01C2 (256+194);
    //   b5 u8 ×1 Hz: 55 = 0x37; b6: 45 = 0x2D; b7-8 unused 0
    {0x04, Dir::rx, 254, "protection_3", 0x1804B4FE, {0x02, 0x8F, 0x01, 0xC2, 0x37, 0x2D, 0x00, 0x00},
     {{"discharge_frequency_upper_hz", 65.5, 655},
      {"charge_frequency_lower_hz", 45.0, 450},
      {"ac_frequency_upper_hz", 55, 55},
      {"ac_frequency_lower_hz", 45, 45}}},
    // 0x05 write protection set 1 → PCS 250: id 0x18|05|FA|B4
    //   800.0 V → 8000 = 0x1F40 (31*256+64); 0.3 V → 3 = 0x0003 (rounded, not truncated to 2);
    //   176.0 A → 1760 = 0x06E0; 1000.0 A → 10000 = 0x2710 (39*256+16)
    {0x05, Dir::tx, 250, "write_protection_1", 0x1805FAB4, {0x1F, 0x40, 0x00, 0x03, 0x06, 0xE0, 0x27, 0x10},
     {{"max_output_voltage_v", 800.0, 8000},
      {"min_output_voltage_v", 0.3, 3},
      {"max_charge_current_a", 176.0, 1760},
      {"max_discharge_current_a", 1000.0, 10000}}},
    // 0x06 write protection set 2, BROADCAST (PS 0x00): id 0x18|06|00|B4
    //   30.0 kW → 300 = 0x012C (twice); 253.0 V → 2530 = 0x09E2 (2304+226); 187.0 V → 1870 = 0x074E (1792+78)
    {0x06, Dir::tx, 0, "write_protection_2", 0x180600B4, {0x01, 0x2C, 0x01, 0x2C, 0x09, 0xE2, 0x07, 0x4E},
     {{"max_charge_power_kw", 30.0, 300},
      {"max_discharge_power_kw", 30.0, 300},
      {"ac_voltage_upper_v", 253.0, 2530},
      {"ac_voltage_lower_v", 187.0, 1870}}},
    // 0x07 write protection set 3 → PCS 1: id 0x18|07|01|B4
    //   70.0 Hz → 700 = 0x02BC (512+188); 40.0 Hz → 400 = 0x0190; 70 = 0x46; 40 = 0x28
    {0x07, Dir::tx, 1, "write_protection_3", 0x180701B4, {0x02, 0xBC, 0x01, 0x90, 0x46, 0x28, 0x00, 0x00},
     {{"discharge_frequency_upper_hz", 70.0, 700},
      {"charge_frequency_lower_hz", 40.0, 400},
      {"ac_frequency_upper_hz", 70, 70},
      {"ac_frequency_lower_hz", 40, 40}}},
    // 0x08 protection write result from PCS 250: type 3, 0x01 success
    {0x08, Dir::rx, 250, "protection_write_result", 0x1808B4FA, {0x03, 0x01, 0, 0, 0, 0, 0, 0},
     {{"type", 3, 3}, {"result", 1, 1, "success"}}},
    // 0x08 from PCS 1: type 1, 0x00 → "anything else failure"
    {0x08, Dir::rx, 1, "protection_write_result", 0x1808B401, {0x01, 0x00, 0, 0, 0, 0, 0, 0},
     {{"type", 1, 1}, {"result", 0, 0, "failure"}}},
};

// ============================================================================================
// 3.2 time, working mode, start/stop, per-phase power
// ============================================================================================
const std::vector<Vector> kModeAndControl = {
    // 0x09 set clock 2023-11-27 10:05:30 → PCS 0x7B: id 0x18|09|7B|B4
    //   year 2023 = 0x07E7 (7*256+231); 11 = 0x0B; 27 = 0x1B; 10 = 0x0A; 5; 30 = 0x1E; b8 0
    {0x09, Dir::tx, 0x7B, "set_clock", 0x18097BB4, {0x07, 0xE7, 0x0B, 0x1B, 0x0A, 0x05, 0x1E, 0x00},
     {{"year", 2023, 2023}, {"month", 11, 11}, {"day", 27, 27}, {"hour", 10, 10}, {"minute", 5, 5}, {"second", 30, 30}}},
    // 0x0A set clock result from PCS 0x7B: 0x02 → failure
    {0x0A, Dir::rx, 0x7B, "set_clock_result", 0x180AB47B, {0x02, 0, 0, 0, 0, 0, 0, 0}, {{"result", 2, 2, "failure"}}},
    // 0x0B set mode CC-CV (0x29) → PCS 250
    {0x0B, Dir::tx, 250, "set_mode", 0x180BFAB4, {0x29, 0, 0, 0, 0, 0, 0, 0}, {{"mode", 0x29, 0x29, "DC CC-CV"}}},
    // 0x0B set mode idle (0x91), broadcast: id 0x18|0B|00|B4
    {0x0B, Dir::tx, 0, "set_mode", 0x180B00B4, {0x91, 0, 0, 0, 0, 0, 0, 0}, {{"mode", 0x91, 0x91, "idle"}}},
    // 0x0C CC-CV parameters 1-2 → PCS 250 (raw i32):
    //   p1 400.000 V / 0.001 = 400000 = 0x00061A80 (6*65536 + 0x1A80=6784);
    //   p2 -100.000 A / 0.001 = -100000: 100000 = 0x000186A0, 2^32 - 0x186A0 = 0xFFFE7960
    {0x0C, Dir::tx, 250, "mode_params_12", 0x180CFAB4, {0x00, 0x06, 0x1A, 0x80, 0xFF, 0xFE, 0x79, 0x60},
     {{"parameter_1", 400000, 400000}, {"parameter_2", -100000, -100000}}},
    // 0x0C constant power → PCS 0x7B: p1 -30000.000 W → -30000000; 30000000 = 0x01C9C380
    //   (16777216 + 201*65536 + 195*256 + 128), negated: 0xFE363C80; p2 unused 0
    {0x0C, Dir::tx, 0x7B, "mode_params_12", 0x180C7BB4, {0xFE, 0x36, 0x3C, 0x80, 0x00, 0x00, 0x00, 0x00},
     {{"parameter_1", -30000000, -30000000}, {"parameter_2", 0, 0}}},
    // 0x0D CC-CV parameters 3-4 → PCS 250: p3 -2.500 A → -2500: 2500 = 0x9C4, 2^32 - 0x9C4 = 0xFFFFF63C; p4 0
    {0x0D, Dir::tx, 250, "mode_params_34", 0x180DFAB4, {0xFF, 0xFF, 0xF6, 0x3C, 0x00, 0x00, 0x00, 0x00},
     {{"parameter_3", -2500, -2500}, {"parameter_4", 0, 0}}},
    // 0x0D pulse current parameters 3-4 → PCS 1: p3 cycle 2.50 s / 0.01 = 250 = 0xFA;
    //   p4 duty 33.33 % / 0.01 = 3333 = 0x0D05 (13*256+5)
    {0x0D, Dir::tx, 1, "mode_params_34", 0x180D01B4, {0x00, 0x00, 0x00, 0xFA, 0x00, 0x00, 0x0D, 0x05},
     {{"parameter_3", 250, 250}, {"parameter_4", 3333, 3333}}},
    // 0x0E mode / parameter result from PCS 250: success
    {0x0E, Dir::rx, 250, "mode_result", 0x180EB4FA, {0x01, 0, 0, 0, 0, 0, 0, 0}, {{"result", 1, 1, "success"}}},
    // 0x0F start, no clear, self-start yes → PCS 250
    {0x0F, Dir::tx, 250, "start_stop", 0x180FFAB4, {0x01, 0x00, 0x01, 0, 0, 0, 0, 0},
     {{"start_stop", 1, 1, "start"}, {"clear_faults", 0, 0, "no"}, {"self_start", 1, 1, "yes"}}},
    // 0x0F stop everything, broadcast: id 0x18|0F|00|B4
    {0x0F, Dir::tx, 0, "start_stop", 0x180F00B4, {0x00, 0x00, 0x00, 0, 0, 0, 0, 0},
     {{"start_stop", 0, 0, "stop"}, {"clear_faults", 0, 0, "no"}, {"self_start", 0, 0, "no"}}},
    // 0x0F clear faults while keeping "start" → PCS 0x7B
    {0x0F, Dir::tx, 0x7B, "start_stop", 0x180F7BB4, {0x01, 0x01, 0x00, 0, 0, 0, 0, 0},
     {{"start_stop", 1, 1}, {"clear_faults", 1, 1, "clear"}, {"self_start", 0, 0}}},
    // 0x10 start/stop result from PCS 254: success
    {0x10, Dir::rx, 254, "start_stop_result", 0x1810B4FE, {0x01, 0, 0, 0, 0, 0, 0, 0}, {{"result", 1, 1, "success"}}},
    // 0x21 per-phase active power → PCS 250 (i16 ×0.1 kW):
    //   10.0 → 100 = 0x0064; -10.0 → -100 = 0xFF9C (0xFFFF-0x64+1); -0.5 → -5 = 0xFFFB
    {0x21, Dir::tx, 250, "phase_active_power", 0x1821FAB4, {0x00, 0x64, 0xFF, 0x9C, 0xFF, 0xFB, 0x00, 0x00},
     {{"phase_a_kw", 10.0, 100}, {"phase_b_kw", -10.0, -100}, {"phase_c_kw", -0.5, -5}}},
    // 0x22 per-phase reactive power → PCS 254, the field's range ±333.3 kvar (a third of the
    // 1000 kW the power limits allow): -333.3 → -3333 = 0x10000-0x0D05 = 0xF2FB; 333.3 → 3333 =
    // 13·256+5 = 0x0D05; 0
    {0x22, Dir::tx, 254, "phase_reactive_power", 0x1822FEB4, {0xF2, 0xFB, 0x0D, 0x05, 0x00, 0x00, 0x00, 0x00},
     {{"phase_a_kvar", -333.3, -3333}, {"phase_b_kvar", 333.3, 3333}, {"phase_c_kvar", 0.0, 0}}},
    // 0x22 → PCS 1: -1.5 kvar → -15 = 0xFFF1; 1.5 → 15 = 0x000F; 0
    {0x22, Dir::tx, 1, "phase_reactive_power", 0x182201B4, {0xFF, 0xF1, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x00},
     {{"phase_a_kvar", -1.5, -15}, {"phase_b_kvar", 1.5, 15}, {"phase_c_kvar", 0.0, 0}}},
};

// ============================================================================================
// 3.3 real-time data (RX)
// ============================================================================================
const std::vector<Vector> kRealTime = {
    // 0x11 DC output from PCS 250 (the reference's own example):
    //   0x0FA0 = 4000 → 400.0 V; 0x251C = 9500 → 950.0 - 1000 = -50.0 A;
    //   i16 0xFF38 = -200 → -20.0 kW; 0x0352 = 850 → 85.0 - 50 = 35.0 °C
    {0x11, Dir::rx, 250, "dc_output", 0x1811B4FA, {0x0F, 0xA0, 0x25, 0x1C, 0xFF, 0x38, 0x03, 0x52},
     {{"voltage_v", 400.0, 4000}, {"current_a", -50.0, 9500}, {"power_kw", -20.0, -200}, {"inlet_temperature_c", 35.0, 850}}},
    // 0x11 from PCS 1, discharging:
    //   751.3 V → 7513 = 0x1D59 (29*256+89); +120.5 A → (120.5+1000)*10 = 11205 = 0x2BC5 (43*256+197);
    //   90.5 kW → 905 = 0x0389; -10.0 °C → (-10+50)*10 = 400 = 0x0190
    {0x11, Dir::rx, 1, "dc_output", 0x1811B401, {0x1D, 0x59, 0x2B, 0xC5, 0x03, 0x89, 0x01, 0x90},
     {{"voltage_v", 751.3, 7513}, {"current_a", 120.5, 11205}, {"power_kw", 90.5, 905}, {"inlet_temperature_c", -10.0, 400}}},
    // 0x11 from PCS 254, all raw zero: 0 V, 0 - 1000 = -1000.0 A, 0 kW, 0 - 50 = -50.0 °C
    {0x11, Dir::rx, 254, "dc_output", 0x1811B4FE, {0, 0, 0, 0, 0, 0, 0, 0},
     {{"voltage_v", 0.0, 0}, {"current_a", -1000.0, 0}, {"power_kw", 0.0, 0}, {"inlet_temperature_c", -50.0, 0}}},
    // 0x12 capacity / energy from PCS 0x7B:
    //   123.4 Ah → 1234 = 0x04D2; u32 50000.0 Wh → 500000 = 0x0007A120 (7*65536 + 41248);
    //   40.5 °C → (40.5+50)*10 = 905 = 0x0389
    {0x12, Dir::rx, 0x7B, "capacity_energy", 0x1812B47B, {0x04, 0xD2, 0x00, 0x07, 0xA1, 0x20, 0x03, 0x89},
     {{"capacity_ah", 123.4, 1234}, {"energy_wh", 50000.0, 500000}, {"outlet_temperature_c", 40.5, 905}}},
    // 0x12 from PCS 250, energy above the i32 range (must be u32):
    //   0xFFFF = 65535 → 6553.5 Ah; 0x89ABCDEF = 137*16777216 + 171*65536 + 205*256 + 239
    //   = 2309737967 → 230973796.7 Wh; 0x01F4 = 500 → 50.0 - 50 = 0.0 °C
    {0x12, Dir::rx, 250, "capacity_energy", 0x1812B4FA, {0xFF, 0xFF, 0x89, 0xAB, 0xCD, 0xEF, 0x01, 0xF4},
     {{"capacity_ah", 6553.5, 65535}, {"energy_wh", 230973796.7, 2309737967LL}, {"outlet_temperature_c", 0.0, 500}}},
    // 0x13 state / fault from PCS 250: state 12; b2 reserved; fault 0x800D = 32781
    {0x13, Dir::rx, 250, "state_fault", 0x1813B4FA, {0x0C, 0x00, 0x80, 0x0D, 0, 0, 0, 0},
     {{"state", 12, 12, "constant-current operation"},
      {"fault_code", 32781, 0x800D, "CAN1 communication fault (also raised after the 5 s heartbeat timeout)"}}},
    // 0x13 from PCS 1: state 6 fault; fault 280 = 0x0118 (256+24)
    {0x13, Dir::rx, 1, "state_fault", 0x1813B401, {0x06, 0x00, 0x01, 0x18, 0, 0, 0, 0},
     {{"state", 6, 6, "fault"}, {"fault_code", 280, 280, "heat-sink over-temperature (> 90 °C)"}}},
    // 0x14 grid voltage from PCS 1: 230.1 → 2301 = 0x08FD (2048+253); 229.8 → 2298 = 0x08FA; 231.0 → 2310 = 0x0906
    {0x14, Dir::rx, 1, "grid_voltage", 0x1814B401, {0x08, 0xFD, 0x08, 0xFA, 0x09, 0x06, 0x00, 0x00},
     {{"phase_u_v", 230.1, 2301}, {"phase_v_v", 229.8, 2298}, {"phase_w_v", 231.0, 2310}}},
    // 0x15 grid current & PF from PCS 250: 45.2 → 452 = 0x01C4; 45.0 → 450 = 0x01C2; 44.9 → 449 = 0x01C1;
    //   PF i16 ×0.1: -0.9 → -9 = 0xFFF7
    {0x15, Dir::rx, 250, "grid_current", 0x1815B4FA, {0x01, 0xC4, 0x01, 0xC2, 0x01, 0xC1, 0xFF, 0xF7},
     {{"phase_u_a", 45.2, 452}, {"phase_v_a", 45.0, 450}, {"phase_w_a", 44.9, 449}, {"power_factor", -0.9, -9}}},
    // 0x16 system power from PCS 254: active -60.0 kW → -600 = 0xFDA8 (0xFFFF-0x258+1);
    //   reactive -12.5 → -125 = 0xFF83; apparent 61.3 → 613 = 0x0265; 50.0 Hz → 500 = 0x01F4
    {0x16, Dir::rx, 254, "system_power", 0x1816B4FE, {0xFD, 0xA8, 0xFF, 0x83, 0x02, 0x65, 0x01, 0xF4},
     {{"active_kw", -60.0, -600}, {"reactive_kvar", -12.5, -125}, {"apparent_kva", 61.3, 613}, {"frequency_hz", 50.0, 500}}},
    // 0x17 load voltage from PCS 0x7B: 220.0 → 2200 = 0x0898 (2048+152); 0; 400.5 → 4005 = 0x0FA5 (3840+165)
    {0x17, Dir::rx, 0x7B, "load_voltage", 0x1817B47B, {0x08, 0x98, 0x00, 0x00, 0x0F, 0xA5, 0x00, 0x00},
     {{"phase_u_v", 220.0, 2200}, {"phase_v_v", 0.0, 0}, {"phase_w_v", 400.5, 4005}}},
    // 0x18 load current from PCS 250: 10.0 → 100 = 0x0064; 1.5 → 15 = 0x000F; u16 max 0xFFFF → 6553.5 A (unsigned)
    {0x18, Dir::rx, 250, "load_current", 0x1818B4FA, {0x00, 0x64, 0x00, 0x0F, 0xFF, 0xFF, 0x00, 0x00},
     {{"phase_u_a", 10.0, 100}, {"phase_v_a", 1.5, 15}, {"phase_w_a", 6553.5, 65535}}},
    // 0x19 load power from PCS 1: active i16 0xFFFF = -1 → -0.1 kW; reactive 3.2 → 32 = 0x0020;
    //   apparent u16 0x9C40 = 40000 (156*256+64) → 4000.0 kVA (unsigned, above i16 max)
    {0x19, Dir::rx, 1, "load_power", 0x1819B401, {0xFF, 0xFF, 0x00, 0x20, 0x9C, 0x40, 0x00, 0x00},
     {{"active_kw", -0.1, -1}, {"reactive_kvar", 3.2, 32}, {"apparent_kva", 4000.0, 40000}}},
    // 0x23 phase A power from PCS 250: -20.0 → -200 = 0xFF38; -5.0 → -50 = 0xFFCE; 20.6 → 206 = 0x00CE
    {0x23, Dir::rx, 250, "phase_a_power", 0x1823B4FA, {0xFF, 0x38, 0xFF, 0xCE, 0x00, 0xCE, 0x00, 0x00},
     {{"active_kw", -20.0, -200}, {"reactive_kvar", -5.0, -50}, {"apparent_kva", 20.6, 206}}},
    // 0x24 phase B power from PCS 1: 15.3 → 153 = 0x0099; -0.8 → -8 = 0xFFF8; 15.4 → 154 = 0x009A
    {0x24, Dir::rx, 1, "phase_b_power", 0x1824B401, {0x00, 0x99, 0xFF, 0xF8, 0x00, 0x9A, 0x00, 0x00},
     {{"active_kw", 15.3, 153}, {"reactive_kvar", -0.8, -8}, {"apparent_kva", 15.4, 154}}},
    // 0x25 phase C power from PCS 254: -100.0 → -1000 = 0xFC18 (0xFFFF-0x3E8+1); 0; 100.0 → 1000 = 0x03E8
    {0x25, Dir::rx, 254, "phase_c_power", 0x1825B4FE, {0xFC, 0x18, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00},
     {{"active_kw", -100.0, -1000}, {"reactive_kvar", 0.0, 0}, {"apparent_kva", 100.0, 1000}}},
    // 0x39 precise DC output from PCS 250 (u32 ×0.001, current offset -1000 A):
    //   400.123 V → 400123 = 0x00061AFB (0x61A80 + 0x7B); -50.5 A → (-50.5+1000)*1000 = 949500
    //   = 0x000E7CFC (14*65536 + 124*256 + 252)
    {0x39, Dir::rx, 250, "precise_dc_output", 0x1839B4FA, {0x00, 0x06, 0x1A, 0xFB, 0x00, 0x0E, 0x7C, 0xFC},
     {{"voltage_v", 400.123, 400123}, {"current_a", -50.5, 949500}}},
    // 0x39 from PCS 1: 0.001 V → 1; +1000.000 A → 2000000 = 0x001E8480 (30*65536 + 33920)
    {0x39, Dir::rx, 1, "precise_dc_output", 0x1839B401, {0x00, 0x00, 0x00, 0x01, 0x00, 0x1E, 0x84, 0x80},
     {{"voltage_v", 0.001, 1}, {"current_a", 1000.0, 2000000}}},
};

// ============================================================================================
// 3.4 heartbeat (TX)
// ============================================================================================
const std::vector<Vector> kHeartbeat = {
    // 0x1A → PCS 250 (the reference's example id 0x181AFAB4): 0.3 V → 3 = 0x0003 (rounded);
    //   0 A → (0+1000)*10 = 10000 = 0x2710; state 2 running
    {0x1A, Dir::tx, 250, "heartbeat", 0x181AFAB4, {0x00, 0x03, 0x27, 0x10, 0x02, 0x00, 0x00, 0x00},
     {{"dc_voltage_v", 0.3, 3}, {"dc_current_a", 0.0, 10000}, {"state", 2, 2, "running"}}},
    // 0x1A → PCS 254: 812.4 V → 8124 = 0x1FBC (7936+188); -35.7 A → (964.3)*10 = 9643 = 0x25AB
    //   (9472+171); state 3 fault
    {0x1A, Dir::tx, 254, "heartbeat", 0x181AFEB4, {0x1F, 0xBC, 0x25, 0xAB, 0x03, 0x00, 0x00, 0x00},
     {{"dc_voltage_v", 812.4, 8124}, {"dc_current_a", -35.7, 9643}, {"state", 3, 3, "fault"}}},
    // 0x1A broadcast: 0 V, -0.3 A → 999.7*10 = 9997 = 0x270D; state 1 shutdown
    {0x1A, Dir::tx, 0, "heartbeat", 0x181A00B4, {0x00, 0x00, 0x27, 0x0D, 0x01, 0x00, 0x00, 0x00},
     {{"dc_voltage_v", 0.0, 0}, {"dc_current_a", -0.3, 9997}, {"state", 1, 1, "shutdown"}}},
};

// ============================================================================================
// 3.5 special settings (write) and 0x1C result
// ============================================================================================
const std::vector<Vector> kSettingsWrite = {
    // 0x1B → PCS 0x7B: 750.0 V → 7500 = 0x1D4C (29*256+76); reactive -250.0 kvar → -2500 = 0xF63C
    {0x1B, Dir::tx, 0x7B, "set_bus_voltage", 0x181B7BB4, {0x1D, 0x4C, 0xF6, 0x3C, 0x00, 0x00, 0x00, 0x00},
     {{"bus_voltage_v", 750.0, 7500}, {"reactive_power_kvar", -250.0, -2500}}},
    // 0x1F → PCS 1: IO1 1, IO2 0, IO3 1, IO4 1
    {0x1F, Dir::tx, 1, "set_io_outputs", 0x181F01B4, {0x01, 0x00, 0x01, 0x01, 0, 0, 0, 0},
     {{"io1", 1, 1, "on"}, {"io2", 0, 0, "off"}, {"io3", 1, 1}, {"io4", 1, 1}}},
    // 0x26 → PCS 250: enable
    {0x26, Dir::tx, 250, "set_split_phase", 0x1826FAB4, {0x01, 0, 0, 0, 0, 0, 0, 0}, {{"enabled", 1, 1, "enabled"}}},
    // 0x28 → PCS 0x7B: 11 = 0x0B B-phase slave
    {0x28, Dir::tx, 0x7B, "set_inverter_phase", 0x18287BB4, {0x0B, 0, 0, 0, 0, 0, 0, 0},
     {{"phase", 11, 11, "B-phase slave"}}},
    // 0x2A → PCS 250: mode 1 power factor; PF i16 ×0.001: -0.5 → -500 = 0xFE0C (0xFFFF-0x1F4+1)
    {0x2A, Dir::tx, 250, "set_reactive_control", 0x182AFAB4, {0x01, 0xFE, 0x0C, 0, 0, 0, 0, 0},
     {{"mode", 1, 1, "power factor"}, {"power_factor", -0.5, -500}}},
    // 0x2A → PCS 1: mode 0 reactive power; PF 1.000 → 1000 = 0x03E8
    {0x2A, Dir::tx, 1, "set_reactive_control", 0x182A01B4, {0x00, 0x03, 0xE8, 0, 0, 0, 0, 0},
     {{"mode", 0, 0, "reactive power"}, {"power_factor", 1.0, 1000}}},
    // 0x2A broadcast: PF -0.999 → -999 = 0xFC19 (0xFFFF-0x3E7+1)
    {0x2A, Dir::tx, 0, "set_reactive_control", 0x182A00B4, {0x01, 0xFC, 0x19, 0, 0, 0, 0, 0},
     {{"mode", 1, 1}, {"power_factor", -0.999, -999}}},
    // 0x2C → PCS 254: 1 automatic switching
    {0x2C, Dir::tx, 254, "set_grid_switching", 0x182CFEB4, {0x01, 0, 0, 0, 0, 0, 0, 0},
     {{"mode", 1, 1, "automatic switching"}}},
    // 0x2E → PCS 250: mode 1 host; 4 modules; Hall ratio 2000 = 0x07D0 (7*256+208)
    {0x2E, Dir::tx, 250, "set_module_parallel", 0x182EFAB4, {0x01, 0x04, 0x07, 0xD0, 0, 0, 0, 0},
     {{"mode", 1, 1, "host"}, {"modules", 4, 4}, {"hall_ratio", 2000, 2000}}},
    // 0x30 → PCS 1: mode 1 main channel; way 2 multi-module; 3 channels
    {0x30, Dir::tx, 1, "set_channel_parallel", 0x183001B4, {0x01, 0x02, 0x03, 0, 0, 0, 0, 0},
     {{"mode", 1, 1, "main channel"}, {"way", 2, 2, "multi-module channel parallel"}, {"channels", 3, 3}}},
    // 0x32 broadcast: enable
    {0x32, Dir::tx, 0, "set_bus_parallel", 0x183200B4, {0x01, 0, 0, 0, 0, 0, 0, 0}, {{"enabled", 1, 1, "enabled"}}},
    // 0x1C setting result from PCS 250: type 5 (reactive control), success
    {0x1C, Dir::rx, 250, "setting_result", 0x181CB4FA, {0x05, 0x01, 0, 0, 0, 0, 0, 0},
     {{"type", 5, 5, "reactive_control"}, {"result", 1, 1, "success"}}},
    // 0x1C from PCS 254: type 9 (bus parallel), 0x03 → failure
    {0x1C, Dir::rx, 254, "setting_result", 0x181CB4FE, {0x09, 0x03, 0, 0, 0, 0, 0, 0},
     {{"type", 9, 9, "bus_parallel"}, {"result", 3, 3, "failure"}}},
};

// ============================================================================================
// 3.6 special settings (read)
// ============================================================================================
const std::vector<Vector> kSettingsRead = {
    // 0x1D → PCS 250: type 0x0B working mode and parameters
    {0x1D, Dir::tx, 250, "read_setting", 0x181DFAB4, {0x0B, 0, 0, 0, 0, 0, 0, 0}, {{"type", 11, 11, "working_mode"}}},
    // 0x1D → PCS 0x7B: type 0x0A firmware versions
    {0x1D, Dir::tx, 0x7B, "read_setting", 0x181D7BB4, {0x0A, 0, 0, 0, 0, 0, 0, 0}, {{"type", 10, 10, "versions"}}},
    // 0x1E from PCS 250: 680.0 V → 6800 = 0x1A90 (26*256+144); 12.5 kvar → 125 = 0x007D
    {0x1E, Dir::rx, 250, "bus_voltage_reading", 0x181EB4FA, {0x1A, 0x90, 0x00, 0x7D, 0, 0, 0, 0},
     {{"bus_voltage_v", 680.0, 6800}, {"reactive_power_kvar", 12.5, 125}}},
    // 0x20 from PCS 0x7B: IO 0,1,0,1; AD1 0x1000 = 4096 → 4.096 V; AD2 0x2710 = 10000 → 10.000 V
    {0x20, Dir::rx, 0x7B, "io_inputs", 0x1820B47B, {0x00, 0x01, 0x00, 0x01, 0x10, 0x00, 0x27, 0x10},
     {{"io1", 0, 0}, {"io2", 1, 1}, {"io3", 0, 0}, {"io4", 1, 1}, {"ad1_v", 4.096, 4096}, {"ad2_v", 10.0, 10000}}},
    // 0x27 from PCS 250: 0 disabled
    {0x27, Dir::rx, 250, "split_phase_reading", 0x1827B4FA, {0x00, 0, 0, 0, 0, 0, 0, 0}, {{"enabled", 0, 0, "disabled"}}},
    // 0x29 from PCS 0x7B: 7 A-phase host
    {0x29, Dir::rx, 0x7B, "inverter_phase_reading", 0x1829B47B, {0x07, 0, 0, 0, 0, 0, 0, 0},
     {{"phase", 7, 7, "A-phase host"}}},
    // 0x2B from PCS 1: mode 0; PF 0.95 → 950 = 0x03B6 (3*256+182) (0.95*1000 = 949.99…, rounded)
    {0x2B, Dir::rx, 1, "reactive_control_reading", 0x182BB401, {0x00, 0x03, 0xB6, 0, 0, 0, 0, 0},
     {{"mode", 0, 0, "reactive power"}, {"power_factor", 0.95, 950}}},
    // 0x2B from PCS 250: mode 1; PF 0xFE0C = -500 → -0.5
    {0x2B, Dir::rx, 250, "reactive_control_reading", 0x182BB4FA, {0x01, 0xFE, 0x0C, 0, 0, 0, 0, 0},
     {{"mode", 1, 1, "power factor"}, {"power_factor", -0.5, -500}}},
    // 0x2D from PCS 254: 2 IO switching (read-only value)
    {0x2D, Dir::rx, 254, "grid_switching_reading", 0x182DB4FE, {0x02, 0, 0, 0, 0, 0, 0, 0},
     {{"mode", 2, 2, "IO switching"}}},
    // 0x2F from PCS 250: mode 2 slave; 10 modules; Hall ratio 0xC350 = 50000 (195*256+80, unsigned)
    {0x2F, Dir::rx, 250, "module_parallel_reading", 0x182FB4FA, {0x02, 0x0A, 0xC3, 0x50, 0, 0, 0, 0},
     {{"mode", 2, 2, "slave"}, {"modules", 10, 10}, {"hall_ratio", 50000, 50000}}},
    // 0x31 from PCS 1: mode 2 slave channel; way 1 single-module; 10 channels
    {0x31, Dir::rx, 1, "channel_parallel_reading", 0x1831B401, {0x02, 0x01, 0x0A, 0, 0, 0, 0, 0},
     {{"mode", 2, 2, "slave channel"}, {"way", 1, 1, "single-module channel parallel"}, {"channels", 10, 10}}},
    // 0x33 from PCS 0x7B: 1 enabled
    {0x33, Dir::rx, 0x7B, "bus_parallel_reading", 0x1833B47B, {0x01, 0, 0, 0, 0, 0, 0, 0}, {{"enabled", 1, 1, "enabled"}}},
    // 0x34 ARM version from PCS 250: hardware 1.2.3, software 2.1.38 (0x26)
    {0x34, Dir::rx, 250, "arm_version", 0x1834B4FA, {0x01, 0x02, 0x03, 0x02, 0x01, 0x26, 0x00, 0x00},
     {{"hardware_v", 1, 1}, {"hardware_b", 2, 2}, {"hardware_d", 3, 3},
      {"software_v", 2, 2}, {"software_b", 1, 1}, {"software_d", 38, 38}}},
    // 0x35 DSP version from PCS 250: hardware 2.0.10 (0x0A), software 1.5.255 (0xFF)
    {0x35, Dir::rx, 250, "dsp_version", 0x1835B4FA, {0x02, 0x00, 0x0A, 0x01, 0x05, 0xFF, 0x00, 0x00},
     {{"hardware_v", 2, 2}, {"hardware_b", 0, 0}, {"hardware_d", 10, 10},
      {"software_v", 1, 1}, {"software_b", 5, 5}, {"software_d", 255, 255}}},
    // 0x36 working mode from PCS 250: 0x28 DC pulse current
    {0x36, Dir::rx, 250, "mode_reading", 0x1836B4FA, {0x28, 0, 0, 0, 0, 0, 0, 0},
     {{"mode", 0x28, 0x28, "DC pulse current"}}},
    // 0x37 pulse-current parameters 1-2 from PCS 250: p1 50.000 A → 50000 = 0x0000C350;
    //   p2 -50.000 A → -50000 = 2^32 - 0xC350 = 0xFFFF3CB0
    {0x37, Dir::rx, 250, "mode_params_12_reading", 0x1837B4FA, {0x00, 0x00, 0xC3, 0x50, 0xFF, 0xFF, 0x3C, 0xB0},
     {{"parameter_1", 50000, 50000}, {"parameter_2", -50000, -50000}}},
    // 0x38 pulse-current parameters 3-4 from PCS 250: p3 10.00 s / 0.01 = 1000 = 0x03E8;
    //   p4 50.00 % / 0.01 = 5000 = 0x1388 (19*256+136)
    {0x38, Dir::rx, 250, "mode_params_34_reading", 0x1838B4FA, {0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x13, 0x88},
     {{"parameter_3", 1000, 1000}, {"parameter_4", 5000, 5000}}},
    // 0x38 CC-CV parameters 3-4 from PCS 254: p3 -2.500 A → -2500 = 0xFFFFF63C; p4 unused 0
    {0x38, Dir::rx, 254, "mode_params_34_reading", 0x1838B4FE, {0xFF, 0xFF, 0xF6, 0x3C, 0x00, 0x00, 0x00, 0x00},
     {{"parameter_3", -2500, -2500}, {"parameter_4", 0, 0}}},
};

const std::vector<const std::vector<Vector>*> kAllVectors = {&kProtection,     &kModeAndControl, &kRealTime,
                                                             &kHeartbeat,      &kSettingsWrite,  &kSettingsRead};

// Every PF of the reference (§3), by direction, as listed in its tables.
const std::set<int> kReferenceTx = {0x01, 0x05, 0x06, 0x07, 0x09, 0x0B, 0x0C, 0x0D, 0x0F, 0x1A, 0x1B,
                                    0x1D, 0x1F, 0x21, 0x22, 0x26, 0x28, 0x2A, 0x2C, 0x2E, 0x30, 0x32};
const std::set<int> kReferenceRx = {0x02, 0x03, 0x04, 0x08, 0x0A, 0x0E, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                                    0x16, 0x17, 0x18, 0x19, 0x1C, 0x1E, 0x20, 0x23, 0x24, 0x25, 0x27, 0x29,
                                    0x2B, 0x2D, 0x2F, 0x31, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39};

CanFrame frame_of(std::uint32_t id, const Bytes& data) {
    CanFrame f;
    f.id = id;
    f.data = data;
    return f;
}

}  // namespace

TEST_CASE("golden vectors: the reference's 57 PFs all have a vector in their direction") {
    CHECK(kReferenceTx.size() == 22);
    CHECK(kReferenceRx.size() == 35);
    std::set<int> tx, rx;
    for (const auto* group : kAllVectors)
        for (const auto& v : *group) (v.dir == Dir::tx ? tx : rx).insert(v.pf);
    CHECK(tx == kReferenceTx);
    CHECK(rx == kReferenceRx);
    // The library's table knows exactly these 57 PFs, in these directions.
    std::set<int> lib_tx, lib_rx;
    for (const auto& f : kFrames) (f.direction == Direction::to_pcs ? lib_tx : lib_rx).insert(f.pf);
    CHECK(std::size(kFrames) == 57);
    CHECK(lib_tx == kReferenceTx);
    CHECK(lib_rx == kReferenceRx);
    // A mix of addresses: default 250, 1, 0x7B, 254 and broadcast.
    std::set<int> addresses;
    for (const auto* group : kAllVectors)
        for (const auto& v : *group) addresses.insert(v.pcs);
    CHECK(addresses == std::set<int>{0, 1, 0x7B, 250, 254});
}

TEST_CASE("golden vectors: 3.1 protection parameters") {
    for (const auto& v : kProtection) check_vector(v);
}

TEST_CASE("golden vectors: 3.2 clock, working mode, start/stop, per-phase power") {
    for (const auto& v : kModeAndControl) check_vector(v);
}

TEST_CASE("golden vectors: 3.3 real-time data") {
    for (const auto& v : kRealTime) check_vector(v);
}

TEST_CASE("golden vectors: 3.4 heartbeat") {
    for (const auto& v : kHeartbeat) check_vector(v);
}

TEST_CASE("golden vectors: 3.5 special settings (write) and 0x1C") {
    for (const auto& v : kSettingsWrite) check_vector(v);
}

TEST_CASE("golden vectors: 3.6 special settings (read)") {
    for (const auto& v : kSettingsRead) check_vector(v);
}

TEST_CASE("golden vectors: rounding to the nearest raw step") {
    // 0x05 min output voltage 0.3 V at 0.1 V/bit: 0.3*10 → 3, bytes 3-4 = 00 03 (truncation would give 2).
    const double prot[] = {800.0, 0.3, 176.0, 1000.0};
    const auto p = encode(0x05, 250, prot);
    REQUIRE(p.ok());
    CHECK(int{p.value().data[2]} == 0x00);
    CHECK(int{p.value().data[3]} == 0x03);
    // 0x11 DC output from PCS 1: 0.3 V → 3 = 0x0003; 0 A → 10000 = 0x2710; 0 kW; 25.0 °C → 750 = 0x02EE.
    const double dc[] = {0.3, 0.0, 0.0, 25.0};
    const auto f = encode(0x11, 1, dc);
    REQUIRE(f.ok());
    CHECK(hex_id(f.value().id) == "1811B401");
    CHECK(hex_bytes(f.value().data) == "00032710000002EE");
    // 0x1A heartbeat current -0.3 A: (1000 - 0.3)*10 = 9997 = 0x270D (not 9996).
    const double hb[] = {0.0, -0.3, 2};
    const auto h = encode(0x1A, 250, hb);
    REQUIRE(h.ok());
    CHECK(hex_bytes(h.value().data) == "0000270D02000000");
    // 0x39 0.3 V at 0.001 V/bit → 300 = 0x0000012C; -0.3 A → 999700 = 0x000F4114 (15*65536 + 65*256 + 20).
    const double precise[] = {0.3, -0.3};
    const auto pr = encode(0x39, 250, precise);
    REQUIRE(pr.ok());
    CHECK(hex_bytes(pr.value().data) == "0000012C000F4114");
    // 0x2A power factor 0.95 at 0.001 → 950 = 0x03B6 (0.95*1000 is 949.999… in binary).
    const auto rc = encode_named(*find_frame(std::uint8_t{0x2A}), 250, {{"mode", 1}, {"power_factor", 0.95}});
    REQUIRE(rc.ok());
    CHECK(hex_bytes(rc.value().data) == "0103B60000000000");
}

TEST_CASE("golden vectors: mode parameter scaling (Appendix A)") {
    const ModeDef* cccv = find_mode(std::int64_t{0x29});
    const ModeDef* pulse = find_mode(std::int64_t{0x28});
    const ModeDef* ramp = find_mode(std::int64_t{0x24});
    const ModeDef* cp = find_mode(std::int64_t{0x22});
    const ModeDef* dcr = find_mode(std::int64_t{0x2C});
    REQUIRE(cccv != nullptr);
    REQUIRE(pulse != nullptr);
    REQUIRE(ramp != nullptr);
    REQUIRE(cp != nullptr);
    REQUIRE(dcr != nullptr);

    SUBCASE("CC-CV 0x29: voltage 0.001 V, current 0.001 A, end current 0.001 A") {
        CHECK(cccv->params.size() == 3);
        CHECK(mode_param_to_raw(*cccv, 0, 400.0).value() == 400000);   // 400 / 0.001
        CHECK(mode_param_to_raw(*cccv, 1, -100.0).value() == -100000);  // negative = charging
        CHECK(mode_param_to_raw(*cccv, 2, -2.5).value() == -2500);
        CHECK_FALSE(mode_param_to_raw(*cccv, 3, 0.0).ok());  // CC-CV has no parameter 4
        // Raws put into 0x0C/0x0D give the golden bytes of kModeAndControl.
        const double p12[] = {400000, -100000};
        CHECK(hex_bytes(encode(0x0C, 250, p12).value().data) == "00061A80FFFE7960");
        const double p34[] = {-2500, 0};
        CHECK(hex_bytes(encode(0x0D, 250, p34).value().data) == "FFFFF63C00000000");
        // Decoding those literals and scaling by the mode gives the engineering values back.
        const auto d12 = decode(frame_of(0x180CFAB4, {0x00, 0x06, 0x1A, 0x80, 0xFF, 0xFE, 0x79, 0x60}));
        REQUIRE(d12.ok());
        const auto s12 = scale_mode_params(d12.frame(), *cccv);
        REQUIRE(s12.size() == 2);
        CHECK(std::string(s12[0].def->name) == "voltage_v");
        CHECK(s12[0].raw == 400000);
        CHECK(s12[0].value == near(400.0));
        CHECK(std::string(s12[1].def->name) == "current_a");
        CHECK(s12[1].value == near(-100.0));
        const auto d34 = decode(frame_of(0x180DFAB4, {0xFF, 0xFF, 0xF6, 0x3C, 0, 0, 0, 0}));
        REQUIRE(d34.ok());
        const auto s34 = scale_mode_params(d34.frame(), *cccv);
        REQUIRE(s34.size() == 1);  // p4 unused in CC-CV
        CHECK(s34[0].index == 2);
        CHECK(std::string(s34[0].def->name) == "end_current_a");
        CHECK(s34[0].value == near(-2.5));
    }
    SUBCASE("pulse current 0x28: cycle time 0.01 s, duty 0.01 %") {
        CHECK(pulse->params.size() == 4);
        CHECK(mode_param_to_raw(*pulse, 0, 50.0).value() == 50000);    // 0.001 A
        CHECK(mode_param_to_raw(*pulse, 1, -50.0).value() == -50000);
        CHECK(mode_param_to_raw(*pulse, 2, 2.5).value() == 250);       // 2.5 s / 0.01 s
        CHECK(mode_param_to_raw(*pulse, 2, 10.0).value() == 1000);
        CHECK(mode_param_to_raw(*pulse, 3, 33.33).value() == 3333);    // 33.33 % / 0.01 % (rounded)
        CHECK(mode_param_to_raw(*pulse, 3, 50.0).value() == 5000);
        CHECK(mode_param_from_raw(pulse->params[2], 250) == near(2.5));
        CHECK(mode_param_from_raw(pulse->params[3], 3333) == near(33.33));
        // 0x37/0x38 literals of kSettingsRead, scaled.
        const auto d12 = decode(frame_of(0x1837B4FA, {0x00, 0x00, 0xC3, 0x50, 0xFF, 0xFF, 0x3C, 0xB0}));
        REQUIRE(d12.ok());
        const auto s12 = scale_mode_params(d12.frame(), *pulse);
        REQUIRE(s12.size() == 2);
        CHECK(std::string(s12[0].def->name) == "current_1_a");
        CHECK(s12[0].value == near(50.0));
        CHECK(std::string(s12[1].def->name) == "current_2_a");
        CHECK(s12[1].value == near(-50.0));
        const auto d34 = decode(frame_of(0x1838B4FA, {0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x13, 0x88}));
        REQUIRE(d34.ok());
        const auto s34 = scale_mode_params(d34.frame(), *pulse);
        REQUIRE(s34.size() == 2);
        CHECK(std::string(s34[0].def->name) == "cycle_time_s");
        CHECK(s34[0].value == near(10.0));
        CHECK(std::string(s34[1].def->name) == "duty_pct");
        CHECK(s34[1].value == near(50.0));
    }
    SUBCASE("ramp current cycle time is 0.001 s, unlike the pulse modes") {
        CHECK(mode_param_to_raw(*ramp, 2, 2.5).value() == 2500);
        CHECK(mode_param_to_raw(*dcr, 1, 1.5).value() == 1500);  // DCR test time 1: 0.001 s
    }
    SUBCASE("constant power 0.001 W: -30 kW → -30000000 = 0xFE363C80") {
        CHECK(mode_param_to_raw(*cp, 0, -30000.0).value() == -30000000);
        const auto d = decode(frame_of(0x180C7BB4, {0xFE, 0x36, 0x3C, 0x80, 0, 0, 0, 0}));
        REQUIRE(d.ok());
        const auto s = scale_mode_params(d.frame(), *cp);
        REQUIRE(s.size() == 1);  // p2 unused
        CHECK(std::string(s[0].def->name) == "power_w");
        CHECK(s[0].value == near(-30000.0));
    }
}

TEST_CASE("golden vectors: all-frames.log capture decodes") {
    const char* root = std::getenv("YSTPCS_SOURCE_ROOT");
    REQUIRE_MESSAGE(root != nullptr, "YSTPCS_SOURCE_ROOT is not set");
    const std::string path = std::string(root) + "/tests/data/all-frames.log";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);

    CaptureDecoder decoder;
    std::vector<nlohmann::ordered_json> out;  // out[n - 1] is line n
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto entry = decoder.decode(line);
        out.push_back(decoder.to_json(entry, number));
    }
    REQUIRE(out.size() == 93);
    const auto at = [&](std::size_t n) -> const nlohmann::ordered_json& { return out.at(n - 1); };

    // Lines 1-88 are all protocol frames of PCS 250 on can0, in increasing time order;
    // together they hold every PF of the reference in its direction.
    std::set<int> tx, rx;
    double last_t = -1;
    for (std::size_t n = 1; n <= 88; ++n) {
        const auto& j = at(n);
        INFO("line " << n << ": " << j.dump());
        REQUIRE_FALSE(j.contains("error"));
        CHECK(j["iface"] == "can0");
        CHECK(j["t"].get<double>() > last_t);
        last_t = j["t"].get<double>();
        const int pf = j["pf"].get<int>();
        if (j["dir"] == "tx") {
            tx.insert(pf);
            CHECK(j["src"] == 0xB4);
            CHECK(j["dst"] == 250);
        } else {
            rx.insert(pf);
            CHECK(j["src"] == 250);
            CHECK(j["dst"] == 0xB4);
        }
    }
    CHECK(tx == kReferenceTx);
    CHECK(rx == kReferenceRx);

    // Lines 89-93: garbage and foreign traffic → error objects carrying the line number.
    for (std::size_t n = 89; n <= 93; ++n) {
        const auto& j = at(n);
        INFO("line " << n << ": " << j.dump());
        CHECK(j.contains("error"));
        CHECK(j["line"] == n);
        CHECK_FALSE(j.contains("fields"));
    }
    CHECK(at(89)["id"] == "123");                                      // standard identifier
    CHECK_FALSE(at(90).contains("id"));                                // junk text
    CHECK(at(91)["id"] == "183AB4FA");                                 // unknown PF 0x3A
    CHECK(at(91)["error"].get<std::string>().find("0x3A") != std::string::npos);
    CHECK(at(92)["error"].get<std::string>().find("0x11") != std::string::npos);  // 0x11 sent to a PCS
    CHECK(at(93)["error"] == "data length is not 8");                  // DLC 4

    // Hand-checked values.
    // Line 4: 0x37 after 0x36 reported pulse current (0x28): 0x0000C350 = 50000 → 50.000 A,
    // 0xFFFF3CB0 = -50000 → -50.000 A.
    CHECK(at(4)["frame"] == "mode_params_12_reading");
    CHECK(at(4)["fields"]["mode"] == 0x28);
    CHECK(at(4)["fields"]["parameter_2"] == -50000);
    CHECK(at(4)["fields"]["current_1_a"].get<double>() == near(50.0));
    CHECK(at(4)["fields"]["current_2_a"].get<double>() == near(-50.0));
    // Line 5: 0x38 0x03E8 = 1000 × 0.01 s = 10.0 s; 0x1388 = 5000 × 0.01 % = 50.0 %.
    CHECK(at(5)["fields"]["cycle_time_s"].get<double>() == near(10.0));
    CHECK(at(5)["fields"]["duty_pct"].get<double>() == near(50.0));
    // Line 12: 0x05 min output voltage 0x0003 → 0.3 V.
    CHECK(at(12)["fields"]["min_output_voltage_v"].get<double>() == near(0.3));
    // Line 22: 0x0C after 0x0B CC-CV (line 20): 0x00061A80 = 400000 → 400.000 V; 0xFFFE7960 → -100.000 A.
    CHECK(at(22)["frame"] == "mode_params_12");
    CHECK(at(22)["fields"]["mode"] == 0x29);
    CHECK(at(22)["fields"]["mode_name"] == "DC CC-CV");
    CHECK(at(22)["fields"]["parameter_1"] == 400000);
    CHECK(at(22)["fields"]["voltage_v"].get<double>() == near(400.0));
    CHECK(at(22)["fields"]["current_a"].get<double>() == near(-100.0));
    // Line 24: 0x0D 0xFFFFF63C = -2500 → -2.500 A end current; p4 unused in CC-CV.
    CHECK(at(24)["fields"]["end_current_a"].get<double>() == near(-2.5));
    CHECK(at(24)["fields"].size() == 5);  // parameter_3, parameter_4, mode, mode_name, end_current_a
    // Line 28: heartbeat 0x0FA0 → 400.0 V, 0x251C → -50.0 A, running.
    CHECK(at(28)["frame"] == "heartbeat");
    CHECK(at(28)["fields"]["dc_current_a"].get<double>() == near(-50.0));
    CHECK(at(28)["fields"]["state_name"] == "running");
    // Line 29: 0x11 reference example.
    CHECK(at(29)["fields"]["voltage_v"].get<double>() == near(400.0));
    CHECK(at(29)["fields"]["current_a"].get<double>() == near(-50.0));
    CHECK(at(29)["fields"]["power_kw"].get<double>() == near(-20.0));
    CHECK(at(29)["fields"]["inlet_temperature_c"].get<double>() == near(35.0));
    // Line 30: 0x12 0x04D2 = 1234 → 123.4 Ah; 0x0007A120 = 500000 → 50000.0 Wh; 0x0389 → 40.5 °C.
    CHECK(at(30)["fields"]["capacity_ah"].get<double>() == near(123.4));
    CHECK(at(30)["fields"]["energy_wh"].get<double>() == near(50000.0));
    CHECK(at(30)["fields"]["outlet_temperature_c"].get<double>() == near(40.5));
    // Line 33: 0x15 power factor 0xFFF7 = -9 → -0.9.
    CHECK(at(33)["fields"]["power_factor"].get<double>() == near(-0.9));
    // Line 34: 0x16 0xFDA8 → -60.0 kW, 0xFF83 → -12.5 kvar.
    CHECK(at(34)["fields"]["active_kw"].get<double>() == near(-60.0));
    CHECK(at(34)["fields"]["reactive_kvar"].get<double>() == near(-12.5));
    // Line 41: 0x39 0x00061AFB → 400.123 V; 0x000E7CFC = 949500 → -50.5 A.
    CHECK(at(41)["fields"]["voltage_v"].get<double>() == near(400.123));
    CHECK(at(41)["fields"]["current_a"].get<double>() == near(-50.5));
    // Line 44: 0x22 0xFFF1 → -1.5 kvar.
    CHECK(at(44)["fields"]["phase_a_kvar"].get<double>() == near(-1.5));
    // Line 54: 0x2A power factor 0xFE0C → -0.5.
    CHECK(at(54)["fields"]["mode_name"] == "power factor");
    CHECK(at(54)["fields"]["power_factor"].get<double>() == near(-0.5));
    // Line 67: 0x20 AD1 0x1000 → 4.096 V, AD2 0x2710 → 10.000 V.
    CHECK(at(67)["fields"]["ad1_v"].get<double>() == near(4.096));
    CHECK(at(67)["fields"]["ad2_v"].get<double>() == near(10.0));
    // Line 75: 0x2D 2 → IO switching.
    CHECK(at(75)["fields"]["mode_name"] == "IO switching");
    // Line 85: 0x13 state 6, fault 0x0118 = 280.
    CHECK(at(85)["fields"]["state_name"] == "fault");
    CHECK(at(85)["fields"]["fault_code"] == 280);
    // Line 86: 0x0F stop + clear faults.
    CHECK(at(86)["fields"]["start_stop_name"] == "stop");
    CHECK(at(86)["fields"]["clear_faults_name"] == "clear");
}
