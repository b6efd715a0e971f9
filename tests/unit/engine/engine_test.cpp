// The engine against simulated modules on the virtual bus, in fake time: heartbeat,
// discovery, 0x0F byte repetition, interlocks, set-point validation, retries, timeouts,
// reply matching, link loss, persistence across a restart.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "bench.h"

using namespace ystpcs;
using namespace ystpcs::engine;
using namespace ystpcs::protocol;
using namespace std::chrono_literals;

using namespace ystpcs::engine::testing;

TEST_CASE("heartbeat every 200 ms on absolute deadlines to every module; no module ever faults") {
    Bench b;
    b.run(60s);
    for (std::uint8_t a : {1, 2}) {
        const auto hb = b.frames_to(a, pf::heartbeat);
        REQUIRE(hb.size() >= 299);
        for (std::size_t i = 1; i < hb.size(); ++i) CHECK((hb[i].at - hb[i - 1].at) == 200ms);
        const auto d = decode(hb.back().frame);
        REQUIRE(d.ok());
        CHECK(d.frame().raw[2] == 2);       // controller running
        CHECK(d.frame().raw[1] == 10000);   // 0 A with the -1000 A offset
        CHECK(b.pcs(a).fault_code() == 0);
        CHECK(b.module(a).connected());
    }
    CHECK(b.rack->heartbeat_stats().skipped == 0);
}

TEST_CASE("each interface is told the next heartbeat round, so that reads keep clear of it") {
    Bench b;
    b.run(1s);
    const auto hb = b.frames_to(1, pf::heartbeat);
    REQUIRE(!hb.empty());
    const auto quiet = b.engine_node->next_quiet_point();
    REQUIRE(quiet.has_value());
    CHECK(*quiet == hb.back().at + 200ms);
    b.run(200ms);
    CHECK(*b.engine_node->next_quiet_point() == *quiet + 200ms);
    b.rack->stop_heartbeat();
    CHECK_FALSE(b.engine_node->next_quiet_point().has_value());
}

TEST_CASE("modules are discovered from their frames, and their limits, versions and mode read") {
    Bench b;
    b.run(3s);
    REQUIRE(b.rack->modules().size() == 2);
    Module& m = b.module(2);
    CHECK_FALSE(m.configured());
    CHECK(m.limits().set1.has_value());
    CHECK(m.limits().set2.has_value());
    CHECK(m.limits().set3.has_value());
    CHECK(m.limits().set1->max_charge_current_a == doctest::Approx(176));
    REQUIRE(m.versions().arm.has_value());
    CHECK((*m.versions().arm)[5] == 39);
    REQUIRE(m.working_mode().has_value());
    CHECK(m.working_mode()->code == mode_code::standby);
    CHECK(m.working_mode()->reported);
    CHECK(m.running_state() == running_state::standby);
    CHECK(m.values().at(signal_ref(pf::dc_output, "voltage_v")).known);
}

TEST_CASE("with discovery off, unknown modules are counted, not served") {
    Bench b({3}, false);
    EngineOptions o;
    o.discovery = false;
    b.boot(false, o);
    b.run(2s);
    CHECK(b.rack->modules().empty());
    CHECK(b.rack->interface_counters(*b.engine_node).undiscovered > 0);
}

TEST_CASE("0x0F repeats the bytes it does not change") {
    Bench b;
    b.run(2s);
    b.set_cc(1, -20);
    auto data = b.sole_start_stop([&](Done d) { b.ops->set_self_start(b.module(1), true, d); });
    CHECK(data[0] == 0);  // stopped, and stays so
    CHECK(data[2] == 1);
    data = b.sole_start_stop([&](Done d) { b.ops->start(b.module(1), d); });
    CHECK(data == std::array<std::uint8_t, 8>{1, 0, 1, 0, 0, 0, 0, 0});  // start keeps self-start
    b.run(2s);
    REQUIRE(b.running(1));
    data = b.sole_start_stop([&](Done d) { b.ops->clear_faults(b.module(1), d); });
    CHECK(data == std::array<std::uint8_t, 8>{1, 1, 1, 0, 0, 0, 0, 0});  // clearing does not stop it
    b.run(1s);
    CHECK(b.running(1));
    data = b.sole_start_stop([&](Done d) { b.ops->stop(b.module(1), d); });
    CHECK(data == std::array<std::uint8_t, 8>{0, 0, 1, 0, 0, 0, 0, 0});
}

