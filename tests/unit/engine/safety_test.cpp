// The findings of the adversarial review of issue 13, one or more cases each, in fake time
// against simulated modules (or a PCS played by the test where the simulator cannot misbehave
// the way a real module might). Each case names its finding.
#include <doctest/doctest.h>

#include <fstream>

#include "bench.h"
#include "engine/shutdown_sequence.h"

using namespace ystpcs;
using namespace ystpcs::engine;
using namespace ystpcs::engine::testing;

namespace {

// The 0x0F frames the controller sent to PCS `a` since `from`.
std::vector<std::array<std::uint8_t, 8>> start_stops(const Bench& b, std::uint8_t a, std::size_t from) {
    std::vector<std::array<std::uint8_t, 8>> out;
    for (const auto& s : b.frames_to(a, pf::start_stop, from)) out.push_back(s.frame.data);
    return out;
}

void start_cc(Bench& b, std::uint8_t a, double amps) {
    b.set_cc(a, amps);
    const auto r = b.wait_void([&](Done d) { b.ops->start(b.module(a), d); });
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    REQUIRE(b.running(a));
}

}  // namespace

// ---- finding 1: commanded state that tells the truth --------------------------------------

TEST_CASE("finding 1: after a restart longer than the PCS's 5 s, ClearFaults does not restart the module") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -20);
    b.controller_down();  // the daemon dies ...
    b.run(6s);            // ... for longer than the PCS's heartbeat timeout: it faults and stops
    REQUIRE(b.pcs(1).fault_code() == fault_code::can1_communication);
    b.boot();
    b.run(2s);
    REQUIRE(b.module(1).commanded().start == true);  // what the old daemon stored
    const std::size_t from = b.mark();
    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); }).ok());
    const auto sent = start_stops(b, 1, from);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0][0] == 0);  // byte 1: stop, as the module is
    CHECK(sent[0][1] == 1);
    b.run(3s);
    CHECK_FALSE(b.running(1));
}

TEST_CASE("finding 1: after such a restart, SetSelfStart does not restart the module either") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -20);
    b.controller_down();
    b.run(6s);
    b.boot();
    b.run(2s);
    const std::size_t from = b.mark();
    REQUIRE(b.wait_void([&](Done d) { b.ops->set_self_start(b.module(1), true, d); }).ok());
    const auto sent = start_stops(b, 1, from);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0] == std::array<std::uint8_t, 8>{0, 0, 1, 0, 0, 0, 0, 0});
    b.run(3s);
    CHECK_FALSE(b.running(1));
}

TEST_CASE("finding 1: a start whose reply was lost still counts; ClearFaults does not stop the module") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->stop(b.module(1), d); }).ok());  // stored: stop
    b.run(1s);
    b.pcs(1).drop_replies(1);
    const auto lost = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().kind == ErrorKind::timeout);
    b.run(1s);
    REQUIRE(b.running(1));  // the start itself arrived
    const std::size_t from = b.mark();
    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); }).ok());
    const auto sent = start_stops(b, 1, from);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0][0] == 1);
    b.run(1s);
    CHECK(b.running(1));
}

// ---- finding 2: one operation at a time per module -----------------------------------------

