// Transmit classes, tickets and withdrawal as the layers above see them, on a virtual bus
// whose sending endpoint is stalled the way a full kernel queue stalls SocketCAN; and the
// SocketCAN transport where it can run on a host without CAN (no interface: down).
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "runtime/manual_event_loop.h"
#include "transport/socketcan_transport.h"
#include "transport/virtual_bus.h"

using namespace ystpcs;
using namespace std::chrono_literals;
using transport::SendStatus;
using transport::TxClass;
using transport::TxTicket;

namespace {

protocol::CanFrame frame(std::uint32_t id, std::uint8_t first_byte = 0) {
    protocol::CanFrame f;
    f.id = id;
    f.data[0] = first_byte;
    return f;
}

// A controller node `tx` and a listener `rx` on one bus.
struct Bus {
    runtime::ManualEventLoop loop;
    transport::VirtualBus bus{loop, "sim"};
    std::unique_ptr<transport::CanTransport> tx = bus.connect();
    std::unique_ptr<transport::CanTransport> rx = bus.connect();
    std::vector<protocol::CanFrame> heard;  // what rx received
    std::vector<std::uint32_t> sent;        // what tx reported as put on the bus

    Bus() {
        rx->on_frame([this](const transport::ReceivedFrame& f) { heard.push_back(f.frame); });
        tx->on_sent([this](const protocol::CanFrame& f, runtime::WallTime) { sent.push_back(f.id); });
    }
    std::vector<std::uint32_t> heard_ids() const {
        std::vector<std::uint32_t> ids;
        for (const auto& f : heard) ids.push_back(f.id);
        return ids;
    }
    TxTicket send(std::uint32_t id, TxClass c, SendStatus expected = SendStatus::queued) {
        TxTicket t = 12345;
        CHECK(tx->send(frame(id), c, t) == expected);
        return t;
    }
};

}  // namespace

TEST_CASE("virtual bus: without a stall frames go out at once, with ticket 0") {
    Bus b;
    CHECK(b.send(1, TxClass::bulk, SendStatus::sent) == 0);
    CHECK(b.send(2, TxClass::urgent, SendStatus::sent) == 0);
    CHECK(b.bus.tx_waiting(*b.tx) == 0);
    CHECK_FALSE(b.tx->withdraw(0));
    b.loop.run_pending();
    CHECK(b.heard_ids() == std::vector<std::uint32_t>{1, 2});
    CHECK(b.tx->counters().tx_queued == 0);
}

TEST_CASE("virtual bus: a stalled endpoint queues by class; un-stalled, heartbeats go first, bulk last") {
    Bus b;
    b.bus.set_tx_stalled(*b.tx, true);
    std::vector<TxTicket> tickets;
    tickets.push_back(b.send(40, TxClass::bulk));  // queued before the urgent frame, leaves after it
    tickets.push_back(b.send(30, TxClass::normal));
    tickets.push_back(b.send(20, TxClass::urgent));
    tickets.push_back(b.send(10, TxClass::heartbeat));
    tickets.push_back(b.send(21, TxClass::urgent));
    tickets.push_back(b.send(11, TxClass::heartbeat));
    for (std::size_t i = 0; i < tickets.size(); ++i) {
        CHECK(tickets[i] != 0);
        for (std::size_t j = 0; j < i; ++j) CHECK(tickets[i] != tickets[j]);
    }
    CHECK(b.bus.tx_waiting(*b.tx) == 6);
    b.loop.advance(10s);
    CHECK(b.heard.empty());
    CHECK(b.sent.empty());
    CHECK(b.tx->counters().tx_queued == 6);
    CHECK(b.tx->counters().tx_frames == 0);

    b.bus.set_tx_stalled(*b.tx, false);
    CHECK(b.sent == std::vector<std::uint32_t>{10, 11, 20, 21, 30, 40});  // handed over within the call
    CHECK(b.heard.empty());                                             // delivered from the loop
    b.loop.run_pending();
    CHECK(b.heard_ids() == std::vector<std::uint32_t>{10, 11, 20, 21, 30, 40});
    CHECK(b.bus.tx_waiting(*b.tx) == 0);
    CHECK(b.tx->counters().tx_frames == 6);
    // Sent frames have left the queue: their tickets withdraw nothing.
    for (TxTicket t : tickets) CHECK_FALSE(b.tx->withdraw(t));
    CHECK(b.tx->counters().tx_withdrawn == 0);
    CHECK(b.send(50, TxClass::bulk, SendStatus::sent) == 0);
}

TEST_CASE("virtual bus: a withdrawn frame is never delivered, and is counted") {
    Bus b;
    b.bus.set_tx_stalled(*b.tx, true);
    const TxTicket start = b.send(0x0F, TxClass::normal);  // a Start whose command times out
    const TxTicket read = b.send(0x21, TxClass::bulk);
    b.loop.advance(1s);
    CHECK(b.tx->withdraw(start));
    CHECK_FALSE(b.tx->withdraw(start));  // once
    CHECK(b.tx->counters().tx_withdrawn == 1);
    CHECK(b.bus.tx_waiting(*b.tx) == 1);
    b.bus.set_tx_stalled(*b.tx, false);
    b.loop.advance(10s);
    CHECK(b.heard_ids() == std::vector<std::uint32_t>{0x21});
    CHECK(b.tx->counters().tx_frames == 1);
    CHECK_FALSE(b.tx->withdraw(read));  // delivered: too late
    CHECK(b.tx->counters().tx_withdrawn == 1);
}

