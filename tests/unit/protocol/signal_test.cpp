#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "protocol/codec.h"

using namespace ystpcs;
using namespace ystpcs::protocol;

namespace {
const SignalDef& sig_of(std::uint8_t pf, std::string_view name) {
    const FrameDef* f = find_frame(pf);
    REQUIRE(f != nullptr);
    for (const auto& s : f->signals)
        if (s.name == name) return s;
    FAIL("no signal " << name);
    throw 0;
}
double step(const SignalDef& s) { return std::pow(10.0, s.scale_exp); }
}  // namespace

TEST_CASE("engineering to raw rounds to nearest") {
    const auto& v = sig_of(pf::write_protection_1, "max_output_voltage_v");  // u16 x0.1 V
    CHECK(to_raw(v, 0.3, "v").value() == 3);     // 0.3 / 0.1 = 2.9999999999999996 must not truncate to 2
    CHECK(to_raw(v, 0.34, "v").value() == 3);
    CHECK(to_raw(v, 0.36, "v").value() == 4);
    CHECK(to_raw(v, 400.0, "v").value() == 4000);
    CHECK(to_raw(v, 999.99, "v").value() == 10000);
    const auto& i = sig_of(pf::heartbeat, "dc_current_a");  // u16 x0.1 A offset -1000
    CHECK(to_raw(i, 0.0, "i").value() == 10000);
    CHECK(to_raw(i, -50.0, "i").value() == 9500);
    CHECK(to_raw(i, -1000.0, "i").value() == 0);
    CHECK(to_raw(i, -0.04, "i").value() == 10000);
    CHECK(to_raw(i, -0.06, "i").value() == 9999);
    const auto& pfac = sig_of(pf::set_reactive_control, "power_factor");  // i16 x0.001
    CHECK(to_raw(pfac, -0.5, "pf").value() == -500);
    CHECK(to_raw(pfac, 0.9995, "pf").value() == 1000);  // rounds to the 1.000 bound (within range)
}

TEST_CASE("decoded values are the doubles nearest their decimal value, offsets included") {
    // What reaches D-Bus and JSON prints at the signal's resolution: no 0.0090000000000145519.
    const auto& precise = sig_of(pf::precise_dc_output, "current_a");  // u32 x0.001 A offset -1000
    CHECK(to_engineering(precise, 1000009) == 0.009);
    CHECK(to_engineering(precise, 999950) == -0.05);
    CHECK(to_engineering(precise, 1123456) == 123.456);
    const auto& inlet = sig_of(pf::dc_output, "inlet_temperature_c");  // u16 x0.1 °C offset -50
    CHECK(to_engineering(inlet, 749) == 24.9);
    CHECK(to_engineering(inlet, 0) == -50.0);
    const auto& grid = sig_of(pf::grid_voltage, "phase_u_v");
    CHECK(to_engineering(grid, 2301) == 230.1);
    // Every raw value of every signal with a scale gives the nearest double of raw·step + offset.
    for (const auto& f : kFrames)
        for (const auto& s : f.signals) {
            if (s.scale_exp >= 0) continue;
            const double steps = std::pow(10.0, -s.scale_exp);
            for (std::int64_t raw : {std::int64_t{0}, std::int64_t{1}, std::int64_t{7}, std::int64_t{249},
                                     std::int64_t{12345}, raw_max(s.type)}) {
                char text[64];
                std::snprintf(text, sizeof text, "%.*f", -s.scale_exp,
                              (static_cast<double>(raw) + s.offset * steps) / steps);
                CHECK_MESSAGE(to_engineering(s, raw) == std::strtod(text, nullptr), f.name << "." << s.name << " raw " << raw);
            }
        }
}