TEST_CASE("finding 2: Start and SetMode at the same moment: no mode change reaches a starting module") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    const std::size_t from = b.mark();
    auto start = b.launch([&](Done d) { b.ops->start(b.module(1), d); });
    auto mode = b.launch([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cv"), {700}, {}, d); });
    REQUIRE(b.loop.run_until([&] { return start->has_value() && mode->has_value(); }, 10s));
    CHECK((*start)->ok());
    REQUIRE_FALSE((*mode)->ok());
    CHECK((*mode)->error().kind == ErrorKind::interlock);
    CHECK(b.pfs_to(1, from) == std::vector<std::uint8_t>{pf::start_stop});  // nothing after the start
    CHECK(b.pcs(1).mode() == mode_code::cc);
}

TEST_CASE("finding 2: two SetMode calls at once never interleave their frames") {
    Bench b({1});
    b.run(2s);
    const std::size_t from = b.mark();
    auto cv = b.launch([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cv"), {700}, {}, d); });
    auto cc = b.launch([&](Done d) { b.ops->set_mode(b.module(1), *find_mode("cc"), {-20}, {}, d); });
    REQUIRE(b.loop.run_until([&] { return cv->has_value() && cc->has_value(); }, 10s));
    CHECK((*cv)->ok());
    CHECK((*cc)->ok());
    CHECK(b.pfs_to(1, from) ==
          std::vector<std::uint8_t>{pf::set_mode, pf::mode_params_12, pf::set_mode, pf::mode_params_12});
    const auto params = b.frames_to(1, pf::mode_params_12, from);
    REQUIRE(params.size() == 2);
    CHECK(decode(params[0].frame).frame().raw[0] == 700000);   // cv's 700 V in its own frame
    CHECK(decode(params[1].frame).frame().raw[0] == -20000);   // cc's -20 A in its own
    CHECK(b.pcs(1).mode() == mode_code::cc);
    CHECK(b.pcs(1).raw_params()[0] == -20000);
}

TEST_CASE("finding 2: a stop pre-empts the running operation and cancels the control operations queued behind it") {
    Bench b({1});
    // Frames take 5 ms on this bus: an operation of several commands takes a while.
    b.bus.set_options(transport::VirtualBusOptions{5ms, 0.0, 1});
    b.run(2s);
    start_cc(b, 1, -20);
    const std::size_t from = b.mark();
    // A stop_first change (stop, wait, mode, start) with a start queued behind it.
    auto change = b.launch([&](Done d) {
        b.ops->set_mode(b.module(1), *find_mode("cv"), {700}, SetModeOptions{true, true}, d);
    });
    auto queued_start = b.launch([&](Done d) { b.ops->start(b.module(1), d); });
    auto read = b.launch<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) { b.ops->read_protection(b.module(1), Caller{"test"}, d); });
    b.run(7ms);  // the change has begun: its stop is out, not yet answered
    auto stop = b.launch([&](Done d) { b.ops->stop(b.module(1), d); });
    REQUIRE(b.loop.run_until([&] { return stop->has_value() && change->has_value() && queued_start->has_value() && read->has_value(); }, 20s));
    CHECK((*stop)->ok());
    REQUIRE_FALSE((*change)->ok());
    CHECK((*change)->error().kind == ErrorKind::cancelled);
    CHECK((*change)->error().message.find("stop") != std::string::npos);
    REQUIRE_FALSE((*queued_start)->ok());
    CHECK((*queued_start)->error().kind == ErrorKind::cancelled);
    CHECK((*read)->ok());  // a read is not cancelled by a stop
    b.run(5s);
    for (const auto& f : start_stops(b, 1, from)) CHECK(f[0] == 0);  // no start after the stop
    CHECK(b.frames_to(1, pf::set_mode, from).empty());
    CHECK_FALSE(b.running(1));
}

// ---- finding 3: the emergency-stop latch ------------------------------------------------------

TEST_CASE("finding 3: the emergency stop survives a restart: heartbeat state 3 from the first round") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -20);
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    b.controller_down();
    const std::size_t from = b.mark();
    b.boot();
    b.run(2s);
    const auto hb = b.frames_to(1, pf::heartbeat, from);
    REQUIRE_FALSE(hb.empty());
    for (const auto& h : hb) CHECK(h.frame.data[4] == 3);
    CHECK(b.module(1).health() == ControllerHealth::emergency_stop);
    const auto r = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::interlock);
}

TEST_CASE("finding 3: the emergency stop survives the orderly shutdown (state 3, not 1)") {
    Bench b({1, 2});
    b.run(2s);
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    ShutdownSequence shutdown(*b.rack, *b.ops);
    bool done = false;
    const std::size_t from = b.mark();
    shutdown.begin(false, [&] { done = true; });
    REQUIRE(b.loop.run_until([&] { return done; }, 10s));
    const auto hb1 = b.frames_to(1, pf::heartbeat, from);
    const auto hb2 = b.frames_to(2, pf::heartbeat, from);
    REQUIRE_FALSE(hb1.empty());
    REQUIRE_FALSE(hb2.empty());
    for (const auto& h : hb1) CHECK(h.frame.data[4] == 3);
    for (const auto& h : hb2) CHECK(h.frame.data[4] == 1);
}

