// The fake-time event loop, the in-process virtual bus and the reading of SocketCAN error
// frames. (The SocketCAN transport itself is exercised on vcan in user-mode Linux.)
#include <doctest/doctest.h>

#include <linux/can/error.h>

#include <vector>

#include "runtime/manual_event_loop.h"
#include "transport/error_frames.h"
#include "transport/virtual_bus.h"

using namespace ystpcs;
using namespace std::chrono_literals;

TEST_CASE("fake-time timers fire at their deadlines, in order, FIFO among equals") {
    runtime::ManualEventLoop loop;
    std::vector<std::string> fired;
    const auto t0 = loop.now();
    auto a = loop.create_timer([&] { fired.push_back("a@" + std::to_string((loop.now() - t0) / 1ms)); });
    auto b = loop.create_timer([&] { fired.push_back("b@" + std::to_string((loop.now() - t0) / 1ms)); });
    auto c = loop.create_timer([&] { fired.push_back("c@" + std::to_string((loop.now() - t0) / 1ms)); });
    a->arm(t0 + 300ms);
    b->arm(t0 + 100ms);
    c->arm(t0 + 300ms);
    loop.post([&] { fired.push_back("posted"); });
    loop.advance(250ms);
    CHECK(fired == std::vector<std::string>{"posted", "b@100"});
    CHECK(loop.now() == t0 + 250ms);
    c->disarm();
    loop.advance(1s);
    CHECK(fired == std::vector<std::string>{"posted", "b@100", "a@300"});
    // A periodic timer re-armed on absolute deadlines does not drift.
    int ticks = 0;
    runtime::Instant next = loop.now();
    std::unique_ptr<runtime::Timer> p;
    p = loop.create_timer([&] {
        ++ticks;
        next += 200ms;
        p->arm(next);
    });
    p->arm(next);
    loop.advance(10s);
    CHECK(ticks == 51);
}

TEST_CASE("virtual bus: every other endpoint receives, the sender does not, order kept") {
    runtime::ManualEventLoop loop;
    transport::VirtualBus bus(loop, "sim");
    auto a = bus.connect();
    auto b = bus.connect();
    auto c = bus.connect();
    std::vector<std::uint32_t> got_a, got_b, got_c;
    a->on_frame([&](const transport::ReceivedFrame& f) { got_a.push_back(f.frame.id); });
    b->on_frame([&](const transport::ReceivedFrame& f) { got_b.push_back(f.frame.id); });
    c->on_frame([&](const transport::ReceivedFrame& f) { got_c.push_back(f.frame.id); });
    protocol::CanFrame f;
    for (std::uint32_t id : {1u, 2u, 3u}) {
        f.id = id;
        CHECK(a->send(f) == transport::SendStatus::sent);
    }
    f.id = 9;
    b->send(f);
    CHECK(got_b.empty());  // nothing is delivered from within send()
    loop.run_pending();
    CHECK(got_a == std::vector<std::uint32_t>{9});
    CHECK(got_b == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(got_c == std::vector<std::uint32_t>{1, 2, 3, 9});
    CHECK(a->counters().tx_frames == 3);
    CHECK(c->counters().rx_frames == 4);
    CHECK(bus.frames_carried() == 4);
    CHECK(a->name() == "sim");
}

TEST_CASE("virtual bus: delay, loss, and the bus going down") {
    runtime::ManualEventLoop loop;
    transport::VirtualBus bus(loop, "sim", {5ms, 0.0, 1});
    auto a = bus.connect();
    auto b = bus.connect();
    std::vector<runtime::Instant> at;
    b->on_frame([&](const transport::ReceivedFrame&) { at.push_back(loop.now()); });
    const auto t0 = loop.now();
    a->send(protocol::CanFrame{});
    loop.advance(4ms);
    CHECK(at.empty());
    loop.advance(1ms);
    REQUIRE(at.size() == 1);
    CHECK(at[0] == t0 + 5ms);

    bus.set_options({0ms, 0.3, 42});
    at.clear();
    for (int i = 0; i < 1000; ++i) a->send(protocol::CanFrame{});
    loop.run_pending();
    CHECK(at.size() > 600);
    CHECK(at.size() < 800);

    std::vector<transport::BusState> states;
    b->on_state([&](transport::BusState s) { states.push_back(s); });
    bus.set_up(false);
    CHECK(a->state() == transport::BusState::down);
    CHECK(a->send(protocol::CanFrame{}) == transport::SendStatus::down);
    bus.set_up(true);
    CHECK(states == std::vector<transport::BusState>{transport::BusState::down, transport::BusState::up});
    CHECK(transport::to_string(transport::BusState::error_passive) == "error-passive");
}

TEST_CASE("error frames give the bus state") {
    protocol::CanFrame f;
    f.error = true;
    f.id = CAN_ERR_BUSOFF;
    CHECK(transport::interpret_error_frame(f).state == transport::BusState::bus_off);
    f.id = CAN_ERR_CRTL;
    f.data[1] = CAN_ERR_CRTL_TX_PASSIVE;
    CHECK(transport::interpret_error_frame(f).state == transport::BusState::error_passive);
    f.data[1] = CAN_ERR_CRTL_RX_WARNING;
    const auto warning = transport::interpret_error_frame(f);
    CHECK_FALSE(warning.state.has_value());
    CHECK(warning.description == "error warning");
    f.id = CAN_ERR_RESTARTED;
    CHECK(transport::interpret_error_frame(f).state == transport::BusState::up);
    f.id = CAN_ERR_RESTARTED | CAN_ERR_BUSOFF;
    CHECK(transport::interpret_error_frame(f).state == transport::BusState::bus_off);
    f.id = CAN_ERR_ACK;
    CHECK(transport::interpret_error_frame(f).description.find("no acknowledgement") != std::string::npos);
}
