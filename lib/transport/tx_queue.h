// The user-space transmit queue both transports share: frames that could not be handed over
// at once (a full kernel queue, a stalled virtual endpoint) wait here, one FIFO per TxClass,
// and leave strictly in class order. Each waiting frame has a ticket, so that its sender can
// withdraw it while it still waits (a command that timed out must not go out afterwards).
#pragma once

#include <array>
#include <cstddef>
#include <deque>

#include "protocol/can_frame.h"
#include "transport/can_transport.h"

namespace ystpcs::transport {

// How many frames of each class may wait; one more is dropped (and counted by the transport).
struct TxQueueLimits {
    std::size_t heartbeat = 64;  // one per module: more than a rack ever has
    std::size_t urgent = 64;
    std::size_t normal = 256;
    std::size_t bulk = 64;       // reads can be asked again; they must not crowd out commands
};

class TxQueue {
public:
    struct Entry {
        TxTicket ticket = 0;
        TxClass tx_class = TxClass::normal;
        protocol::CanFrame frame;
    };
    struct Pushed {
        TxTicket ticket = 0;    // 0: the class's queue is full, the frame was not queued
        bool replaced = false;  // a waiting heartbeat to the same id was replaced in place
    };

    explicit TxQueue(TxQueueLimits limits = {}) : limits_(limits) {}
    void set_limits(const TxQueueLimits& limits) { limits_ = limits; }

    // A frame of `tx_class` may be handed over at once only when no frame of the same or a
    // higher class waits: it must not overtake its own class, nor anything more important.
    bool may_send_now(TxClass tx_class) const;

    // Queues a frame at the end of its class. A heartbeat to an id whose heartbeat still
    // waits replaces that one in place (it is newer; the module needs one, not two); the new
    // frame gets a new ticket and the replaced frame's ticket is forgotten.
    Pushed push(const protocol::CanFrame& frame, TxClass tx_class);

    // The next frame to go out: the oldest of the highest class waiting; null when empty.
    const Entry* next() const;
    // Removes next() and returns it, for the caller to hand over. While it is being handed
    // over it is no longer waiting: withdrawing it then fails, as it should.
    Entry take();
    // Puts back a frame take() returned that could not be handed over after all, at the head
    // of its class, so that it keeps its place.
    void put_back(Entry entry);

    // Removes the waiting frame with this ticket; false when none waits (sent, dropped,
    // replaced, or never queued).
    bool withdraw(TxTicket ticket);
    // Discards every waiting frame; returns how many there were.
    std::size_t clear();

    bool empty() const { return size() == 0; }
    std::size_t size() const;
    std::size_t size(TxClass tx_class) const { return queue(tx_class).size(); }

private:
    static constexpr std::size_t kClasses = 4;
    static std::size_t index(TxClass c) { return static_cast<std::size_t>(c); }
    std::deque<Entry>& queue(TxClass c) { return queues_[index(c)]; }
    const std::deque<Entry>& queue(TxClass c) const { return queues_[index(c)]; }
    std::size_t limit(TxClass c) const;

    TxQueueLimits limits_;
    std::array<std::deque<Entry>, kClasses> queues_;  // indexed by TxClass, highest first
    TxTicket next_ticket_ = 1;
};

}  // namespace ystpcs::transport
