// The heartbeat's external-device data (0x1A bytes 1–4) in fake time: the choice between
// zeros, the module's own measurement and a client's values, ageing and fallbacks, the
// warning for ARM firmware not newer than 2.1.38 that gets zeros, and simulated modules of
// both firmware generations: zeros → 0x800D on the older one; mirror → no fault.
#include <doctest/doctest.h>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "bench.h"
#include "protocol/heartbeat.h"

using namespace ystpcs;
using namespace ystpcs::engine;
using namespace ystpcs::protocol;
using namespace std::chrono_literals;
using namespace ystpcs::engine::testing;

namespace {

using S = ExternalDataSource;
using I = ExternalDataIssue;

void old_firmware(sim::PcsConfig& c) { REQUIRE(sim::parse_software_version("2.1.38", c.firmware.arm)); }

EngineOptions with_policies(std::map<std::string, ExternalDataPolicy> by_module, ExternalDataPolicy all = {}) {
    EngineOptions o;
    o.external_data = all;
    o.external_data_by_module = std::move(by_module);
    return o;
}

ExternalDataPolicy policy(S source, S fallback = S::zero, runtime::Duration max_age = 2s) {
    return ExternalDataPolicy{source, fallback, max_age};
}

// The external-device data of every heartbeat to `pcs` since `from`.
std::vector<ExternalDeviceData> heartbeat_data(const Bench& b, std::uint8_t pcs, std::size_t from = 0) {
    std::vector<ExternalDeviceData> out;
    for (const auto& s : b.frames_to(pcs, pf::heartbeat, from)) out.push_back(external_device_data(decode(s.frame).frame()));
    return out;
}

bool mentions(const std::vector<std::string>& warnings, const std::string& text) {
    for (const auto& w : warnings)
        if (w.find(text) != std::string::npos) return true;
    return false;
}

// Log lines written while it lives.
struct LogCapture {
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    LogCapture() {
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::info);
        logger->set_pattern("%l %v");
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous); }
    std::size_t count(const std::string& text) const {
        std::size_t n = 0;
        for (const auto& line : sink->last_formatted()) n += line.find(text) != std::string::npos;
        return n;
    }
};

}  // namespace

TEST_CASE("choose_external_data: zeros, the measurement, a client's values, ageing and fallbacks") {
    const runtime::Instant now{100s};
    const TimedValues client{{48.5, -3.2}, now - 1s};
    const TimedValues measured{{652.1, -20.4}, now - 100ms};
    const TimedValues old{{600, 1}, now - 2001ms};

    CHECK(choose_external_data(policy(S::zero), client, measured, now) == ExternalDataChoice{});

    CHECK(choose_external_data(policy(S::mirror), client, measured, now) ==
          ExternalDataChoice{measured.values, S::mirror, I::none});
    CHECK(choose_external_data(policy(S::mirror), client, std::nullopt, now) == ExternalDataChoice{{}, S::zero, I::no_measurement});
    CHECK(choose_external_data(policy(S::mirror), client, old, now) == ExternalDataChoice{{}, S::zero, I::measurement_stale});

    CHECK(choose_external_data(policy(S::client), client, measured, now) == ExternalDataChoice{client.values, S::client, I::none});
    CHECK(choose_external_data(policy(S::client), std::nullopt, measured, now) ==
          ExternalDataChoice{{}, S::zero, I::no_client_values});
    CHECK(choose_external_data(policy(S::client), old, measured, now) == ExternalDataChoice{{}, S::zero, I::client_values_stale});
    CHECK(choose_external_data(policy(S::client, S::mirror), old, measured, now) ==
          ExternalDataChoice{measured.values, S::mirror, I::client_values_stale});
    CHECK(choose_external_data(policy(S::client, S::mirror), std::nullopt, old, now) ==
          ExternalDataChoice{{}, S::zero, I::no_client_values});

    // The age is inclusive: exactly max_age old is still fresh, a nanosecond more is not.
    const TimedValues edge{{1, 1}, now - 2s};
    CHECK(choose_external_data(policy(S::client), edge, std::nullopt, now).origin == S::client);
    CHECK(choose_external_data(policy(S::client), edge, std::nullopt, now + 1ns).origin == S::zero);
    CHECK(choose_external_data(policy(S::mirror, S::zero, 5s), std::nullopt, old, now).origin == S::mirror);
}