TEST_CASE("out-of-range values are refused with the field, the value and the range") {
    const auto& v = sig_of(pf::write_protection_1, "max_output_voltage_v");
    const auto r = to_raw(v, 1000.1, "write_protection_1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::out_of_range);
    CHECK(r.error().message == "write_protection_1.max_output_voltage_v = 1000.1 V is outside the allowed range 0.0 … 1000.0 V");
    const auto neg = to_raw(v, -0.1, "write_protection_1");
    REQUIRE_FALSE(neg.ok());
    CHECK(neg.error().message.find("-0.1 V") != std::string::npos);
    // Just above the maximum by less than a step is still above it: no silent truncation.
    CHECK_FALSE(to_raw(v, 1000.04, "v").ok());
    CHECK_FALSE(to_raw(sig_of(pf::set_bus_voltage, "bus_voltage_v"), 679.9, "v").ok());
    CHECK(to_raw(sig_of(pf::set_bus_voltage, "bus_voltage_v"), 680.0, "v").ok());
}

TEST_CASE("non-finite values are refused") {
    const auto& v = sig_of(pf::dc_output, "voltage_v");
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
        const auto r = to_raw(v, bad, "dc_output");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("dc_output.voltage_v") == 0);
    }
}

TEST_CASE("closed enumerations refuse unlisted values, open ones accept them") {
    const auto& start = sig_of(pf::start_stop, "start_stop");
    CHECK(to_raw(start, 1, "s").ok());
    const auto r = to_raw(start, 2, "start_stop");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("0 (stop), 1 (start)") != std::string::npos);
    CHECK_FALSE(to_raw(sig_of(pf::set_inverter_phase, "phase"), 6, "p").ok());
    CHECK(to_raw(sig_of(pf::set_inverter_phase, "phase"), 12, "p").ok());
    CHECK_FALSE(to_raw(sig_of(pf::set_grid_switching, "mode"), 2, "m").ok());   // write: 0/1 only
    CHECK(to_raw(sig_of(pf::grid_switching_reading, "mode"), 2, "m").ok());     // read: IO switching
    CHECK(to_raw(sig_of(pf::set_clock_result, "result"), 7, "r").ok());          // any result byte
    CHECK(enum_text(table::kResultEnum, 7) == "failure");
    CHECK(enum_text(table::kResultEnum, 1) == "success");
    CHECK_FALSE(to_raw(sig_of(pf::set_mode, "mode"), 0x03, "m").ok());           // not a mode of Appendix A
    // Whole numbers beyond int64 (fuzzing: the conversion to a code was undefined behaviour).
    for (double huge : {1e300, -1e300, 9.3e18, -9.3e18, 1e15}) {
        const auto e = to_raw(sig_of(pf::set_split_phase, "enabled"), huge, "split_phase.enabled");
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().message.find("not one of the allowed values") != std::string::npos);
    }
}

TEST_CASE("big-endian extraction and insertion, signed two's complement") {
    std::array<std::uint8_t, 8> d{0x0F, 0xA0, 0xFF, 0x38, 0x80, 0x00, 0x00, 0x01};
    SignalDef u16{.name = "x", .first_byte = 1, .type = RawType::u16};
    SignalDef i16{.name = "x", .first_byte = 3, .type = RawType::i16};
    SignalDef i32{.name = "x", .first_byte = 5, .type = RawType::i32};
    SignalDef u32{.name = "x", .first_byte = 5, .type = RawType::u32};
    CHECK(extract_raw(u16, d) == 4000);
    CHECK(extract_raw(i16, d) == -200);
    CHECK(extract_raw(i32, d) == -2147483647);
    CHECK(extract_raw(u32, d) == 0x80000001LL);
    std::array<std::uint8_t, 8> out{};
    insert_raw(i32, -100000, out);
    CHECK(out == std::array<std::uint8_t, 8>{0, 0, 0, 0, 0xFF, 0xFE, 0x79, 0x60});
    insert_raw(u16, 0xABCD, out);
    CHECK(out[0] == 0xAB);
    CHECK(out[1] == 0xCD);
}

// Round trips for every signal of every frame at its minimum, its maximum and a negative
// value where the field is signed (or has a negative offset).
namespace {
double lowest(const SignalDef& s) { return valid_range(s).min; }
double highest(const SignalDef& s) { return valid_range(s).max; }
}  // namespace