TEST_CASE("mode change while running is refused with nothing sent; stop_first stops, sets, restarts") {
    Bench b;
    b.run(2s);
    b.set_cc(1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    REQUIRE(b.running(1));
    std::size_t from = b.seen.size();
    const auto refused = b.wait_void([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cv"), {700}, {}, d); });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::interlock);
    CHECK(refused.error().message.find("stop_first") != std::string::npos);
    CHECK(b.frames_to(1, pf::set_mode, from).empty());
    CHECK(b.frames_to(1, pf::mode_params_12, from).empty());
    CHECK(b.frames_to(1, pf::start_stop, from).empty());
    // New set-points for the running mode need no stop.
    from = b.seen.size();
    b.set_cc(1, -30);
    CHECK(b.frames_to(1, pf::start_stop, from).empty());
    CHECK(b.running(1));
    // stop_first: stop → non-active state → mode → parameters → start (asked for).
    from = b.seen.size();
    const auto ok = b.wait_void(
        [&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cv"), {700}, SetModeOptions{true, true}, d); });
    REQUIRE_MESSAGE(ok.ok(), ok.error().message);
    const auto stops = b.frames_to(1, pf::start_stop, from);
    const auto modes = b.frames_to(1, pf::set_mode, from);
    const auto params = b.frames_to(1, pf::mode_params_12, from);
    REQUIRE(stops.size() == 2);
    REQUIRE(modes.size() == 1);
    REQUIRE(params.size() == 1);
    CHECK(stops[0].frame.data[0] == 0);
    CHECK(stops[0].at <= modes[0].at);
    CHECK(modes[0].at <= params[0].at);
    CHECK(params[0].at <= stops[1].at);
    CHECK(stops[1].frame.data[0] == 1);
    CHECK(b.pcs(1).mode() == mode_code::cv);
    b.run(2s);
    CHECK(b.module(1).running_state() == running_state::constant_voltage);
    // Without "start", the module stays stopped after a stop_first change.
    from = b.seen.size();
    REQUIRE(b.wait_void([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cc"), {-10}, SetModeOptions{true, false}, d); }).ok());
    const auto s2 = b.frames_to(1, pf::start_stop, from);
    REQUIRE(s2.size() == 1);
    CHECK(s2[0].frame.data[0] == 0);
    b.run(2s);
    CHECK_FALSE(b.running(1));
}

TEST_CASE("set-points outside the protection limits are refused and nothing is sent") {
    Bench b;
    b.run(2s);
    const std::size_t from = b.seen.size();
    const auto r = b.wait_void([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cc"), {-200}, {}, d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::out_of_range);
    CHECK(r.error().message.find("cc.current_a = -200") == 0);
    CHECK(r.error().message.find("-176") != std::string::npos);
    const auto def = b.wait_void([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cv"), {1200}, {}, d); });
    REQUIRE_FALSE(def.ok());
    CHECK(def.error().message.find("outside the allowed range 0.000 … 1000.000 V") != std::string::npos);
    const auto count = b.wait_void([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cccv"), {700, -50}, {}, d); });
    REQUIRE_FALSE(count.ok());
    CHECK(count.error().kind == ErrorKind::invalid_argument);
    CHECK(b.frames_to(1, pf::set_mode, from).empty());
    CHECK(b.frames_to(1, pf::mode_params_12, from).empty());
}

TEST_CASE("a set-point while the limits are unknown reads them first") {
    Bench b({1}, false);  // no discovery reads: nothing known
    b.run(2s);
    REQUIRE_FALSE(b.module(1).limits().set1.has_value());
    const std::size_t from = b.seen.size();
    b.set_cc(1, -20);
    const auto reads = b.frames_to(1, pf::read_protection, from);
    const auto modes = b.frames_to(1, pf::set_mode, from);
    REQUIRE_FALSE(reads.empty());
    REQUIRE(modes.size() == 1);
    CHECK(reads.front().at <= modes.front().at);
    CHECK(b.module(1).limits().set1.has_value());
}

TEST_CASE("idempotent commands are retried, others time out; a late reply is not mistaken") {
    Bench b({1});
    b.run(2s);
    b.pcs(1).drop_replies(1);
    std::size_t from = b.seen.size();
    auto r = b.wait<Replies>([&](DoneWith<Replies> d) { b.ops->read_setting(b.module(1), Caller{"test"}, *find_setting("bus_voltage"), d); });
    REQUIRE(r.ok());
    CHECK(b.frames_to(1, pf::read_setting, from).size() == 2);
    CHECK(b.module(1).counters().commands.retries == 1);

    b.pcs(1).drop_replies(10);
    from = b.seen.size();
    const auto t0 = b.loop.now();
    r = b.wait<Replies>([&](DoneWith<Replies> d) { b.ops->read_setting(b.module(1), Caller{"test"}, *find_setting("bus_voltage"), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::timeout);
    CHECK(b.frames_to(1, pf::read_setting, from).size() == 3);  // 1 + 2 retries
    CHECK(b.loop.now() - t0 >= 3s);
    CHECK(b.module(1).counters().commands.timeouts == 1);

    // 0x0F is not idempotent: one attempt, then timeout.
    b.pcs(1).drop_replies(10);
    from = b.seen.size();
    const auto s = b.wait_void([&](Done d) { b.ops->stop(b.module(1), d); });
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::timeout);
    CHECK(b.frames_to(1, pf::start_stop, from).size() == 1);
    b.pcs(1).drop_replies(0);
}

TEST_CASE("a PCS that answers failure gives Rejected") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    // The engine has not yet seen the fault when the start goes out; the PCS refuses it.
    b.pcs(1).inject_fault(fault_code::over_temperature, b.loop.now());
    std::optional<Result<void>> result;
    b.ops->start(b.module(1), [&](Result<void> r) { result = r; });
    b.loop.run_until([&] { return result.has_value(); }, 5s);
    REQUIRE(result.has_value());
    // Either the engine saw the fault first (interlock) or the PCS refused (rejected).
    REQUIRE_FALSE(result->ok());
    CHECK((result->error().kind == ErrorKind::rejected || result->error().kind == ErrorKind::interlock));
    // Once the fault is known the engine refuses by itself, with the fault's text.
    b.run(500ms);
    const auto again = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == ErrorKind::interlock);
    CHECK(again.error().message.find("over-temperature") != std::string::npos);
}

TEST_CASE("operations on one module run one at a time, in the order they were asked for") {
    Bench b({1});
    b.run(2s);
    std::vector<std::string> order;
    std::size_t from = b.seen.size();
    b.ops->read_setting(b.module(1), Caller{"test"}, *find_setting("bus_voltage"), [&](Result<Replies> r) { order.push_back(r ? "bus" : "bus!"); });
    b.ops->read_setting(b.module(1), Caller{"test"}, *find_setting("io"), [&](Result<Replies> r) { order.push_back(r ? "io" : "io!"); });
    b.ops->set_mode(b.module(1), *find_mode("cc"), {-10}, {}, [&](Result<void> r) { order.push_back(r ? "mode" : "mode!"); });
    b.ops->set_mode(b.module(1), *find_mode("cc"), {-12}, {}, [&](Result<void> r) { order.push_back(r ? "mode2" : "mode2!"); });
    b.loop.run_until([&] { return order.size() == 4; }, 10s);
    REQUIRE(order.size() == 4);
    CHECK(order == std::vector<std::string>{"bus", "io", "mode", "mode2"});
    // The second 0x0B went out only after the first one's parameters were answered.
    const auto modes = b.frames_to(1, pf::set_mode, from);
    const auto params = b.frames_to(1, pf::mode_params_12, from);
    REQUIRE(modes.size() == 2);
    REQUIRE(params.size() == 2);
    CHECK(params[0].at <= modes[1].at);
    CHECK(b.pcs(1).raw_params()[0] == -12000);
}

TEST_CASE("communication lost after 1 s of silence, values kept, recovery when frames return") {
    Bench b({1});
    b.run(2s);
    REQUIRE(b.module(1).connected());
    const double voltage = b.module(1).values().at(signal_ref(pf::dc_output, "voltage_v")).value;
    b.pcs(1).go_silent(3s, b.loop.now());
    b.run(800ms);
    CHECK(b.module(1).connected());
    b.run(600ms);
    CHECK_FALSE(b.module(1).connected());
    CHECK(b.module(1).counters().links_lost == 1);
    const auto& v = b.module(1).values().at(signal_ref(pf::dc_output, "voltage_v"));
    CHECK(v.known);
    CHECK(v.value == doctest::Approx(voltage));
    // Commands that need the module are refused while it is lost; stop is still tried.
    const auto r = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::not_connected);
    b.run(2s);
    CHECK(b.module(1).connected());
    CHECK(b.pcs(1).fault_code() == 0);  // heartbeats never stopped
}

TEST_CASE("after a restart, the self-start flag is kept and byte 1 needs a start from this daemon") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->set_self_start(b.module(1), true, d); }).ok());
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    REQUIRE(b.running(1));
    b.boot();  // a new daemon, same state file
    b.run(2s);
    REQUIRE(b.running(1));
    CHECK(b.module(1).commanded().start == true);  // stored: a hint
    CHECK(b.module(1).commanded().self_start == true);
    CHECK_FALSE(b.module(1).start_commanded_this_life().has_value());
    CHECK(b.module(1).confirmed_start() == true);  // the hint, confirmed by the running state
    // Byte 1 cannot be repeated without a start of this daemon's: refused, nothing sent.
    std::size_t from = b.seen.size();
    const auto refused = b.wait_void([&](Done d) { b.ops->set_self_start(b.module(1), false, d); });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::interlock);
    CHECK(b.frames_to(1, pf::start_stop, from).empty());
    b.run(1s);
    CHECK(b.running(1));
    // A start confirms it; then the flag can change and byte 1 says start.
    auto data = b.sole_start_stop([&](Done d) { b.ops->start(b.module(1), d); });
    CHECK(data == std::array<std::uint8_t, 8>{1, 0, 1, 0, 0, 0, 0, 0});  // self-start kept from before
    data = b.sole_start_stop([&](Done d) { b.ops->set_self_start(b.module(1), false, d); });
    CHECK(data == std::array<std::uint8_t, 8>{1, 0, 0, 0, 0, 0, 0, 0});
    b.run(1s);
    CHECK(b.running(1));
}

TEST_CASE("fresh install: byte 1 follows the reported state, self-start defaults to off") {
    Bench b({1});
    b.run(2s);
    REQUIRE_FALSE(b.module(1).commanded().start.has_value());
    auto data = b.sole_start_stop([&](Done d) { b.ops->clear_faults(b.module(1), d); });
    CHECK(data == std::array<std::uint8_t, 8>{0, 1, 0, 0, 0, 0, 0, 0});
    // A module already running, started by someone else: nothing can repeat byte 1 truthfully.
    b.pcs(1).on_frame(encode(pf::set_mode, 1, std::array<double, 1>{0x21}).value(), b.loop.now());
    b.pcs(1).on_frame(encode(pf::mode_params_12, 1, std::array<double, 2>{-10000, 0}).value(), b.loop.now());
    b.pcs(1).on_frame(encode(pf::start_stop, 1, std::array<double, 3>{1, 0, 0}).value(), b.loop.now());
    std::filesystem::remove(b.state_path);
    b.boot();  // forget everything
    b.run(2s);
    REQUIRE(b.running(1));
    const std::size_t from = b.seen.size();
    const auto r = b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::interlock);
    CHECK(b.frames_to(1, pf::start_stop, from).empty());
    CHECK(b.running(1));
}

TEST_CASE("a module that stops by itself is not restarted by clearing its faults") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    b.pcs(1).inject_fault(fault_code::over_current, b.loop.now());
    b.run(1s);
    CHECK(b.module(1).running_state() == running_state::fault);
    auto data = b.sole_start_stop([&](Done d) { b.ops->clear_faults(b.module(1), d); });
    CHECK(data[0] == 0);  // clearing did not restart it
    b.run(2s);
    CHECK_FALSE(b.running(1));
    CHECK(b.module(1).running_state() == running_state::standby);
}

TEST_CASE("emergency stop: heartbeat state 3 at once and until faults are cleared") {
    Bench b({1, 2});
    b.run(2s);
    b.set_cc(1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    std::size_t from = b.seen.size();
    const auto t0 = b.loop.now();
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    const auto hb = b.frames_to(1, pf::heartbeat, from);
    REQUIRE_FALSE(hb.empty());
    CHECK(hb.front().at == t0);          // not waiting for the next tick
    CHECK(hb.front().frame.data[4] == 3);
    b.run(1s);
    CHECK(b.pcs(1).running_state() == running_state::fault);
    CHECK(b.pcs(1).fault_code() == kExternalDeviceFault);
    for (const auto& h : b.frames_to(1, pf::heartbeat, from)) CHECK(h.frame.data[4] == 3);
    for (const auto& h : b.frames_to(2, pf::heartbeat, from)) CHECK(h.frame.data[4] == 2);  // only module 1
    const auto refused = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    CHECK(refused.error().kind == ErrorKind::interlock);
    from = b.seen.size();
    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); }).ok());
    b.run(1s);
    const auto after = b.frames_to(1, pf::heartbeat, from);
    REQUIRE_FALSE(after.empty());
    CHECK(after.back().frame.data[4] == 2);
    CHECK(b.pcs(1).fault_code() == 0);
}

TEST_CASE("protection limits: a set is written whole, merged with fresh values, then read back") {
    Bench b({1});
    b.run(2s);
    std::size_t from = b.seen.size();
    auto r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
        b.ops->write_protection(b.module(1), {{"max_charge_current_a", 120.0}}, d);
    });
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(r.value().set1->max_charge_current_a == doctest::Approx(120));
    CHECK(r.value().set1->max_discharge_current_a == doctest::Approx(176));  // kept
    CHECK(b.pcs(1).limits().set1->max_charge_current_a == doctest::Approx(120));
    const auto writes = b.frames_to(1, pf::write_protection_1, from);
    REQUIRE(writes.size() == 1);
    CHECK(b.frames_to(1, pf::write_protection_2, from).empty());
    // Invalid names and values are refused, nothing sent.
    from = b.seen.size();
    r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) { b.ops->write_protection(b.module(1), {{"max_amps", 1.0}}, d); });
    CHECK(r.error().kind == ErrorKind::invalid_argument);
    r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
        b.ops->write_protection(b.module(1), {{"max_charge_current_a", 1200.0}}, d);
    });
    CHECK(r.error().kind == ErrorKind::out_of_range);
    r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
        b.ops->write_protection(b.module(1), {{"min_output_voltage_v", 900.0}}, d);
    });
    CHECK(r.error().message.find("above upper bound") != std::string::npos);
    CHECK(b.frames_to(1, pf::write_protection_1, from).empty());
}