TEST_CASE("finding 3: a ClearFaults that fails keeps the emergency stop") {
    Bench b({1});
    b.run(2s);
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    b.run(1s);
    b.pcs(1).refuse_commands(1);
    const auto r = b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::rejected);
    CHECK(b.module(1).emergency_stop_latched());
    CHECK(b.module(1).health() == ControllerHealth::emergency_stop);
    const std::size_t from = b.mark();
    b.run(1s);
    for (const auto& h : b.frames_to(1, pf::heartbeat, from)) CHECK(h.frame.data[4] == 3);
    // Only a successful one ends it.
    REQUIRE(b.wait_void([&](Done d) { b.ops->clear_faults(b.module(1), d); }).ok());
    CHECK_FALSE(b.module(1).emergency_stop_latched());
    CHECK_FALSE(b.store->get("sim/1").emergency_stop);
}

// ---- finding 4: stopping is never refused; shutdown stops what runs ---------------------------

TEST_CASE("finding 4: during the shutdown, stops are accepted and other control is refused") {
    Bench b({1, 2});
    b.run(2s);
    start_cc(b, 1, -20);
    ShutdownSequence shutdown(*b.rack, *b.ops);
    bool done = false;
    shutdown.begin(false, [&] { done = true; });
    CHECK(b.wait_void([&](Done d) { b.ops->stop(b.module(2), d); }).ok());
    CHECK(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(2), d); }).ok());
    CHECK(b.wait_void([&](Done d) { b.ops->emergency_stop_all(d); }).ok());
    const auto start = b.wait_void([&](Done d) { b.ops->start(b.module(2), d); });
    REQUIRE_FALSE(start.ok());
    CHECK(start.error().kind == ErrorKind::busy);
    REQUIRE(b.loop.run_until([&] { return done; }, 10s));
}

TEST_CASE("finding 4: the shutdown stops a module running on self-start or a start from before a restart") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -20);
    b.boot();  // a new daemon: nothing started in this life, the module runs
    b.run(2s);
    REQUIRE(b.running(1));
    ShutdownSequence shutdown(*b.rack, *b.ops);
    bool done = false;
    const std::size_t from = b.mark();
    shutdown.begin(false, [&] { done = true; });
    REQUIRE(b.loop.run_until([&] { return done; }, 10s));
    const auto sent = start_stops(b, 1, from);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0][0] == 0);
    b.run(1s);
    CHECK_FALSE(b.pcs(1).running_state() == running_state::constant_current);
}

// ---- finding 5: every set-point bounded ------------------------------------------------------

TEST_CASE("finding 5: per-phase power is bounded per phase, reactive too") {
    Bench b({1});
    b.run(2s);
    const std::size_t from = b.mark();
    // 100 / -100 / 0 kW sums to zero but no phase carries 100 kW of a 120 kW module.
    auto r = b.wait_void([&](Done d) { b.ops->set_phase_power(b.module(1), PhasePower::active, {100, -100, 0}, d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::out_of_range);
    CHECK(r.error().message.find("phase_a = 100 kW") == 0);
    r = b.wait_void([&](Done d) { b.ops->set_phase_power(b.module(1), PhasePower::reactive, {0, 90, 0}, d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("phase_b = 90 kvar") == 0);
    CHECK(b.frames_to(1, pf::phase_active_power, from).empty());
    CHECK(b.frames_to(1, pf::phase_reactive_power, from).empty());
}

TEST_CASE("finding 5: a protection write that would put the running set-point out of bounds is refused") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -100);
    const std::size_t from = b.mark();
    auto r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
        b.ops->write_protection(b.module(1), {{"max_charge_current_a", 50.0}}, d);
    });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::interlock);
    CHECK(r.error().message.find("running set-point") != std::string::npos);
    CHECK(b.frames_to(1, pf::write_protection_1, from).empty());
    CHECK(b.pcs(1).limits().set1->max_charge_current_a == doctest::Approx(176));
    // A limit the set-point stays inside is fine.
    r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
        b.ops->write_protection(b.module(1), {{"max_charge_current_a", 150.0}}, d);
    });
    CHECK(r.ok());
    CHECK(b.running(1));
}

