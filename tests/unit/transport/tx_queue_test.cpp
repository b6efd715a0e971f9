// The per-class transmit queue both transports share, and the arithmetic of what SocketCAN
// reports back (drop counts, the receive buffer): the parts of SocketCanTransport that can
// run on a host without CAN.
#include <doctest/doctest.h>

#include <vector>

#include "transport/socket_accounting.h"
#include "transport/tx_queue.h"

using namespace ystpcs;
using transport::TxClass;
using transport::TxQueue;

namespace {

protocol::CanFrame frame(std::uint32_t id, std::uint8_t first_byte = 0) {
    protocol::CanFrame f;
    f.id = id;
    f.data[0] = first_byte;
    return f;
}

std::vector<std::uint32_t> drain(TxQueue& q) {
    std::vector<std::uint32_t> ids;
    while (!q.empty()) ids.push_back(q.take().frame.id);
    return ids;
}

}  // namespace

TEST_CASE("tx queue: frames leave by class (heartbeat, urgent, normal, bulk), FIFO within one") {
    TxQueue q;
    CHECK(q.next() == nullptr);
    q.push(frame(40), TxClass::bulk);
    q.push(frame(30), TxClass::normal);
    q.push(frame(41), TxClass::bulk);
    q.push(frame(20), TxClass::urgent);
    q.push(frame(31), TxClass::normal);
    q.push(frame(10), TxClass::heartbeat);
    q.push(frame(21), TxClass::urgent);
    CHECK(q.size() == 7);
    CHECK(q.size(TxClass::bulk) == 2);
    REQUIRE(q.next() != nullptr);
    CHECK(q.next()->frame.id == 10);
    CHECK(drain(q) == std::vector<std::uint32_t>{10, 20, 21, 30, 31, 40, 41});
}

TEST_CASE("tx queue: a frame goes at once only when nothing of its class or a higher one waits") {
    TxQueue q;
    for (auto c : {TxClass::heartbeat, TxClass::urgent, TxClass::normal, TxClass::bulk}) CHECK(q.may_send_now(c));
    q.push(frame(40), TxClass::bulk);
    CHECK(q.may_send_now(TxClass::heartbeat));
    CHECK(q.may_send_now(TxClass::urgent));
    CHECK(q.may_send_now(TxClass::normal));
    CHECK_FALSE(q.may_send_now(TxClass::bulk));
    q.push(frame(20), TxClass::urgent);
    CHECK(q.may_send_now(TxClass::heartbeat));  // a heartbeat waits only behind heartbeats
    CHECK_FALSE(q.may_send_now(TxClass::urgent));
    CHECK_FALSE(q.may_send_now(TxClass::normal));
    q.push(frame(10), TxClass::heartbeat);
    CHECK_FALSE(q.may_send_now(TxClass::heartbeat));
}

TEST_CASE("tx queue: tickets, withdrawal, and a frame taken for writing put back in its place") {
    TxQueue q;
    const auto a = q.push(frame(30), TxClass::normal);
    const auto b = q.push(frame(31), TxClass::normal);
    const auto c = q.push(frame(32), TxClass::normal);
    CHECK(a.ticket != 0);
    CHECK(b.ticket != a.ticket);
    CHECK(c.ticket != b.ticket);
    CHECK(q.withdraw(b.ticket));
    CHECK_FALSE(q.withdraw(b.ticket));  // already gone
    CHECK_FALSE(q.withdraw(0));
    CHECK_FALSE(q.withdraw(9999));
    // While a frame is being written it no longer waits: it cannot be withdrawn.
    TxQueue::Entry writing = q.take();
    CHECK(writing.frame.id == 30);
    CHECK_FALSE(q.withdraw(a.ticket));
    // No room after all: it goes back to the head of its class, ahead of later frames.
    q.push(frame(33), TxClass::normal);
    q.put_back(std::move(writing));
    CHECK(q.withdraw(c.ticket));
    CHECK(drain(q) == std::vector<std::uint32_t>{30, 33});
    q.push(frame(1), TxClass::bulk);
    q.push(frame(2), TxClass::heartbeat);
    CHECK(q.clear() == 2);
    CHECK(q.empty());
}