TEST_CASE("special settings, clock, versions, per-phase power") {
    Bench b({1});
    b.run(2s);
    REQUIRE(b.wait_void([&](Done d) {
                 b.ops->write_setting(b.module(1), *find_setting("bus_voltage"), {{"bus_voltage_v", 720.0}, {"reactive_power_kvar", 5.0}}, d);
             }).ok());
    const auto read = b.wait<Replies>([&](DoneWith<Replies> d) { b.ops->read_setting(b.module(1), Caller{"test"}, *find_setting("bus_voltage"), d); });
    REQUIRE(read.ok());
    CHECK(read.value().front().value[0] == doctest::Approx(720));
    const auto ro = b.wait_void([&](Done d) { b.ops->write_setting(b.module(1), *find_setting("versions"), {}, d); });
    CHECK(ro.error().kind == ErrorKind::invalid_argument);
    const auto missing = b.wait_void([&](Done d) {
        b.ops->write_setting(b.module(1), *find_setting("bus_voltage"), {{"bus_voltage_v", 720.0}}, d);
    });
    CHECK(missing.error().message.find("is missing") != std::string::npos);
    CHECK(b.wait_void([&](Done d) { b.ops->set_clock(b.module(1), ClockTime{2026, 11, 25, 12, 30, 0}, d); }).ok());
    const auto v = b.wait<FirmwareVersions>([&](DoneWith<FirmwareVersions> d) { b.ops->read_versions(b.module(1), Caller{"test"}, d); });
    REQUIRE(v.ok());
    CHECK(v.value().dsp.has_value());
    CHECK(b.wait_void([&](Done d) { b.ops->set_phase_power(b.module(1), PhasePower::active, {10, 10, 10}, d); }).ok());
    const auto too_much = b.wait_void([&](Done d) { b.ops->set_phase_power(b.module(1), PhasePower::active, {50, 50, 50}, d); });
    CHECK(too_much.error().kind == ErrorKind::out_of_range);
    CHECK(b.wait_void([&](Done d) { b.ops->set_phase_power(b.module(1), PhasePower::reactive, {-5, 0, 5}, d); }).ok());
}