TEST_CASE("finding 5: the clock is refused outside what frame 0x09 carries") {
    Bench b({1});
    b.run(2s);
    const std::size_t from = b.mark();
    const auto r = b.wait_void([&](Done d) { b.ops->set_clock(b.module(1), ClockTime{10000, 1, 1, 0, 0, 0}, d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::out_of_range);
    CHECK(r.error().message.find("year") != std::string::npos);
    CHECK(b.frames_to(1, pf::set_clock, from).empty());
}

// ---- finding 6: a bounded bus --------------------------------------------------------------

TEST_CASE("finding 6: reads are rate-limited per caller; a module queues a bounded number of operations") {
    Bench b({1});
    b.run(2s);
    const std::size_t from = b.mark();
    std::vector<std::shared_ptr<std::optional<Result<ProtectionLimits>>>> reads;
    for (int i = 0; i < 1000; ++i)
        reads.push_back(b.launch<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) { b.ops->read_protection(b.module(1), Caller{":1.42"}, d); }));
    REQUIRE(b.loop.run_until([&] {
        for (const auto& r : reads) if (!r->has_value()) return false;
        return true;
    }, 60s));
    std::size_t ok = 0, busy = 0;
    for (const auto& r : reads) {
        if ((*r)->ok()) ++ok;
        else if ((*r)->error().kind == ErrorKind::busy) ++busy;
    }
    CHECK(ok <= 20);  // at most the queue and the burst
    CHECK(ok + busy == 1000);
    CHECK(b.frames_to(1, pf::read_protection, from).size() <= 3 * ok);
    // The heartbeat went on every 200 ms meanwhile.
    const auto hb = b.frames_to(1, pf::heartbeat, from);
    for (std::size_t i = 1; i < hb.size(); ++i) CHECK((hb[i].at - hb[i - 1].at) == 200ms);
    // Another caller still has its own budget.
    CHECK(b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) { b.ops->read_protection(b.module(1), Caller{":1.43"}, d); }).ok());
}

// ---- finding 7: a command that timed out while waiting to be sent is never sent ---------------

TEST_CASE("finding 7: a start that timed out in the transmit queue never reaches the bus") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    b.bus.set_tx_stalled(*b.engine_node, true);  // a full kernel queue, a bus nobody acknowledges
    const auto r = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("never sent") != std::string::npos);
    CHECK_FALSE(b.module(1).start_commanded_this_life() == true);
    const std::size_t from = b.mark();
    b.bus.set_tx_stalled(*b.engine_node, false);
    b.run(2s);
    CHECK(b.frames_to(1, pf::start_stop, from).empty());
    CHECK_FALSE(b.running(1));
    CHECK(b.module(1).counters().commands.withdrawn >= 1);
}

// ---- finding 8: Interlock means nothing was sent ---------------------------------------------

TEST_CASE("finding 8: SetMode with start during an emergency stop sends nothing") {
    Bench b({1});
    b.run(2s);
    REQUIRE(b.wait_void([&](Done d) { b.ops->emergency_stop(b.module(1), d); }).ok());
    const std::size_t from = b.mark();
    const auto r = b.wait_void([&](Done d) {
        b.ops->set_mode(b.module(1), *find_mode("cc"), {-20}, SetModeOptions{false, true}, d);
    });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::interlock);
    CHECK(b.pfs_to(1, from).empty());
}

TEST_CASE("finding 8: an invalid SetProtectionLimits sends nothing, not even a read") {
    Bench b({1});
    b.run(2s);
    const std::size_t from = b.mark();
    auto r = b.wait<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
        b.ops->write_protection(b.module(1), {{"max_charge_current_a", 120.0}, {"max_output_voltage_v", 5000.0}}, d);
    });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::out_of_range);
    CHECK(b.pfs_to(1, from).empty());
}

// ---- finding 9: removing a module ends what waits on it ---------------------------------------