TEST_CASE("describe_issue says what is sent instead, naming the setting") {
    CHECK(describe_issue({{}, S::zero, I::client_values_stale}, policy(S::client)) ==
          "the client's values are older than max_age_s (2 s): sending zeros (fallback zero) until a client sets new ones");
    CHECK(describe_issue({{1, 1}, S::mirror, I::client_values_stale}, policy(S::client, S::mirror, 5s)) ==
          "the client's values are older than max_age_s (5 s): sending the module's own DC measurement (fallback mirror) "
          "until a client sets new ones");
    CHECK(describe_issue({{}, S::zero, I::no_client_values}, policy(S::client, S::mirror)).find("not fresh either") !=
          std::string::npos);
    CHECK(describe_issue({{}, S::zero, I::measurement_stale}, policy(S::mirror, S::zero, 1500ms)) ==
          "the module's DC measurement (0x11) is older than max_age_s (1.5 s) (source mirror): sending zeros");
    CHECK(describe_issue({}, policy(S::zero)).empty());
}

TEST_CASE("policies and client values are checked; nothing changes when they are refused") {
    CHECK(check_policy(policy(S::client, S::mirror, 500ms)).ok());
    CHECK(check_policy(policy(S::mirror, S::zero, 60s)).ok());
    const auto fallback = check_policy(policy(S::client, S::client));
    REQUIRE_FALSE(fallback.ok());
    CHECK(fallback.error().kind == ErrorKind::invalid_argument);
    const auto young = check_policy(policy(S::client, S::zero, 400ms));
    REQUIRE_FALSE(young.ok());
    CHECK(young.error().kind == ErrorKind::out_of_range);
    CHECK(young.error().message == "max_age_s = 0.4 s is outside the allowed range 0.5 s … 60 s");
    CHECK_FALSE(check_policy(policy(S::client, S::zero, 61s)).ok());

    ExternalData d("sim/1", policy(S::zero));
    const runtime::Instant now{10s};
    const auto not_client = d.set_client_values({650, -20}, now);
    REQUIRE_FALSE(not_client.ok());
    CHECK(not_client.error().kind == ErrorKind::interlock);
    CHECK(not_client.error().message.find("only with source \"client\"") != std::string::npos);
    CHECK_FALSE(d.client_values().has_value());
    REQUIRE(d.set_policy(policy(S::client)).ok());
    const auto range = d.set_client_values({1200, 0}, now);  // through the table: named field and range
    REQUIRE_FALSE(range.ok());
    CHECK(range.error().kind == ErrorKind::out_of_range);
    CHECK(range.error().message.find("heartbeat.dc_voltage_v = 1200") == 0);
    CHECK_FALSE(d.client_values().has_value());
    REQUIRE(d.set_client_values({650, -20}, now).ok());
    REQUIRE(d.client_values().has_value());
    CHECK(d.client_values()->values == ExternalDeviceData{650, -20});
    CHECK_FALSE(d.set_policy(policy(S::client, S::client)).ok());
    CHECK(d.policy() == policy(S::client));
}

TEST_CASE("ARM firmware 2.1.38: zeros fault the module after 5 s, with a warning; mirror keeps it running") {
    LogCapture log;
    Bench b({1, 2}, true, old_firmware, with_policies({{"sim/2", policy(S::mirror)}}));
    // (A round between a module's first frame, its 0x13, and its first 0x11 sends zeros.)
    b.run(1s);
    const std::uint64_t refused_at_start = b.pcs(2).heartbeats_refused();
    CHECK(refused_at_start <= 1);
    b.run(6s);
    Module& zero = b.module(1);
    Module& mirror = b.module(2);
    REQUIRE(zero.versions().arm.has_value());
    CHECK(zero.fault_code() == fault_code::can1_communication);
    CHECK(b.pcs(1).heartbeats_refused() > 25);
    CHECK(mirror.fault_code() == 0);
    CHECK(b.pcs(2).heartbeats_refused() == refused_at_start);

    // The warning names the firmware and the setting to change; logged once, not every round.
    CHECK(zero.external_data().sent().origin == S::zero);
    REQUIRE(zero.external_data().warnings().size() == 1);
    CHECK(mentions(zero.external_data().warnings(), "ARM firmware 2.1.38 is not newer than 2.1.38"));
    CHECK(mentions(zero.external_data().warnings(), "external_data.source"));
    CHECK(mentions(zero.external_data().warnings(), "SetExternalDataSource"));
    CHECK(log.count("warning sim/1: ARM firmware 2.1.38 is not newer") == 1);
    CHECK(mirror.external_data().warnings().empty());
    CHECK(log.count("sim/2: ARM firmware") == 0);

    // What went on the bus: zeros to 1; to 2 its own DC measurement (no noise: constant).
    for (const auto& d : heartbeat_data(b, 1)) CHECK(d == ExternalDeviceData{});
    const auto to_mirror = heartbeat_data(b, 2);
    REQUIRE(to_mirror.size() > 30);
    const double measured = mirror.values().at(signal_ref(pf::dc_output, "voltage_v")).value;
    CHECK(measured > 600);
    CHECK(to_mirror.back().dc_voltage_v == doctest::Approx(measured).epsilon(0.001));
    CHECK(mirror.external_data().sent().origin == S::mirror);

    // Switching module 1 to mirror: the warning goes, a clear-faults is not undone 5 s later.
    REQUIRE(zero.set_external_data_policy(policy(S::mirror)).ok());
    b.run(400ms);
    CHECK(zero.external_data().warnings().empty());
    CHECK(log.count("sim/1: the heartbeat no longer carries zero DC values") == 1);
    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(zero, d); }).ok());
    b.run(10s);
    CHECK(zero.fault_code() == 0);
    CHECK(b.pcs(1).fault_code() == 0);
}

