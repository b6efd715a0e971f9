// A real CAN interface through SocketCAN (CAN_RAW): non-blocking, kernel filters, error
// frames, kernel RX timestamps, SO_RXQ_OVFL drop counting (per socket, as deltas), a checked
// receive buffer size, per-class user-space TX queues for ENOBUFS (TxQueue: heartbeats first,
// withdrawable by ticket), and reopening with backoff while the interface is missing or down
// (never exits).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/event_loop.h"
#include "transport/can_transport.h"
#include "transport/tx_queue.h"

namespace ystpcs::transport {

// One CAN_RAW filter: a received id matches when (id & mask) == (filter_id & mask); both
// include SocketCAN's flag bits (CAN_EFF_FLAG, CAN_RTR_FLAG).
struct CanFilter {
    std::uint32_t id;
    std::uint32_t mask;
};

// Extended frames addressed to the controller (PS = 0xB4) and broadcasts (PS = 0): what a
// controller needs. Remote frames pass too, so that they are counted as malformed.
std::vector<CanFilter> controller_filters();
// Extended frames sent by the controller (SA = 0xB4): what a simulated PCS needs.
std::vector<CanFilter> pcs_filters();

struct SocketCanOptions {
    std::vector<CanFilter> filters;          // empty: receive everything
    bool error_frames = true;                // subscribe to bus-off / controller / restart errors
    runtime::Duration min_backoff = std::chrono::milliseconds(100);
    runtime::Duration max_backoff = std::chrono::seconds(1);   // well inside the PCS's 5 s
    runtime::Duration tx_retry = std::chrono::milliseconds(2); // ENOBUFS does not signal POLLOUT reliably
    TxQueueLimits max_queued;                // per class, while the kernel queue is full
    // Asked for with SO_RCVBUF; the kernel caps it at net.core.rmem_max (a warning says so).
    int receive_buffer_bytes = 1 << 20;
    // Frames per recvmmsg, and so per dispatch: a due heartbeat waits at most for this many
    // frames' handling (with 32, up to ~1 ms in user-mode Linux under load, read coalescing
    // having made full batches common); then the loop goes round and reads on.
    std::size_t max_reads_per_wakeup = 8;
    // After a read that emptied the socket, the socket is left unwatched this long, so that
    // the rest of a burst is read in one wakeup: a PCS sends ~13 frames per 200 ms, which
    // reach us one by one (~0.5 ms apart on a 250 kbit/s bus), and waking for each costs far
    // more than reading it (docs/performance.md). Frames keep their kernel receive time; the
    // heartbeat is a timer and is not delayed; a reply waits at most this long. 0: read each
    // frame as it comes.
    runtime::Duration rx_coalesce = std::chrono::milliseconds(4);
    // No read starts this close before the loop's next quiet point (the heartbeat round): a
    // batch of max_reads_per_wakeup frames takes ~0.4 ms to handle on an emulated CPU, and
    // a round falling due meanwhile waits for it. The read starts at the quiet point instead,
    // after the round. 0: read regardless.
    runtime::Duration rx_quiet_guard = std::chrono::milliseconds(1);
};

class SocketCanTransport final : public CanTransport {
public:
    SocketCanTransport(runtime::EventLoop& loop, std::string interface, SocketCanOptions options = {});
    ~SocketCanTransport() override;

    const std::string& name() const override { return interface_; }
    using CanTransport::send;
    SendStatus send(const protocol::CanFrame& frame, TxClass tx_class, TxTicket& ticket) override;
    bool withdraw(TxTicket ticket) override;
    void send_batch(std::span<const protocol::CanFrame> frames, TxClass tx_class) override;
    BusState state() const override { return state_; }
    TransportCounters counters() const override { return counters_; }
    std::size_t queued() const { return tx_queue_.size(); }
    // The receive buffer the kernel granted the socket last opened, in the units of
    // SocketCanOptions::receive_buffer_bytes (getsockopt's value halved); 0 before the first
    // open, or when it could not be read back.
    int receive_buffer_bytes() const { return receive_buffer_bytes_; }

private:
    enum class WriteResult { written, no_room, failed };
    bool open_socket();
    void set_reporting_options(int fd);
    void set_receive_buffer(int fd);
    void close_socket();
    void fail(int error, const char* during);
    void schedule_reopen();
    void on_readable(std::uint32_t events);
    bool read_frames();  // true: the socket is empty (fewer frames than a batch came)
    runtime::Instant read_start_at(runtime::Instant wanted) const;  // read_pacing.h, with our guard
    void pause_reading_until(runtime::Instant resume);
    void resume_reading();
    WriteResult write_frame(const protocol::CanFrame& frame);
    void flush_queues();
    void set_state(BusState state);

    runtime::EventLoop& loop_;
    std::string interface_;
    SocketCanOptions options_;
    int fd_ = -1;
    BusState state_ = BusState::down;
    bool ever_opened_ = false;
    std::string last_failure_;
    runtime::Duration backoff_;
    std::unique_ptr<runtime::FdWatch> watch_;
    std::unique_ptr<runtime::Timer> reopen_timer_;
    std::unique_ptr<runtime::Timer> tx_retry_timer_;
    std::unique_ptr<runtime::Timer> rx_resume_timer_;  // ends a pause in reading (rx_coalesce, rx_quiet_guard)
    TxQueue tx_queue_;
    TransportCounters counters_;
    std::uint32_t socket_drops_ = 0;      // SO_RXQ_OVFL's last value on the current socket
    int receive_buffer_bytes_ = 0;
    bool warned_no_drop_count_ = false;   // SO_RXQ_OVFL refused: said once, not per reopen
    bool warned_no_timestamps_ = false;   // SO_TIMESTAMPNS refused: likewise
};

}  // namespace ystpcs::transport