TEST_CASE("every signal round-trips at minimum, maximum and a negative value") {
    int checked = 0;
    for (const auto& frame : kFrames) {
        const std::uint8_t address = frame.direction == Direction::to_pcs ? 0x01 : 0xFE;
        for (std::size_t i = 0; i < frame.signals.size(); ++i) {
            const auto& sig = frame.signals[i];
            std::vector<double> probes{lowest(sig), highest(sig)};
            if (valid_range(sig).min < 0 && !(sig.enumeration && sig.enumeration->closed))
                probes.push_back(std::max(valid_range(sig).min, -1.0 - step(sig)));  // a negative value
            for (double probe : probes) {
                SignalValues values{};
                for (std::size_t k = 0; k < frame.signals.size(); ++k) values[k] = lowest(frame.signals[k]);
                values[i] = probe;
                auto encoded = encode(frame, address, std::span<const double>(values.data(), frame.signals.size()));
                REQUIRE_MESSAGE(encoded.ok(), frame.name << "." << sig.name << " = " << probe << ": "
                                                         << (encoded.ok() ? "" : encoded.error().message));
                const auto decoded = decode(encoded.value());
                REQUIRE_MESSAGE(decoded.ok(), frame.name);
                CHECK(decoded.frame().def == &frame);
                CHECK(decoded.frame().owner.pcs == address);
                CHECK_MESSAGE(decoded.frame().value[i] == doctest::Approx(probe).epsilon(1e-12),
                              frame.name << "." << sig.name << " at " << probe);
                ++checked;
            }
        }
    }
    CHECK(checked > 300);
}

TEST_CASE("every signal refuses one step beyond either end of its range") {
    for (const auto& frame : kFrames) {
        for (const auto& sig : frame.signals) {
            const std::string name = qualified_name(frame, sig);
            for (double beyond : {valid_range(sig).min - step(sig), valid_range(sig).max + step(sig)}) {
                const auto r = to_raw(sig, beyond, frame.name);
                REQUIRE_MESSAGE(!r.ok(), name << " accepted " << beyond);
                CHECK(r.error().kind == ErrorKind::out_of_range);
                CHECK_MESSAGE(r.error().message.rfind(name + " = ", 0) == 0, r.error().message);
                CHECK_MESSAGE((r.error().message.find("allowed range") != std::string::npos ||
                               r.error().message.find("allowed values") != std::string::npos),
                              r.error().message);
            }
        }
    }
}

// A decoded value is the double nearest its decimal at the field's resolution, so every printer
// (nlohmann's shortest round-trip digits, Python, D-Bus clients) shows 365.2, never
// 365.20000000000005. Every raw value of the 16-bit fields with an offset (where the noise came
// from), a spread of a few thousand of every other scaled field.
TEST_CASE("decoded values carry no binary noise beyond their resolution") {
    std::size_t checked = 0;
    for (const auto& f : kFrames)
        for (const auto& s : f.signals) {
            if (s.scale_exp >= 0 && s.offset == 0) continue;  // whole numbers
            const std::int64_t lo = raw_min(s.type), hi = raw_max(s.type);
            const std::int64_t stride = s.offset != 0 && byte_width(s.type) <= 2 ? 1 : (hi - lo) / 2999;
            for (std::int64_t raw = lo; raw <= hi; raw += stride) {
                const double v = to_engineering(s, raw);
                const double printed = std::stod(format_value(s, v));
                if (v != printed) {
                    INFO(qualified_name(f, s) << " raw " << raw << ": " << format_value(s, v));
                    CHECK(v == printed);
                    return;
                }
                ++checked;
            }
        }
    CHECK(checked > 400'000);
    CHECK(to_engineering(sig_of(pf::capacity_energy, "outlet_temperature_c"), 4152) == 365.2);
    CHECK(to_engineering(sig_of(pf::dc_output, "current_a"), 9862) == -13.8);
}