TEST_CASE("virtual bus: a newer heartbeat to the same id replaces the waiting one") {
    Bus b;
    b.bus.set_tx_stalled(*b.tx, true);
    TxTicket first = 0, second = 0;
    CHECK(b.tx->send(frame(0x1A01, 1), TxClass::heartbeat, first) == SendStatus::queued);
    CHECK(b.tx->send(frame(0x1A01, 2), TxClass::heartbeat, second) == SendStatus::queued);
    CHECK(first != second);
    CHECK(b.bus.tx_waiting(*b.tx) == 1);
    CHECK(b.tx->counters().tx_queued == 1);
    CHECK_FALSE(b.tx->withdraw(first));
    b.bus.set_tx_stalled(*b.tx, false);
    b.loop.run_pending();
    REQUIRE(b.heard.size() == 1);
    CHECK(b.heard[0] == frame(0x1A01, 2));
}

TEST_CASE("virtual bus: frames sent while the queue drains keep the class rules") {
    Bus b;
    b.bus.set_tx_stalled(*b.tx, true);
    b.send(30, TxClass::normal);
    b.send(40, TxClass::bulk);
    // When the normal frame goes out, its sender follows up with a heartbeat (goes at once:
    // no heartbeat waits) and a bulk read (waits behind the bulk frame already queued).
    bool followed_up = false;
    b.tx->on_sent([&](const protocol::CanFrame& f, runtime::WallTime) {
        b.sent.push_back(f.id);
        if (f.id != 30 || followed_up) return;
        followed_up = true;
        TxTicket t = 0;
        CHECK(b.tx->send(frame(10), TxClass::heartbeat, t) == SendStatus::sent);
        CHECK(t == 0);
        CHECK(b.tx->send(frame(41), TxClass::bulk, t) == SendStatus::queued);
        CHECK(t != 0);
    });
    b.bus.set_tx_stalled(*b.tx, false);
    b.loop.run_pending();
    CHECK(b.heard_ids() == std::vector<std::uint32_t>{30, 10, 40, 41});
    CHECK(b.bus.tx_waiting(*b.tx) == 0);
}

TEST_CASE("virtual bus: per-class limits on a stalled endpoint; beyond them frames are dropped") {
    Bus b;
    b.bus.set_tx_queue_limits({.heartbeat = 1, .urgent = 1, .normal = 2, .bulk = 1});
    b.bus.set_tx_stalled(*b.tx, true);
    b.send(40, TxClass::bulk);
    CHECK(b.send(41, TxClass::bulk, SendStatus::dropped) == 0);
    b.send(30, TxClass::normal);
    b.send(31, TxClass::normal);
    b.send(32, TxClass::normal, SendStatus::dropped);
    b.send(20, TxClass::urgent);  // a full bulk or normal queue does not hold back a stop
    b.send(21, TxClass::urgent, SendStatus::dropped);
    b.send(10, TxClass::heartbeat);
    b.send(11, TxClass::heartbeat, SendStatus::dropped);
    CHECK(b.tx->counters().tx_dropped == 4);
    CHECK(b.tx->counters().tx_queued == 5);
    b.bus.set_tx_stalled(*b.tx, false);
    b.loop.run_pending();
    CHECK(b.heard_ids() == std::vector<std::uint32_t>{10, 20, 30, 31, 40});
}

TEST_CASE("virtual bus: the bus going down drops what a stalled endpoint keeps waiting") {
    Bus b;
    b.bus.set_tx_stalled(*b.tx, true);
    const TxTicket t = b.send(30, TxClass::normal);
    b.bus.set_up(false);
    CHECK(b.bus.tx_waiting(*b.tx) == 0);
    CHECK(b.tx->counters().tx_dropped == 1);
    CHECK_FALSE(b.tx->withdraw(t));
    CHECK(b.send(31, TxClass::urgent, SendStatus::down) == 0);
    b.bus.set_up(true);
    b.send(32, TxClass::normal);  // still stalled
    b.bus.set_tx_stalled(*b.tx, false);
    b.loop.run_pending();
    CHECK(b.heard_ids() == std::vector<std::uint32_t>{32});
}

TEST_CASE("virtual bus: stalling is per endpoint, and only for endpoints of that bus") {
    Bus b;
    b.bus.set_tx_stalled(*b.tx, true);
    std::vector<std::uint32_t> heard_by_tx;
    b.tx->on_frame([&](const transport::ReceivedFrame& f) { heard_by_tx.push_back(f.frame.id); });
    CHECK(b.rx->send(frame(7)) == SendStatus::sent);  // the other endpoint is not stalled
    b.loop.run_pending();
    CHECK(heard_by_tx == std::vector<std::uint32_t>{7});  // and a stalled endpoint still receives
    transport::VirtualBus other(b.loop, "other");
    auto stranger = other.connect();
    CHECK_THROWS_AS(b.bus.set_tx_stalled(*stranger, true), std::invalid_argument);
    CHECK_THROWS_AS(static_cast<void>(b.bus.tx_waiting(*stranger)), std::invalid_argument);
    // An endpoint that goes away while frames wait takes them with it.
    b.send(30, TxClass::normal);
    b.tx.reset();
    b.loop.run_pending();
    CHECK(b.heard.empty());
}

TEST_CASE("SocketCAN without its interface: down, nothing queued, nothing to withdraw") {
    runtime::ManualEventLoop loop;
    transport::SocketCanTransport can(loop, "ystpcs-none0");
    CHECK(can.state() == transport::BusState::down);
    TxTicket t = 12345;
    CHECK(can.send(frame(1), TxClass::urgent, t) == SendStatus::down);
    CHECK(t == 0);
    CHECK(can.send(frame(2)) == SendStatus::down);
    CHECK_FALSE(can.withdraw(1));
    CHECK(can.queued() == 0);
    CHECK(can.counters().tx_dropped == 2);
    CHECK(can.receive_buffer_bytes() == 0);
    loop.advance(3s);  // reopen attempts with backoff; still down
    CHECK(can.state() == transport::BusState::down);
}
