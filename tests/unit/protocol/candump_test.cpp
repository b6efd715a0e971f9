#include <doctest/doctest.h>

#include "protocol/candump.h"

using namespace ystpcs::protocol;

TEST_CASE("candump -L lines") {
    const auto r = parse_candump_line("(1700000000.123456) can0 1811B4FA#0FA0251CFF380352");
    REQUIRE(r.ok());
    CHECK(*r.value().timestamp_s == doctest::Approx(1700000000.123456).epsilon(1e-15));
    CHECK(r.value().iface == "can0");
    CHECK(r.value().frame.id == 0x1811B4FAu);
    CHECK(r.value().frame.extended);
    CHECK(r.value().frame.dlc == 8);
    CHECK(r.value().frame.data == std::array<std::uint8_t, 8>{0x0F, 0xA0, 0x25, 0x1C, 0xFF, 0x38, 0x03, 0x52});
    const auto std_id = parse_candump_line("(1.0) vcan0 123#1122");
    REQUIRE(std_id.ok());
    CHECK_FALSE(std_id.value().frame.extended);
    CHECK(std_id.value().frame.dlc == 2);
    const auto rtr = parse_candump_line("(1.0) vcan0 1811B4FA#R");
    REQUIRE(rtr.ok());
    CHECK(rtr.value().frame.remote);
    const auto err = parse_candump_line("(1.0) vcan0 20000004#0004000000000000");
    REQUIRE(err.ok());
    CHECK(err.value().frame.error);
    CHECK(err.value().frame.id == 4);
    const auto empty = parse_candump_line("(1.0) vcan0 1811B4FA#");
    REQUIRE(empty.ok());
    CHECK(empty.value().frame.dlc == 0);
}

TEST_CASE("candump default and timestamped layouts") {
    const auto plain = parse_candump_line("  can0  1811B4FA   [8]  0F A0 25 1C FF 38 03 52");
    REQUIRE(plain.ok());
    CHECK_FALSE(plain.value().timestamp_s.has_value());
    CHECK(plain.value().frame.data[7] == 0x52);
    const auto ta = parse_candump_line(" (1700000000.123456)  can0  1811B4FA   [8]  0F A0 25 1C FF 38 03 52");
    REQUIRE(ta.ok());
    CHECK(*ta.value().timestamp_s == doctest::Approx(1700000000.123456).epsilon(1e-15));
    const auto td = parse_candump_line(" (000.200012)  vcan0  181AFAB4   [8]  00 00 27 10 02 00 00 00");
    REQUIRE(td.ok());
    CHECK(*td.value().timestamp_s == doctest::Approx(0.200012));
    const auto ascii = parse_candump_line("  can0  1811B4FA   [8]  0F A0 25 1C FF 38 03 52   '..%..8.R'");
    REQUIRE(ascii.ok());
    const auto extra = parse_candump_line(" (1700000000.000001)  can0  RX - -  1811B4FA   [8]  0F A0 25 1C FF 38 03 52");
    REQUIRE(extra.ok());
    CHECK(extra.value().frame.id == 0x1811B4FAu);
    const auto extra_be = parse_candump_line("  can0  TX B E  1811B4FA   [8]  0F A0 25 1C FF 38 03 52");
    REQUIRE(extra_be.ok());
    const auto rtr = parse_candump_line("  can0  123   [2]  remote request");
    REQUIRE(rtr.ok());
    CHECK(rtr.value().frame.remote);
    const auto short_dlc = parse_candump_line("  can0  1811B4FA   [4]  0F A0 25 1C");
    REQUIRE(short_dlc.ok());
    CHECK(short_dlc.value().frame.dlc == 4);
    const auto date = parse_candump_line(" (2023-11-27 10:00:00.250000)  can0  1811B4FA   [8]  0F A0 25 1C FF 38 03 52");
    REQUIRE(date.ok());
    REQUIRE(date.value().timestamp_s.has_value());
    CHECK(*date.value().timestamp_s - static_cast<long long>(*date.value().timestamp_s) == doctest::Approx(0.25));
}

TEST_CASE("garbage lines are errors, never crashes") {
    for (const char* bad : {"", "hello", "(1.0) can0", "(1.0 can0 1811B4FA#00", "(x) can0 1811B4FA#00",
                            "(1.0) can0 1811B4FA#0", "(1.0) can0 1811B4FA#001122334455667788",
                            "(1.0) can0 1811B4F#00", "(1.0) can0 GG11B4FA#00", "(1.0) can0 1811B4FA##100",
                            "(1.0) can0 C811B4FA#00", "can0 1811B4FA [8] 0F A0", "can0 1811B4FA [9] 00",
                            "can0 1811B4FA [8] 0F A0 25 1C FF 38 03 ZZ", "can0 1811B4FA 8 00",
                            "(1.0) can0 1811B4FA#00 trailing", "can0 1811B4FA [8] 0F A0 25 1C FF 38 03 52 junk",
                            // fuzzing: a DLC beyond int, a year whose tm_year would overflow
                            "can0 123 [9999999999]", "(-2147483648-01-01 00:00:00) can0 123#",
                            "(2023-13-01 00:00:00) can0 123#"}) {
        const auto r = parse_candump_line(bad);
        CHECK_MESSAGE(!r.ok(), "accepted: '" << bad << "'");
        if (!r.ok()) CHECK_FALSE(r.error().message.empty());
    }
}

TEST_CASE("formatting writes the candump -L layout canplayer reads") {
    CanFrame f;
    f.id = 0x181AFAB4;
    f.data = {0, 0, 0x27, 0x10, 2, 0, 0, 0};
    CHECK(format_candump_line(1700000000.5, "vcan0", f) == "(1700000000.500000) vcan0 181AFAB4#0000271002000000");
    CanFrame s;
    s.extended = false;
    s.id = 0x7E;
    s.dlc = 2;
    s.data = {0xAB, 0xCD};
    CHECK(format_candump_line(1.0000004, "can1", s) == "(0000000001.000000) can1 07E#ABCD");
    s.remote = true;
    CHECK(format_candump_line(0, "can1", s) == "(0000000000.000000) can1 07E#R2");
    CanFrame e;
    e.error = true;
    e.id = 0x40;
    CHECK(format_can_id(e) == "20000040");
    // Round trip through the parser.
    const auto back = parse_candump_line(format_candump_line(1700000000.123456, "vcan0", f));
    REQUIRE(back.ok());
    CHECK(back.value().frame == f);
}
