// A CAN interface as the engine and the simulator see it: non-blocking send with per-class
// user-space queues (heartbeats first) and withdrawal of frames still waiting, received
// frames with timestamps, and the bus state.
// Implementations: SocketCanTransport (real interfaces) and VirtualBus endpoints
// (in-process, for --simulate and for tests).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/can_frame.h"
#include "runtime/event_loop.h"

namespace ystpcs::transport {

// The bus as the controller experiences it (error frames and interface state).
enum class BusState { up, error_passive, bus_off, down };
std::string_view to_string(BusState state);  // "up", "error-passive", "bus-off", "down"

// What a frame is for, which decides who goes first when frames have to wait (a full kernel
// queue): waiting frames leave strictly in this order, FIFO within a class, and a new frame
// is handed over at once only when nothing of its own or a higher class waits.
enum class TxClass {
    heartbeat,  // the 200 ms heartbeat: a PCS faults after 5 s without one
    urgent,     // stop, emergency stop
    normal,     // control commands
    bulk,       // reads
};

// Identifies a frame waiting in a transport's user-space queue; 0 = none. Unique per
// transport for its lifetime.
using TxTicket = std::uint64_t;

enum class SendStatus {
    sent,        // handed to the kernel / the virtual bus
    queued,      // it waits in the user-space queue (the kernel's was full, or frames of its
                 // class or a higher one wait); it goes out as soon as there is room
    dropped,     // its class's queue is full too; the frame is lost (counted)
    down,        // the interface is down; nothing was sent
};

struct ReceivedFrame {
    protocol::CanFrame frame;
    runtime::WallTime timestamp;   // kernel RX timestamp where available
    runtime::Instant received;     // monotonic time of reception
};

struct TransportCounters {
    std::uint64_t rx_frames = 0;
    std::uint64_t tx_frames = 0;
    std::uint64_t tx_queued = 0;        // frames that had to wait in the user-space queue
    std::uint64_t tx_dropped = 0;       // lost: queue full, interface down, or write failed
    std::uint64_t tx_withdrawn = 0;     // removed from the queue by withdraw(); never sent
    std::uint64_t rx_overflow = 0;      // dropped by the kernel before we read them (SO_RXQ_OVFL),
                                        // summed over every socket the transport opened
    std::uint64_t error_frames = 0;
    std::uint64_t bus_off = 0;
    std::uint64_t reopened = 0;         // successful (re)opens after the interface was down/missing
};

class CanTransport {
public:
    using FrameHandler = std::function<void(const ReceivedFrame&)>;
    using SentHandler = std::function<void(const protocol::CanFrame&, runtime::WallTime)>;
    using StateHandler = std::function<void(BusState)>;

    virtual ~CanTransport() = default;
    virtual const std::string& name() const = 0;
    // Like send(); when the frame had to wait in the user-space queue (SendStatus::queued),
    // `ticket` identifies it (else 0).
    virtual SendStatus send(const protocol::CanFrame& frame, TxClass tx_class, TxTicket& ticket) = 0;
    // For frames whose sender will never withdraw them (heartbeats, fire-and-forget).
    SendStatus send(const protocol::CanFrame& frame, TxClass tx_class = TxClass::normal) {
        TxTicket discarded = 0;
        return send(frame, tx_class, discarded);
    }
    // Removes a frame still waiting in the user-space queue: true when it was withdrawn (it
    // will never be sent; counted in tx_withdrawn), false when it was already handed to the
    // kernel (or unknown: never queued, replaced by a newer heartbeat, dropped when the
    // interface went down). Either way the transport will not send it after this call.
    // Why: a command that timed out while its frame waited must not reach the module later
    // (a Start reported as failed must not start the module afterwards).
    virtual bool withdraw(TxTicket ticket) = 0;
    // Several frames handed over together (every module's heartbeat of one round): where the
    // transport can, in one system call, so that no other process runs between them. No
    // tickets: frames that have to wait cannot be withdrawn.
    virtual void send_batch(std::span<const protocol::CanFrame> frames, TxClass tx_class) {
        for (const auto& f : frames) send(f, tx_class);
    }
    virtual BusState state() const = 0;
    virtual TransportCounters counters() const = 0;

    // Frames from the bus (not our own). Error frames are delivered too, flagged `error`.
    void on_frame(FrameHandler handler) { frame_handler_ = std::move(handler); }
    // Frames we put on the bus, when they were handed over (recording, diagnostics).
    void on_sent(SentHandler handler) { sent_handler_ = std::move(handler); }
    void on_state(StateHandler handler) { state_handler_ = std::move(handler); }
    // The loop's next quiet point: the instant it must be free for (the next heartbeat
    // round), or nullopt. A transport that defers its reads does not start a batch just
    // before it (read_pacing.h).
    using QuietPoint = std::function<std::optional<runtime::Instant>()>;
    void keep_quiet_before(QuietPoint next) { quiet_point_ = std::move(next); }
    std::optional<runtime::Instant> next_quiet_point() const {
        return quiet_point_ ? quiet_point_() : std::nullopt;
    }

protected:
    void deliver(const ReceivedFrame& f) const {
        if (frame_handler_) frame_handler_(f);
    }
    void report_sent(const protocol::CanFrame& f, runtime::WallTime t) const {
        if (sent_handler_) sent_handler_(f, t);
    }
    void report_state(BusState s) const {
        if (state_handler_) state_handler_(s);
    }

private:
    FrameHandler frame_handler_;
    SentHandler sent_handler_;
    StateHandler state_handler_;
    QuietPoint quiet_point_;
};

}  // namespace ystpcs::transport
