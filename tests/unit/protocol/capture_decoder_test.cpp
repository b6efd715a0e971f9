#include <doctest/doctest.h>

#include "protocol/capture_decoder.h"
#include "protocol/frame_json.h"

using namespace ystpcs::protocol;

TEST_CASE("bytes that are not UTF-8 are escaped, so every line prints as JSON (fuzzing)") {
    CaptureDecoder d;
    const auto iface = d.to_json(d.decode("can\xff" "0 181AFAB4#0000271001000000"), 1);
    CHECK(iface["iface"] == "can\\xFF0");
    CHECK_NOTHROW((void)iface.dump());
    const auto error = d.to_json(d.decode("can0 1811B4FA#0\xe9"), 2);
    REQUIRE(error.contains("error"));
    CHECK(error["error"].get<std::string>().find("\\xE9") != std::string::npos);
    CHECK_NOTHROW((void)error.dump());
    // Valid UTF-8 stays as it is.
    CHECK(valid_utf8("Spannung \xc2\xb1 10 V") == "Spannung \xc2\xb1 10 V");
    CHECK(valid_utf8("\xed\xa0\x80") == "\\xED\\xA0\\x80");  // a UTF-16 surrogate
}

TEST_CASE("mode parameter frames are scaled once the mode is known in the stream") {
    CaptureDecoder d;
    // Before any 0x0B: raw only.
    auto j = d.to_json(d.decode("(1.0) can0 180CFAB4#00061A80FFFE7960"), 1);
    CHECK(j["fields"]["parameter_1"] == 400000);
    CHECK_FALSE(j["fields"].contains("voltage_v"));
    // 0x0B CC-CV to PCS 250, then parameters.
    d.decode("(1.1) can0 180BFAB4#2900000000000000");
    j = d.to_json(d.decode("(1.2) can0 180CFAB4#00061A80FFFE7960"), 3);
    CHECK(j["fields"]["mode"] == 0x29);
    CHECK(j["fields"]["voltage_v"] == 400.0);
    CHECK(j["fields"]["current_a"] == -100.0);
    j = d.to_json(d.decode("(1.3) can0 180DFAB4#FFFFF63C00000000"), 4);
    CHECK(j["fields"]["end_current_a"] == -2.5);
    CHECK_FALSE(j["fields"].contains("parameter_4_scaled"));
    // Another PCS does not inherit PCS 250's mode; another interface neither.
    j = d.to_json(d.decode("(1.4) can0 180C01B4#00061A80FFFE7960"), 5);
    CHECK_FALSE(j["fields"].contains("voltage_v"));
    j = d.to_json(d.decode("(1.4) can1 180CFAB4#00061A80FFFE7960"), 6);
    CHECK_FALSE(j["fields"].contains("voltage_v"));
    // A reported mode (0x36) applies to the readings 0x37/0x38 of that PCS.
    d.decode("(2.0) can0 1836B401#2100000000000000");
    j = d.to_json(d.decode("(2.1) can0 1837B401#FFFE796000000000"), 7);
    CHECK(j["fields"]["current_a"] == -100.0);
    CHECK_FALSE(j["fields"].contains("voltage_v"));
    // A broadcast 0x0B applies to every PCS until one is set individually.
    d.decode("(3.0) can0 180B00B4#0200000000000000");
    j = d.to_json(d.decode("(3.1) can0 180C07B4#0006978000000000"), 8);
    CHECK(j["fields"]["voltage_v"] == 432.0);
}

TEST_CASE("output layout and errors") {
    CaptureDecoder d;
    const auto j = d.to_json(d.decode("(1700000000.123456) can0 1811B4FA#0FA0251CFF380352"), 1);
    CHECK(j.dump() ==
          R"({"t":1700000000.123456,"iface":"can0","id":"1811B4FA","pf":17,"src":250,"dst":180,"dir":"rx",)"
          R"("frame":"dc_output","fields":{"voltage_v":400.0,"current_a":-50.0,"power_kw":-20.0,"inlet_temperature_c":35.0}})");
    const auto e = d.to_json(d.decode("not a frame"), 7);
    CHECK(e["line"] == 7);
    CHECK(e["error"].get<std::string>().find("not a candump line") == 0);
    const auto foreign = d.to_json(d.decode("(5.0) can0 18FF0102#0000000000000000"), 9);
    CHECK(foreign["line"] == 9);
    CHECK(foreign["id"] == "18FF0102");
    CHECK(d.decode("   ").skipped);
    CHECK(d.decode("# comment").skipped);
    CHECK(d.to_json(d.decode(""), 3).is_null());
    const auto sf = d.to_json(d.decode("(1.0) can0 1813B4FA#0600800D00000000"), 10);
    CHECK(sf["fields"]["state"] == 6);
    CHECK(sf["fields"]["state_name"] == "fault");
    CHECK(sf["fields"]["fault_code"] == 0x800D);
    CHECK(sf["fields"]["fault_text"] == "CAN1 communication fault (also raised after the 5 s heartbeat timeout)");
}

TEST_CASE("JSON values are printed at their resolution, without binary noise") {
    CaptureDecoder d;
    // 0x12 outlet temperature 4152 × 0.1 − 50 °C; 0x11 current 9862 × 0.1 − 1000 A.
    const auto capacity = d.to_json(d.decode("(1.0) can0 1812B4FA#04D20007A1201038"), 1).dump();
    CHECK(capacity.find("\"outlet_temperature_c\":365.2}") != std::string::npos);
    const auto dc = d.to_json(d.decode("(1.0) can0 1811B4FA#0FA02686FF380352"), 2).dump();
    CHECK(dc.find("\"current_a\":-13.8,") != std::string::npos);
}