TEST_CASE("finding 9: a module removed with its discovery reads and a stop_first change pending: both end") {
    Bench b({1});
    b.run(2s);
    start_cc(b, 1, -20);
    b.pcs(1).drop_replies(100);  // the change's stop never answered: it waits
    auto change = b.launch([&](Done d) {
        b.ops->set_mode(b.module(1), *find_mode("cv"), {700}, SetModeOptions{true, false}, d);
    });
    b.ops->read_on_discovery(b.module(1));
    b.run(10ms);
    REQUIRE(b.rack->remove_module("sim/1"));
    REQUIRE(b.loop.run_until([&] { return change->has_value(); }, 5s));
    REQUIRE_FALSE((*change)->ok());
    CHECK((*change)->error().kind == ErrorKind::cancelled);
    CHECK((*change)->error().message.find("removed") != std::string::npos);
    b.pcs(1).drop_replies(0);
    b.run(3s);  // late replies to a module nobody serves: nothing to touch
}

// ---- finding 12: one read at a time, partial answers, tight reply matching, discovery -----------

TEST_CASE("finding 12: discovery reads go one at a time, each after the previous answer") {
    Bench b({1});
    b.run(3s);
    std::vector<Seen> requests, replies;
    for (const auto& s : b.seen) {
        const auto o = classify(s.frame);
        if (o.traffic == Traffic::to_pcs && o.pcs == 1 && (o.id.pf == pf::read_protection || o.id.pf == pf::read_setting))
            requests.push_back(s);
        if (o.traffic == Traffic::from_pcs && o.pcs == 1 &&
            (o.id.pf == pf::protection_1 || o.id.pf == pf::protection_2 || o.id.pf == pf::protection_3 ||
             o.id.pf == pf::dsp_version || o.id.pf == pf::mode_params_34_reading))
            replies.push_back(s);
    }
    REQUIRE(requests.size() == 5);  // sets 1-3, versions, mode
    REQUIRE(replies.size() >= 4);
    for (std::size_t i = 1; i < requests.size(); ++i) CHECK(replies[i - 1].at <= requests[i].at);
}

TEST_CASE("finding 12: a PCS that answers the mode read with 0x36 only: the mode code is kept") {
    Bench b({}, false);
    // PCS 7, played by the test: it reports its state, then answers the mode read partly.
    b.send_as_pcs(7, pf::state_fault, {13, 0});
    b.run(10ms);
    REQUIRE(b.rack->find("sim", 7) != nullptr);
    auto read = b.launch<WorkingMode>([&](DoneWith<WorkingMode> d) { b.ops->read_mode(b.module(7), Caller{"test"}, d); });
    b.run(10ms);
    b.send_as_pcs(7, pf::mode_reading, {0x29});
    REQUIRE(b.loop.run_until([&] { return read->has_value(); }, 10s));
    REQUIRE((*read)->ok());
    CHECK((*read)->value().code == mode_code::cccv);
    CHECK_FALSE((*read)->value().params_known);
    REQUIRE(b.module(7).working_mode().has_value());
    CHECK(b.module(7).working_mode()->code == mode_code::cccv);
    CHECK_FALSE(b.module(7).working_mode()->params_known);
    // Reading once, not three times: the code arrived.
    CHECK(b.frames_to(7, pf::read_setting).size() == 1);
}

// Module 7 in standby; a Start that got no answer timed out; then a Stop was sent. Its
// handle: the stop, whose reply the tests play.
static auto stop_after_a_start_timed_out(Bench& b) {
    b.send_as_pcs(7, pf::state_fault, {13, 0});
    b.run(10ms);
    auto start = b.launch([&](Done d) { b.ops->start(b.module(7), d); });
    REQUIRE(b.loop.run_until([&] { return start->has_value(); }, 5s));  // no answer: timeout
    REQUIRE_FALSE((*start)->ok());
    auto stop = b.launch([&](Done d) { b.ops->stop(b.module(7), d); });
    b.run(10ms);
    return stop;
}

TEST_CASE("finding 12: a late reply to a command that timed out does not complete the next one") {
    Bench b({}, false);
    auto stop = stop_after_a_start_timed_out(b);
    REQUIRE(b.frames_to(7, pf::start_stop).size() == 2);
    b.send_as_pcs(7, pf::start_stop_result, {1});  // the start's answer, late
    b.run(10ms);
    CHECK_FALSE(stop->has_value());  // not taken for the stop's
    b.send_as_pcs(7, pf::start_stop_result, {1});  // the stop's own
    b.send_as_pcs(7, pf::state_fault, {5, 0});
    REQUIRE(b.loop.run_until([&] { return stop->has_value(); }, 5s));
    CHECK((*stop)->ok());
    CHECK(b.module(7).counters().commands.late_replies == 1);
}

