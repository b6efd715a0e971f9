// The heartbeat's external-device data (3.4): encoding through the table with its ranges,
// the "no measurement" payload, and which ARM firmware accepts it.
#include <doctest/doctest.h>

#include <cmath>

#include "protocol/heartbeat.h"

using namespace ystpcs;
using namespace ystpcs::protocol;

TEST_CASE("encode_heartbeat: the table's layout, scales and offset") {
    // Hand-computed (as the golden vector): 812.4 V → 8124 = 0x1FBC; -35.7 A → 9643 = 0x25AB.
    const auto f = encode_heartbeat(254, {812.4, -35.7}, 3);
    REQUIRE(f.ok());
    CHECK(f.value().id == 0x181AFEB4u);
    CHECK(f.value().data == std::array<std::uint8_t, 8>{0x1F, 0xBC, 0x25, 0xAB, 0x03, 0, 0, 0});
    const auto d = decode(f.value());
    REQUIRE(d.ok());
    CHECK(external_device_data(d.frame()).dc_voltage_v == doctest::Approx(812.4));
    CHECK(external_device_data(d.frame()).dc_current_a == doctest::Approx(-35.7));
    // No measurement: 0 V, 0 A = raw 10000 = 0x2710.
    const auto z = encode_heartbeat(1, {}, 2);
    REQUIRE(z.ok());
    CHECK(z.value().data == std::array<std::uint8_t, 8>{0x00, 0x00, 0x27, 0x10, 0x02, 0, 0, 0});
}

TEST_CASE("values outside the fields' ranges are refused, naming the field and the range") {
    const auto v = encode_heartbeat(1, {1000.1, 0}, 2);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().kind == ErrorKind::out_of_range);
    CHECK(v.error().message.find("heartbeat.dc_voltage_v = 1000.1") == 0);
    CHECK(v.error().message.find("0.0 … 1000.0 V") != std::string::npos);
    const auto negative = check_external_device_data({-0.5, 0});
    REQUIRE_FALSE(negative.ok());
    CHECK(negative.error().kind == ErrorKind::out_of_range);
    const auto a = check_external_device_data({500, -1000.1});
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find("heartbeat.dc_current_a = -1000.1") == 0);
    CHECK_FALSE(check_external_device_data({500, std::nan("")}).ok());
    CHECK(check_external_device_data({1000, -1000}).ok());
    CHECK(check_external_device_data({0, 1000}).ok());
}

TEST_CASE("the zero payload is what encodes as 0 V and 0 A") {
    auto zero = [](double v, double a) { return carries_zero_dc(encode_heartbeat(1, {v, a}, 2).value()); };
    CHECK(zero(0, 0));
    CHECK(zero(0.04, -0.04));  // rounds to raw 0 and raw 10000
    CHECK_FALSE(zero(0.05, 0));  // 0.1 V on the bus
    CHECK_FALSE(zero(650, 0));
    CHECK_FALSE(zero(0, -20));
    CHECK_FALSE(carries_zero_dc(encode(pf::start_stop, 1, std::array<double, 3>{0, 0, 0}).value()));
}

TEST_CASE("only ARM software newer than 2.1.38 accepts zeros; the hardware part is not compared") {
    auto arm = [](std::uint8_t v, std::uint8_t b, std::uint8_t d) { return FirmwareVersion{9, 9, 9, v, b, d}; };
    CHECK_FALSE(accepts_zero_dc(arm(2, 1, 38)));
    CHECK_FALSE(accepts_zero_dc(arm(2, 1, 37)));
    CHECK_FALSE(accepts_zero_dc(arm(2, 0, 200)));
    CHECK_FALSE(accepts_zero_dc(arm(1, 255, 255)));
    CHECK(accepts_zero_dc(arm(2, 1, 39)));
    CHECK(accepts_zero_dc(arm(2, 2, 0)));
    CHECK(accepts_zero_dc(arm(3, 0, 0)));
    CHECK(accepts_zero_dc(FirmwareVersion{0, 0, 0, 2, 1, 39}) == accepts_zero_dc(FirmwareVersion{255, 255, 255, 2, 1, 39}));
    CHECK(software_text(arm(2, 1, 38)) == "2.1.38");
}
