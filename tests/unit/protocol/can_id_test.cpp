#include <doctest/doctest.h>

#include "protocol/can_id.h"

using namespace ystpcs::protocol;

TEST_CASE("identifiers compose as (6 << 26) | (PF << 16) | (PS << 8) | SA") {
    CHECK(to_pcs_id(0x1A, 0xFA) == 0x181AFAB4u);    // spec §1: heartbeat to the default PCS
    CHECK(from_pcs_id(0x11, 0xFA) == 0x1811B4FAu);  // spec §1: DC data from the default PCS
    CHECK(to_pcs_id(0x0F, 0x00) == 0x180F00B4u);    // broadcast
    CHECK(compose_id(CanId{7, true, true, 0xFF, 0xFF, 0xFF}) == 0x1FFFFFFFu);
}

TEST_CASE("identifiers parse into priority, R, DP, PF, PS, SA") {
    const CanId id = parse_id(0x1839B401);
    CHECK(id.priority == 6);
    CHECK_FALSE(id.reserved);
    CHECK_FALSE(id.data_page);
    CHECK(id.pf == 0x39);
    CHECK(id.ps == 0xB4);
    CHECK(id.sa == 0x01);
    for (std::uint32_t raw : {0x181AFAB4u, 0x1811B4FAu, 0x0C000000u, 0x1FFFFFFFu, 0u})
        CHECK(compose_id(parse_id(raw)) == raw);
}

namespace {
CanFrame frame_with_id(std::uint32_t id) {
    CanFrame f;
    f.id = id;
    return f;
}
}  // namespace

TEST_CASE("ownership rules of spec §1") {
    SUBCASE("PS == 0xB4: the frame belongs to PCS SA") {
        const auto o = classify(frame_with_id(0x1811B4FA));
        CHECK(o.traffic == Traffic::from_pcs);
        CHECK(o.pcs == 250);
    }
    SUBCASE("SA == 0xB4: a controller command to PCS PS") {
        const auto o = classify(frame_with_id(0x180F01B4));
        CHECK(o.traffic == Traffic::to_pcs);
        CHECK(o.pcs == 1);
    }
    SUBCASE("PS == 0: broadcast to every PCS") {
        const auto o = classify(frame_with_id(0x180F00B4));
        CHECK(o.traffic == Traffic::broadcast);
        CHECK(o.pcs == 0);
    }
    SUBCASE("PS neither 0xB4 nor 0x00 and SA not the controller: not PCS traffic") {
        const auto o = classify(frame_with_id(0x1811FA01));
        CHECK(o.traffic == Traffic::not_pcs);
        CHECK(o.reason == NotPcsReason::foreign_address);
    }
    SUBCASE("0xB4 is never a PCS, 0 cannot send") {
        CHECK(classify(frame_with_id(0x1811B4B4)).traffic == Traffic::not_pcs);
        CHECK(classify(frame_with_id(0x1811B400)).traffic == Traffic::not_pcs);
    }
    SUBCASE("other priority / R / DP bits are not this protocol") {
        CHECK(classify(frame_with_id(0x0C11B4FA)).reason == NotPcsReason::foreign_header);  // priority 3
        CHECK(classify(frame_with_id(0x1911B4FA)).reason == NotPcsReason::foreign_header);  // DP set
        CHECK(classify(frame_with_id(0x1A11B4FA)).reason == NotPcsReason::foreign_header);  // R set
    }
    SUBCASE("standard identifiers, remote frames, error frames, DLC != 8") {
        CanFrame f = frame_with_id(0x123);
        f.extended = false;
        CHECK(classify(f).reason == NotPcsReason::standard_id);
        f = frame_with_id(0x1811B4FA);
        f.remote = true;
        CHECK(classify(f).reason == NotPcsReason::remote_frame);
        f = frame_with_id(0x1811B4FA);
        f.error = true;
        CHECK(classify(f).reason == NotPcsReason::error_frame);
        for (std::uint8_t dlc : {0, 1, 7, 9, 15}) {
            f = frame_with_id(0x1811B4FA);
            f.dlc = dlc;
            CHECK(classify(f).reason == NotPcsReason::bad_dlc);
        }
    }
}

TEST_CASE("valid PCS addresses are 1..254 without 0xB4") {
    CHECK_FALSE(is_valid_pcs_address(0));
    CHECK(is_valid_pcs_address(1));
    CHECK(is_valid_pcs_address(0xFA));
    CHECK(is_valid_pcs_address(254));
    CHECK_FALSE(is_valid_pcs_address(255));
    CHECK_FALSE(is_valid_pcs_address(0xB4));
}