TEST_CASE("nothing is ever broadcast unless asked for") {
    Bench b({1, 2});
    b.run(2s);
    b.set_cc(1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(5s);
    for (const auto& s : b.seen) CHECK(classify(s.frame).traffic != Traffic::broadcast);
    REQUIRE(b.wait_void([&](Done d) { b.ops->broadcast_stop(*b.engine_node, d); }).ok());
    int broadcasts = 0;
    for (const auto& s : b.seen) broadcasts += classify(s.frame).traffic == Traffic::broadcast;
    CHECK(broadcasts == 1);
    b.run(1s);
    CHECK_FALSE(b.running(1));
}

TEST_CASE("why a module stopped: an operator, a fault, an emergency stop, the end of a cccv; none while it runs") {
    Bench b({1}, true, [](sim::PcsConfig& c) {
        c.plant.battery.capacity_ah = 2.0;  // a quick CC-CV
        c.plant.battery.initial_soc = 0.9;
    });
    b.run(2s);
    CHECK_FALSE(b.module(1).stop_reason().has_value());  // no stop seen yet
    b.set_cc(1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    REQUIRE(b.running(1));
    b.module(1).note_stop_request("uid 1000");
    REQUIRE(b.wait_void([&](Done d) { b.ops->stop(b.module(1), d); }).ok());
    b.run(1s);
    REQUIRE(b.module(1).stop_reason().has_value());
    CHECK(b.module(1).stop_reason()->cause == StopCause::operator_stop);
    CHECK(b.module(1).stop_reason()->text == "stop by uid 1000");

    // A start forgets the operator's stop: what ends this run is the fault.
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    CHECK_FALSE(b.module(1).stop_reason().has_value());  // running
    b.pcs(1).inject_fault(fault_code::over_current, b.loop.now());
    b.run(1s);
    REQUIRE(b.module(1).stop_reason().has_value());
    CHECK(b.module(1).stop_reason()->cause == StopCause::fault);
    CHECK(b.module(1).stop_reason()->text.find("0x") != std::string::npos);

    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); }).ok());
    b.run(2s);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    b.run(2s);
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    b.run(1s);
    CHECK(b.module(1).stop_reason()->cause == StopCause::emergency_stop);

    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); }).ok());
    b.run(2s);
    const double target_v = b.pcs(1).plant().terminal_voltage_v() + 1.0;
    const auto set = b.wait_void(
        [&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cccv"), {target_v, -20.0, -5.0}, {}, d); });
    REQUIRE_MESSAGE(set.ok(), set.error().message);
    REQUIRE(b.wait_void([&](Done d) { b.ops->start(b.module(1), d); }).ok());
    for (int i = 0; i < 3600 && !b.module(1).stop_reason(); ++i) b.run(1s);
    REQUIRE(b.module(1).stop_reason().has_value());
    CHECK(b.module(1).stop_reason()->cause == StopCause::end_condition);
    CHECK(stop_cause_name(StopCause::end_condition) == "end_condition");
}

TEST_CASE("judge_stop: the latch before the fault it causes, 0x800D as a lost heartbeat, shutdown before a request") {
    auto judged = [](auto&& adjust) {
        StopContext c;
        adjust(c);
        return judge_stop(c).cause;
    };
    CHECK(judged([](StopContext& c) { c.emergency_stop_latched = true, c.fault_code = kExternalDeviceFault; }) ==
          StopCause::emergency_stop);
    CHECK(judged([](StopContext& c) { c.fault_code = fault_code::can1_communication; }) == StopCause::lost_heartbeat);
    CHECK(judged([](StopContext& c) { c.controller_shutdown = true, c.stop_requested_by = "uid 0"; }) ==
          StopCause::controller_shutdown);
    CHECK(judged([](StopContext& c) { c.mode_code = mode_code::cc; }) == StopCause::unknown);
    CHECK(judged([](StopContext& c) { c.mode_code = mode_code::dcr_test; }) == StopCause::end_condition);
}
