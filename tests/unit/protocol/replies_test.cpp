#include <doctest/doctest.h>

#include "protocol/replies.h"

using namespace ystpcs::protocol;

namespace {
DecodedFrame reply(std::uint8_t pf, std::array<std::uint8_t, 8> data, std::uint8_t pcs = 250) {
    CanFrame f;
    f.id = from_pcs_id(pf, pcs);
    f.data = data;
    const auto d = decode(f);
    REQUIRE(d.ok());
    return d.frame();
}
}  // namespace

TEST_CASE("commands sharing 0x0E share a reply kind") {
    const auto mode = expected_reply(pf::set_mode, 0x29);
    const auto params = expected_reply(pf::mode_params_12, 0);
    const auto phase = expected_reply(pf::phase_active_power, 0);
    REQUIRE(mode);
    REQUIRE(params);
    REQUIRE(phase);
    CHECK(mode->kind() == params->kind());
    CHECK(mode->kind() == phase->kind());
    CHECK(mode->kind() == ReplyKind{pf::mode_result, -1});
}

TEST_CASE("typed results must carry the type of the command") {
    const auto w2 = expected_reply(pf::write_protection_2, 0);
    REQUIRE(w2);
    CHECK(matches(w2->frames[0], reply(pf::protection_write_result, {2, 1, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(matches(w2->frames[0], reply(pf::protection_write_result, {1, 1, 0, 0, 0, 0, 0, 0})));
    const auto s = expected_reply(pf::set_io_outputs, 1);
    REQUIRE(s);
    CHECK(matches(s->frames[0], reply(pf::setting_result, {2, 1, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(matches(s->frames[0], reply(pf::setting_result, {3, 1, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(matches(s->frames[0], reply(pf::mode_result, {2, 1, 0, 0, 0, 0, 0, 0})));
    CHECK(expected_reply(pf::write_protection_1, 0)->kind() != w2->kind());
}

TEST_CASE("multi-frame readings and read requests by type") {
    const auto versions = expected_reply(pf::read_setting, 0x0A);
    REQUIRE(versions);
    CHECK(versions->count == 2);
    CHECK(versions->frames[0].pf == pf::arm_version);
    CHECK(versions->frames[1].pf == pf::dsp_version);
    CHECK(expected_reply(pf::read_setting, 0x0B)->count == 3);
    CHECK_FALSE(expected_reply(pf::read_setting, 0x0C).has_value());
    CHECK_FALSE(expected_reply(pf::read_protection, 4).has_value());
    CHECK(expected_reply(pf::read_protection, 3)->frames[0].pf == pf::protection_3);
}

TEST_CASE("heartbeat and PCS frames expect nothing") {
    CHECK_FALSE(expected_reply(pf::heartbeat, 2).has_value());
    CanFrame rx;
    rx.id = from_pcs_id(pf::dc_output, 1);
    CHECK_FALSE(expected_reply(rx).has_value());
    CanFrame cmd;
    cmd.id = to_pcs_id(pf::read_protection, 1);
    cmd.data[0] = 2;
    REQUIRE(expected_reply(cmd).has_value());
    CHECK(expected_reply(cmd)->frames[0].pf == pf::protection_2);
}

TEST_CASE("idempotency: start/stop and clock are not retried") {
    CHECK_FALSE(expected_reply(pf::start_stop, 0)->idempotent);
    CHECK_FALSE(expected_reply(pf::set_clock, 0)->idempotent);
    CHECK(expected_reply(pf::set_mode, 0x21)->idempotent);
    CHECK(expected_reply(pf::read_setting, 1)->idempotent);
    CHECK(expected_reply(pf::write_protection_1, 0)->idempotent);
}

TEST_CASE("success is byte 'result' == 1; anything else is a failure") {
    CHECK(is_success(reply(pf::start_stop_result, {1, 0, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(is_success(reply(pf::start_stop_result, {0, 0, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(is_success(reply(pf::start_stop_result, {2, 0, 0, 0, 0, 0, 0, 0})));
    CHECK(is_success(reply(pf::setting_result, {5, 1, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(is_success(reply(pf::setting_result, {1, 0, 0, 0, 0, 0, 0, 0})));
    CHECK_FALSE(is_success(reply(pf::dc_output, {1, 1, 1, 1, 1, 1, 1, 1})));  // not a result frame
}
