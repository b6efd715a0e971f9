#include <doctest/doctest.h>

#include <initializer_list>
#include <vector>

#include "protocol/setting_values.h"

using namespace ystpcs::protocol;

namespace {
DecodedFrame reply(std::uint32_t id, std::initializer_list<std::uint8_t> bytes) {
    CanFrame f;
    f.id = id;
    std::size_t i = 0;
    for (auto b : bytes) f.data[i++] = b;
    const auto d = decode(f);
    REQUIRE(d.ok());
    return d.frame();
}
}  // namespace

TEST_CASE("working_mode answers with engineering values named after the reported mode") {
    const SettingDef& s = *find_setting("working_mode");
    // Pulse current (0x28): 50.000 A, -50.000 A, cycle 1000 × 0.01 s, duty 5000 × 0.01 %.
    const std::vector<DecodedFrame> replies{
        reply(0x1836B4FA, {0x28, 0, 0, 0, 0, 0, 0, 0}),
        reply(0x1837B4FA, {0x00, 0x00, 0xC3, 0x50, 0xFF, 0xFF, 0x3C, 0xB0}),
        reply(0x1838B4FA, {0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x13, 0x88}),
    };
    const auto values = setting_values(s, replies);
    REQUIRE(values.size() == 5);
    CHECK(values[0].key == "mode_reading.mode");
    CHECK(values[0].value == 0x28);
    CHECK(values[1].key == "mode_params_12_reading.current_1_a");
    CHECK(values[1].value == 50.0);
    CHECK(values[2].key == "mode_params_12_reading.current_2_a");
    CHECK(values[2].value == -50.0);
    CHECK(values[3].key == "mode_params_34_reading.cycle_time_s");
    CHECK(values[3].value == 10.0);
    CHECK(format_setting_value(values[3].signal, values[3].value) == "10.00 s");
    CHECK(values[4].key == "mode_params_34_reading.duty_pct");
    CHECK(format_setting_value(values[4].signal, values[4].value) == "50.00 %");
    CHECK(format_setting_value(values[0].signal, values[0].value) == "40 (DC pulse current)");

    // A client with the values by name finds the same fields, in frame order.
    const ModeDef* mode = find_mode(0x28);
    const auto cycle = find_setting_field(s, "mode_params_34_reading.cycle_time_s", mode);
    REQUIRE(cycle.has_value());
    CHECK(cycle->signal.unit == "s");
    CHECK(cycle->signal.scale_exp == -2);
    const auto current = find_setting_field(s, "mode_params_12_reading.current_1_a", mode);
    const auto code = find_setting_field(s, "mode_reading.mode", mode);
    REQUIRE(current.has_value());
    REQUIRE(code.has_value());
    CHECK(code->position < current->position);
    CHECK(current->position < cycle->position);
    CHECK_FALSE(find_setting_field(s, "mode_params_12_reading.cycle_time_s", mode).has_value());
    CHECK_FALSE(find_setting_field(s, "cycle_time_s", mode).has_value());
}

TEST_CASE("a mode the table does not know leaves the parameters raw") {
    const SettingDef& s = *find_setting("working_mode");
    const std::vector<DecodedFrame> replies{
        reply(0x1836B4FA, {0x77, 0, 0, 0, 0, 0, 0, 0}),
        reply(0x1837B4FA, {0x00, 0x00, 0xC3, 0x50, 0, 0, 0, 0}),
    };
    const auto values = setting_values(s, replies);
    REQUIRE(values.size() == 3);
    CHECK(values[1].key == "mode_params_12_reading.parameter_1");
    CHECK(values[1].value == 50000);
    CHECK(find_setting_field(s, "mode_params_12_reading.parameter_1", nullptr).has_value());
}

TEST_CASE("one-frame settings use plain field names with units") {
    const SettingDef& s = *find_setting("bus_voltage");
    const std::vector<DecodedFrame> replies{reply(0x181EB4FA, {0x1D, 0x4C, 0xF6, 0x3C, 0, 0, 0, 0})};
    const auto values = setting_values(s, replies);
    REQUIRE(values.size() == 2);
    CHECK(values[0].key == "bus_voltage_v");
    CHECK(format_setting_value(values[0].signal, values[0].value) == "750.0 V");
    CHECK(format_setting_value(values[1].signal, values[1].value) == "-250.0 kvar");
    CHECK(find_setting_field(s, "reactive_power_kvar", nullptr)->signal.unit == "kvar");
}