TEST_CASE("finding 12: only a decodable frame makes a module appear") {
    Bench b({}, false);
    CanFrame junk = encode(pf::dc_output, 9, std::vector<double>{400, 0, 0, 20}).value();
    junk.dlc = 4;
    b.probe_node->send(junk);
    b.run(10ms);
    CHECK(b.rack->find("sim", 9) == nullptr);
    CHECK(b.rack->interface_counters(*b.engine_node).not_pcs >= 1);
    b.send_as_pcs(9, pf::dc_output, {400, 0, 0, 20});
    b.run(10ms);
    CHECK(b.rack->find("sim", 9) != nullptr);
}

TEST_CASE("finding 12: Start is refused while the running state is unknown") {
    Bench b({}, false);
    b.send_as_pcs(7, pf::dc_output, {400, 0, 0, 20});  // data, but no state yet
    b.run(10ms);
    const auto r = b.wait_void([&](Done d) { b.ops->start(b.module(7), d); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::interlock);
    CHECK(b.frames_to(7, pf::start_stop).empty());
}

TEST_CASE("finding 12: a Start during the self-check after power-on waits for the module to be ready") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    b.pcs(1).power_cycle(b.loop.now());
    b.run(10ms);
    REQUIRE(b.module(1).running_state() == running_state::self_check);
    const std::size_t from = b.mark();
    const auto r = b.wait_void([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    const auto starts = b.frames_to(1, pf::start_stop, from);
    REQUIRE(starts.size() == 1);
    CHECK(b.running(1));
}

TEST_CASE("finding 12: when the late reply was lost, the next command's only reply is not swallowed") {
    Bench b({}, false);
    auto stop = stop_after_a_start_timed_out(b);
    b.send_as_pcs(7, pf::start_stop_result, {1});  // the stop's, the start's being lost
    b.send_as_pcs(7, pf::state_fault, {5, 0});
    const auto t0 = b.loop.now();
    REQUIRE(b.loop.run_until([&] { return stop->has_value(); }, 5s));
    REQUIRE_MESSAGE((*stop)->ok(), (*stop)->error().message);
    CHECK(b.loop.now() - t0 <= 200ms);  // the short window, not the reply timeout
    CHECK(b.module(7).counters().commands.late_replies == 0);
    // Nothing owed is left behind: the next 0x0F gets its own answer at once.
    auto clear = b.launch([&](Done d) { b.ops->clear_faults(b.module(7), d); });
    b.run(10ms);
    b.send_as_pcs(7, pf::start_stop_result, {1});
    REQUIRE(b.loop.run_until([&] { return clear->has_value(); }, 5s));
    CHECK((*clear)->ok());
}

TEST_CASE("finding 6: other users' reads lock out neither root's reads nor an operator's start") {
    Bench b({1});
    b.run(2s);
    b.set_cc(1, -20);
    std::vector<std::shared_ptr<std::optional<Result<ProtectionLimits>>>> reads;
    for (int i = 0; i < 400; ++i)  // many connections, each a new caller with its own burst
        reads.push_back(b.launch<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) {
            b.ops->read_protection(b.module(1), Caller{":1." + std::to_string(100 + i)}, d);
        }));
    // The shared budget of unprivileged callers is spent and their reads queue is full ...
    auto theirs = b.launch<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) { b.ops->read_protection(b.module(1), Caller{":1.999"}, d); });
    // ... but root reads, and an operator's start is queued behind no more than 4 reads.
    auto root = b.launch<ProtectionLimits>([&](DoneWith<ProtectionLimits> d) { b.ops->read_protection(b.module(1), Caller{":1.1", true}, d); });
    auto start = b.launch([&](Done d) { b.ops->start(b.module(1), d); });
    REQUIRE(b.loop.run_until([&] { return theirs->has_value() && root->has_value() && start->has_value(); }, 30s));
    REQUIRE_FALSE((*theirs)->ok());
    CHECK((*theirs)->error().kind == ErrorKind::busy);
    CHECK((*root)->ok());
    CHECK((*start)->ok());
    CHECK(b.running(1));
}