TEST_CASE("tx queue: a newer heartbeat to the same module replaces the waiting one in place") {
    TxQueue q;
    const auto first = q.push(frame(0x1A01, 1), TxClass::heartbeat);
    q.push(frame(0x1A02, 1), TxClass::heartbeat);
    const auto newer = q.push(frame(0x1A01, 2), TxClass::heartbeat);
    CHECK(newer.replaced);
    CHECK(newer.ticket != first.ticket);
    CHECK_FALSE(q.withdraw(first.ticket));  // the replaced frame is gone
    REQUIRE(q.size() == 2);
    CHECK(q.next()->frame == frame(0x1A01, 2));  // kept its place at the head
    // Only heartbeats replace: two commands to the same id are two commands.
    q.push(frame(0x0F01, 1), TxClass::normal);
    CHECK_FALSE(q.push(frame(0x0F01, 0), TxClass::normal).replaced);
    CHECK(q.size(TxClass::normal) == 2);
}

TEST_CASE("tx queue: each class has its own limit") {
    TxQueue q({.heartbeat = 2, .urgent = 1, .normal = 3, .bulk = 1});
    auto fill = [&](TxClass c, std::uint32_t base, int n) {
        int queued = 0;
        for (int i = 0; i < n; ++i) queued += q.push(frame(base + static_cast<std::uint32_t>(i)), c).ticket != 0;
        return queued;
    };
    CHECK(fill(TxClass::bulk, 40, 3) == 1);
    CHECK(fill(TxClass::normal, 30, 5) == 3);  // a full bulk queue does not hold back commands
    CHECK(fill(TxClass::urgent, 20, 2) == 1);
    CHECK(fill(TxClass::heartbeat, 10, 3) == 2);
    // Replacing a waiting heartbeat needs no room.
    CHECK(q.push(frame(10, 7), TxClass::heartbeat).replaced);
    CHECK(q.size() == 7);
    CHECK(transport::TxQueueLimits{}.heartbeat == 64);
    CHECK(transport::TxQueueLimits{}.normal == 256);
}

TEST_CASE("SO_RXQ_OVFL: drops are counted as deltas of each socket's own total") {
    std::uint64_t transport_total = 0;
    std::uint32_t last = 0;  // reset at every open
    transport_total += transport::overflow_delta(5, last);
    CHECK(transport_total == 5);
    CHECK(last == 5);
    transport_total += transport::overflow_delta(5, last);  // a later frame, no new drops
    transport_total += transport::overflow_delta(8, last);
    CHECK(transport_total == 8);
    // The interface went away and the socket was reopened: the new socket counts from 0, and
    // its 2 drops count although 2 < 8, the total kept across reopens.
    last = 0;
    CHECK(transport::overflow_delta(2, last) == 2);
    // The kernel's counter is 32 bits and wraps.
    last = 0xFFFFFFFEU;
    CHECK(transport::overflow_delta(1, last) == 3);
    CHECK(last == 1);
}

TEST_CASE("SO_RCVBUF: the size read back is twice what was granted; less than asked is clamped") {
    // net.core.rmem_max = 212992 (the usual default) and 1 MiB asked: 425984 read back.
    const auto capped = transport::receive_buffer_from_readback(1 << 20, 425984);
    CHECK(capped.effective == 212992);
    CHECK(capped.asked == 1 << 20);
    CHECK(capped.clamped());
    const auto granted = transport::receive_buffer_from_readback(1 << 20, 2 << 20);
    CHECK(granted.effective == 1 << 20);
    CHECK_FALSE(granted.clamped());
    // Tiny requests are raised to the kernel's minimum: more than asked is not a problem.
    CHECK_FALSE(transport::receive_buffer_from_readback(100, 4608).clamped());
}
