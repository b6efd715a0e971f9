#include <doctest/doctest.h>

#include <random>

#include "protocol/codec.h"

using namespace ystpcs;
using namespace ystpcs::protocol;

TEST_CASE("encode_named needs every field and knows no others") {
    const FrameDef& f = *find_frame(pf::set_bus_voltage);
    const auto ok = encode_named(f, 250, {{"bus_voltage_v", 700.0}, {"reactive_power_kvar", -12.5}});
    REQUIRE(ok.ok());
    CHECK(ok.value().id == 0x181BFAB4u);
    const auto missing = encode_named(f, 250, {{"bus_voltage_v", 700.0}});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::invalid_argument);
    CHECK(missing.error().message.find("set_bus_voltage.reactive_power_kvar is missing") == 0);
    const auto unknown = encode_named(f, 250, {{"bus_voltage_v", 700.0}, {"reactive_power_kvar", 0}, {"volts", 1}});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("has no field 'volts'") != std::string::npos);
    const auto range = encode_named(f, 250, {{"bus_voltage_v", 1200.0}, {"reactive_power_kvar", 0}});
    REQUIRE_FALSE(range.ok());
    CHECK(range.error().kind == ErrorKind::out_of_range);
    CHECK(range.error().message.find("set_bus_voltage.bus_voltage_v = 1200") == 0);
}

TEST_CASE("encode checks the value count and the addresses") {
    const double two[] = {1, 0};
    CHECK_FALSE(encode(pf::start_stop, 250, two).ok());  // three fields
    const double three[] = {1, 0, 0};
    CHECK(encode(pf::start_stop, 250, three).ok());
    CHECK(encode(pf::start_stop, 0, three).value().id == 0x180F00B4u);  // broadcast is the caller's choice
    CHECK_FALSE(encode(pf::start_stop, 0xB4, three).ok());
    CHECK_FALSE(encode(pf::start_stop, 255, three).ok());
    const double result[] = {1};
    CHECK_FALSE(encode(pf::start_stop_result, 0, result).ok());  // a PCS has an address
    CHECK(encode(pf::start_stop_result, 1, result).value().id == 0x1810B401u);
    CHECK_FALSE(encode(0x99, 1, result).ok());
}

TEST_CASE("reserved bytes are zero") {
    const double state[] = {12, 0x800D};
    const auto f = encode(pf::state_fault, 250, state).value();
    CHECK(f.data == std::array<std::uint8_t, 8>{12, 0, 0x80, 0x0D, 0, 0, 0, 0});
}

TEST_CASE("malformed frames are not decodable, with a reason") {
    CanFrame f;
    f.id = 0x1811B4FA;
    SUBCASE("standard identifier") {
        f.extended = false;
        f.id = 0x123;
        const auto d = decode(f);
        REQUIRE_FALSE(d.ok());
        CHECK(d.failure().issue == DecodeIssue::not_pcs_traffic);
        CHECK(d.failure().not_pcs == NotPcsReason::standard_id);
    }
    SUBCASE("remote frame") {
        f.remote = true;
        CHECK(decode(f).failure().not_pcs == NotPcsReason::remote_frame);
    }
    SUBCASE("DLC other than 8") {
        f.dlc = 4;
        CHECK(decode(f).failure().not_pcs == NotPcsReason::bad_dlc);
    }
    SUBCASE("unknown PF") {
        f.id = 0x1840B4FA;
        const auto d = decode(f);
        REQUIRE_FALSE(d.ok());
        CHECK(d.failure().issue == DecodeIssue::unknown_pf);
        CHECK(d.failure().reason == "PF 0x40 is not defined by the protocol");
    }
    SUBCASE("wrong direction: a PCS frame addressed to a PCS and a command sent by a PCS") {
        f.id = 0x1811FAB4;
        CHECK(decode(f).failure().issue == DecodeIssue::wrong_direction);
        f.id = 0x180FB4FA;
        CHECK(decode(f).failure().issue == DecodeIssue::wrong_direction);
    }
    SUBCASE("error frame") {
        f.error = true;
        CHECK(decode(f).failure().not_pcs == NotPcsReason::error_frame);
    }
}

TEST_CASE("decoding arbitrary frames never fails badly") {
    std::mt19937 rng(12345);
    int decoded = 0;
    for (int i = 0; i < 200000; ++i) {
        CanFrame f;
        f.id = rng() & 0x1FFFFFFF;
        if (i % 2 == 0) f.id = (f.id & 0xFF00FFFF) | 0x18000000 | ((rng() % 0x40) << 16);  // often our PFs
        if (i % 4 == 0) f.id = (f.id & 0xFFFF00FF) | 0xB400;
        f.extended = (rng() % 10) != 0;
        f.remote = (rng() % 50) == 0;
        f.dlc = static_cast<std::uint8_t>((rng() % 5) == 0 ? rng() % 16 : 8);
        for (auto& b : f.data) b = static_cast<std::uint8_t>(rng());
        const auto d = decode(f);
        if (d.ok()) {
            ++decoded;
            CHECK(d.frame().def != nullptr);
            if (d.frame().def == nullptr) break;
        } else {
            CHECK_FALSE(d.failure().reason.empty());
        }
    }
    CHECK(decoded > 1000);
}

TEST_CASE("check_values applies ranges and closed enums to decoded commands") {
    CanFrame f;
    f.id = to_pcs_id(pf::start_stop, 250);
    f.data = {1, 0, 1, 0, 0, 0, 0, 0};
    CHECK(check_values(decode(f).frame()).ok());
    f.data = {2, 0, 1, 0, 0, 0, 0, 0};
    const auto bad = check_values(decode(f).frame());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("start_stop.start_stop = 2") == 0);
    f.id = to_pcs_id(pf::set_bus_voltage, 250);
    f.data = {0x03, 0xE8, 0, 0, 0, 0, 0, 0};  // 100.0 V < 680.0
    CHECK_FALSE(check_values(decode(f).frame()).ok());
}

TEST_CASE("named_values gives every field by name") {
    CanFrame f;
    f.id = from_pcs_id(pf::dc_output, 250);
    f.data = {0x0F, 0xA0, 0x25, 0x1C, 0xFF, 0x38, 0x03, 0x52};
    const auto named = named_values(decode(f).frame());
    CHECK(named.size() == 4);
    CHECK(named.at("voltage_v") == doctest::Approx(400.0));
    CHECK(named.at("current_a") == doctest::Approx(-50.0));
}