TEST_CASE("ARM firmware 2.1.39 (the simulator's default): zeros are accepted, no warning") {
    Bench b({1});
    b.run(10s);
    REQUIRE(b.module(1).versions().arm.has_value());
    CHECK(b.module(1).fault_code() == 0);
    CHECK(b.pcs(1).heartbeats_refused() == 0);
    CHECK(b.module(1).external_data().warnings().empty());
    // The heartbeat kept its period with the payload chosen every round.
    const auto hb = b.frames_to(1, pf::heartbeat);
    for (std::size_t i = 1; i < hb.size(); ++i) CHECK((hb[i].at - hb[i - 1].at) == 200ms);
}

TEST_CASE("client values: sent while fresh, then the fallback with a warning; zeros fault older firmware") {
    LogCapture log;
    Bench b({1, 2}, true, old_firmware,
            with_policies({{"sim/1", policy(S::client)}, {"sim/2", policy(S::client, S::mirror, 1s)}}));
    b.run(300ms);
    Module& m1 = b.module(1);
    Module& m2 = b.module(2);
    CHECK(mentions(m1.external_data().warnings(), "no values from a client yet (source client): sending zeros"));
    // A BMS bridge sets values once a second for 8 s: they are what the heartbeats carry.
    std::size_t from = b.mark();
    runtime::Instant last_update{};
    for (int i = 0; i < 8; ++i) {
        REQUIRE(m1.set_external_data_values({651.3, -12.5 - i}).ok());
        REQUIRE(m2.set_external_data_values({649.9, 3.0}).ok());
        last_update = b.loop.now();
        b.run(1s);
    }
    CHECK(m1.external_data().warnings().empty());
    CHECK(m1.fault_code() == 0);
    CHECK(m2.fault_code() == 0);
    const auto sent = heartbeat_data(b, 1, from);
    REQUIRE(sent.size() == 40);
    CHECK(sent.front().dc_voltage_v == doctest::Approx(651.3));
    CHECK(sent.front().dc_current_a == doctest::Approx(-12.5));
    CHECK(sent.back().dc_current_a == doctest::Approx(-19.5));
    CHECK(heartbeat_data(b, 2, from).back().dc_current_a == doctest::Approx(3.0));

    // The bridge stops. Module 1 falls back to zeros after 2 s, and faults 5 s later; module
    // 2 (max age 1 s) falls back to its own measurement and keeps running.
    from = b.mark();
    b.run(8s);
    CHECK(m1.external_data().sent().issue == I::client_values_stale);
    CHECK(m1.external_data().sent().origin == S::zero);
    CHECK(mentions(m1.external_data().warnings(), "the client's values are older than max_age_s (2 s): sending zeros"));
    CHECK(mentions(m1.external_data().warnings(), "ARM firmware 2.1.38"));
    CHECK(log.count("warning sim/1: external-device data: the client's values are older") == 1);
    CHECK(m1.fault_code() == fault_code::can1_communication);
    CHECK(m2.external_data().sent().origin == S::mirror);
    CHECK(m2.external_data().warnings().size() == 1);
    CHECK(mentions(m2.external_data().warnings(), "(1 s): sending the module's own DC measurement (fallback mirror)"));
    CHECK(m2.fault_code() == 0);
    // When the values gave way, from the heartbeats' own timestamps: at the first round more
    // than 2 s (module 1) and 1 s (module 2) after the last update.
    auto first_heartbeat = [&](std::uint8_t pcs, const std::function<bool(const ExternalDeviceData&)>& what) {
        for (const auto& h : b.frames_to(pcs, pf::heartbeat, from))
            if (what(external_device_data(decode(h.frame).frame()))) return h.at;
        FAIL("no such heartbeat to " << int(pcs));
        return runtime::Instant{};
    };
    const auto zeros_after = first_heartbeat(1, [](const auto& d) { return d == ExternalDeviceData{}; }) - last_update;
    CHECK(zeros_after > 2s);
    CHECK(zeros_after <= 2200ms);
    const auto mirror_after = first_heartbeat(2, [](const auto& d) { return d.dc_current_a != 3.0; }) - last_update;
    CHECK(mirror_after > 1s);
    CHECK(mirror_after <= 1200ms);

    // Values again: sent at the next round, the warning about them gone.
    const std::size_t as_asked = log.count("info sim/2: external-device data: sending the client's values (client) as asked");
    REQUIRE(m2.set_external_data_values({649.9, 4.0}).ok());
    b.run(200ms);
    CHECK(m2.external_data().sent().origin == S::client);
    CHECK(m2.external_data().warnings().empty());
    CHECK(log.count("info sim/2: external-device data: sending the client's values (client) as asked") == as_asked + 1);
}

TEST_CASE("mirror: a silent module's measurement goes stale → zeros with a warning, then mirrored again") {
    Bench b({1}, true, {}, with_policies({}, policy(S::mirror)));
    b.run(2s);
    Module& m = b.module(1);
    CHECK(m.external_data().sent().origin == S::mirror);
    b.pcs(1).go_silent(3s, b.loop.now());  // its last 0x11 went out just now
    b.run(2200ms);  // the first round more than 2 s later
    CHECK(m.external_data().sent().issue == I::measurement_stale);
    CHECK(m.external_data().sent().values == ExternalDeviceData{});
    CHECK(mentions(m.external_data().warnings(), "older than max_age_s (2 s) (source mirror): sending zeros"));
    CHECK(m.external_data().warnings().size() == 1);  // newer firmware: no firmware warning
    b.run(2s);
    CHECK(m.external_data().sent().origin == S::mirror);
    CHECK(m.external_data().warnings().empty());
    CHECK(b.pcs(1).fault_code() == 0);
}

TEST_CASE("mirror: a measurement the heartbeat cannot carry gives zeros, never a missing heartbeat") {
    Bench b({}, true, {}, with_policies({}, policy(S::mirror)));
    b.run(200ms);
    // A PCS at 9 reports 1200.0 V (beyond the heartbeat's 0 … 1000 V) every 200 ms.
    for (int i = 0; i < 5; ++i) {
        b.send_as_pcs(9, pf::dc_output, {1200.0, 5.0, 6.0, 25.0});
        b.run(200ms);
    }
    Module& m = b.module(9);
    const auto hb = b.frames_to(9, pf::heartbeat);
    REQUIRE(hb.size() >= 4);
    for (std::size_t i = 1; i < hb.size(); ++i) CHECK((hb[i].at - hb[i - 1].at) == 200ms);
    CHECK(carries_zero_dc(hb.back().frame));
    CHECK(m.external_data().sent().issue == I::not_encodable);
    CHECK(mentions(m.external_data().warnings(), "outside what the heartbeat can carry"));
}

TEST_CASE("a reload changes a module's policy only where the configuration changed for it") {
    Bench b({1, 2}, true, {}, with_policies({{"sim/2", policy(S::mirror)}}));
    b.run(1s);
    // A choice made at run time on module 1 ...
    REQUIRE(b.module(1).set_external_data_policy(policy(S::client, S::mirror, 5s)).ok());
    // ... survives a reload that changes only module 2's entry.
    EngineOptions next = with_policies({{"sim/2", policy(S::mirror, S::zero, 3s)}});
    b.rack->set_options(next);
    CHECK(b.module(1).external_data().policy() == policy(S::client, S::mirror, 5s));
    CHECK(b.module(2).external_data().policy() == policy(S::mirror, S::zero, 3s));
    // A changed default reaches every module that follows it.
    next.external_data = policy(S::mirror);
    b.rack->set_options(next);
    CHECK(b.module(1).external_data().policy() == policy(S::mirror));
    CHECK(b.module(2).external_data().policy() == policy(S::mirror, S::zero, 3s));
}

TEST_CASE("the emergency stop's immediate heartbeat carries the chosen data too") {
    Bench b({1}, true, old_firmware, with_policies({}, policy(S::mirror)));
    b.run(2s);
    const std::size_t from = b.mark();
    const std::uint64_t refused = b.pcs(1).heartbeats_refused();
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    const auto hb = b.frames_to(1, pf::heartbeat, from);
    REQUIRE_FALSE(hb.empty());
    CHECK(hb.front().frame.data[4] == 3);
    CHECK_FALSE(carries_zero_dc(hb.front().frame));
    // Heard by the older firmware: the external-device fault, not a refused heartbeat.
    b.run(400ms);
    CHECK(b.pcs(1).fault_code() == fault_code::external_device);
    CHECK(b.pcs(1).heartbeats_refused() == refused);
}
