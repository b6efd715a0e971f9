#include "transport/socketcan_transport.h"

#include <cerrno>
#include <algorithm>
#include <array>
#include <cstring>

#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "protocol/can_id.h"
#include "transport/error_frames.h"
#include "transport/read_pacing.h"
#include "transport/socket_accounting.h"

namespace ystpcs::transport {

std::vector<CanFilter> controller_filters() {
    constexpr std::uint32_t ps_mask = 0xFF00U | CAN_EFF_FLAG;
    return {
        {(static_cast<std::uint32_t>(protocol::kControllerAddress) << 8) | CAN_EFF_FLAG, ps_mask},
        {(static_cast<std::uint32_t>(protocol::kBroadcastAddress) << 8) | CAN_EFF_FLAG, ps_mask},
    };
}

std::vector<CanFilter> pcs_filters() {
    return {{protocol::kControllerAddress | CAN_EFF_FLAG, 0xFFU | CAN_EFF_FLAG}};
}

namespace {

can_frame to_kernel(const protocol::CanFrame& f) {
    can_frame k{};
    k.can_id = f.extended ? ((f.id & CAN_EFF_MASK) | CAN_EFF_FLAG) : (f.id & CAN_SFF_MASK);
    if (f.remote) k.can_id |= CAN_RTR_FLAG;
    k.len = f.dlc > CAN_MAX_DLEN ? CAN_MAX_DLEN : f.dlc;
    std::memcpy(k.data, f.data.data(), CAN_MAX_DLEN);
    return k;
}

protocol::CanFrame from_kernel(const can_frame& k) {
    protocol::CanFrame f;
    f.error = (k.can_id & CAN_ERR_FLAG) != 0;
    f.extended = (k.can_id & CAN_EFF_FLAG) != 0;
    f.remote = (k.can_id & CAN_RTR_FLAG) != 0;
    f.id = f.error ? (k.can_id & CAN_ERR_MASK) : f.extended ? (k.can_id & CAN_EFF_MASK) : (k.can_id & CAN_SFF_MASK);
    f.dlc = k.len;
    std::memcpy(f.data.data(), k.data, CAN_MAX_DLEN);
    return f;
}

bool is_link_error(int e) { return e == ENETDOWN || e == ENODEV || e == ENXIO || e == ENETUNREACH; }

}  // namespace

SocketCanTransport::SocketCanTransport(runtime::EventLoop& loop, std::string interface, SocketCanOptions options)
    : loop_(loop),
      interface_(std::move(interface)),
      options_(std::move(options)),
      backoff_(options_.min_backoff),
      tx_queue_(options_.max_queued) {
    reopen_timer_ = loop_.create_timer([this] {
        if (!open_socket()) schedule_reopen();
    });
    tx_retry_timer_ = loop_.create_timer([this] { flush_queues(); }, runtime::Priority::high);
    rx_resume_timer_ = loop_.create_timer([this] { resume_reading(); });
    if (!open_socket()) schedule_reopen();
}

SocketCanTransport::~SocketCanTransport() { close_socket(); }

bool SocketCanTransport::open_socket() {
    const int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
    auto give_up = [&](const std::string& why) {
        if (fd >= 0) ::close(fd);
        if (why != last_failure_) spdlog::warn("{}: cannot open: {}; retrying", interface_, why);
        last_failure_ = why;
        return false;
    };
    if (fd < 0) return give_up(std::string("socket(PF_CAN): ") + std::strerror(errno));
    ifreq ifr{};
    if (interface_.size() >= IFNAMSIZ) return give_up("interface name too long");
    std::strncpy(ifr.ifr_name, interface_.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return give_up(std::string("no such interface (") + std::strerror(errno) + ")");
    const int ifindex = ifr.ifr_ifindex;
    if (::ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return give_up(std::string("SIOCGIFFLAGS: ") + std::strerror(errno));
    if (!(ifr.ifr_flags & IFF_UP)) return give_up("interface is down");

    std::vector<can_filter> filters;
    for (const auto& f : options_.filters) filters.push_back(can_filter{f.id, f.mask});
    if (!filters.empty() && ::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, filters.data(),
                                         static_cast<socklen_t>(filters.size() * sizeof(can_filter))) < 0)
        return give_up(std::string("CAN_RAW_FILTER: ") + std::strerror(errno));
    const can_err_mask_t err_mask =
        options_.error_frames ? (CAN_ERR_TX_TIMEOUT | CAN_ERR_CRTL | CAN_ERR_BUSOFF | CAN_ERR_RESTARTED | CAN_ERR_ACK |
                                 CAN_ERR_TRX | CAN_ERR_PROT | CAN_ERR_BUSERROR)
                              : 0;
    if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &err_mask, sizeof err_mask) < 0)
        return give_up(std::string("CAN_RAW_ERR_FILTER: ") + std::strerror(errno));
    set_reporting_options(fd);
    set_receive_buffer(fd);

    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return give_up(std::string("bind: ") + std::strerror(errno));

    fd_ = fd;
    socket_drops_ = 0;  // SO_RXQ_OVFL counts per socket: the new one starts from 0
    watch_ = loop_.watch_fd(fd_, runtime::io_in, [this](std::uint32_t ev) { on_readable(ev); });
    if (ever_opened_) ++counters_.reopened;
    spdlog::info("{}: {}", interface_, ever_opened_ ? "reopened" : "opened");
    ever_opened_ = true;
    last_failure_.clear();
    backoff_ = options_.min_backoff;
    set_state(BusState::up);
    flush_queues();
    return true;
}

// Without these the transport still works, with less to say: no drop counts, and the time a
// frame was read instead of the kernel's RX timestamp. Said once, not at every reopen.
void SocketCanTransport::set_reporting_options(int fd) {
    const int one = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) < 0 && !warned_no_drop_count_) {
        spdlog::warn("{}: SO_RXQ_OVFL: {}; frames the kernel drops before we read them will not be counted",
                     interface_, std::strerror(errno));
        warned_no_drop_count_ = true;
    }
    if (::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0 && !warned_no_timestamps_) {
        spdlog::warn("{}: SO_TIMESTAMPNS: {}; received frames are stamped when read, not by the kernel",
                     interface_, std::strerror(errno));
        warned_no_timestamps_ = true;
    }
}

// The kernel silently caps SO_RCVBUF at net.core.rmem_max: read back what it granted, so that
// a receive buffer too small for a burst is said at open rather than found as drops later.
void SocketCanTransport::set_receive_buffer(int fd) {
    const int asked = options_.receive_buffer_bytes;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &asked, sizeof asked) < 0)
        spdlog::warn("{}: SO_RCVBUF {}: {}; keeping the default receive buffer", interface_, asked,
                     std::strerror(errno));
    int read_back = 0;
    socklen_t len = sizeof read_back;
    if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &read_back, &len) < 0) {
        spdlog::warn("{}: getsockopt(SO_RCVBUF): {}", interface_, std::strerror(errno));
        receive_buffer_bytes_ = 0;
        return;
    }
    const ReceiveBuffer rb = receive_buffer_from_readback(asked, read_back);
    receive_buffer_bytes_ = rb.effective;
    if (rb.clamped())
        spdlog::warn("{}: receive buffer is {} bytes, asked for {}: capped by the sysctl net.core.rmem_max",
                     interface_, rb.effective, rb.asked);
}

void SocketCanTransport::close_socket() {
    rx_resume_timer_->disarm();
    watch_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void SocketCanTransport::fail(int error, const char* during) {
    spdlog::warn("{}: {} failed: {}; the interface is down, reopening", interface_, during, std::strerror(error));
    close_socket();
    // Queued frames are stale by the time the link is back; commands time out and report.
    counters_.tx_dropped += tx_queue_.clear();
    set_state(BusState::down);
    schedule_reopen();
}

void SocketCanTransport::schedule_reopen() {
    if (state_ != BusState::down) set_state(BusState::down);
    reopen_timer_->arm(loop_.now() + backoff_);
    backoff_ = std::min(options_.max_backoff, backoff_ * 2);
}

void SocketCanTransport::set_state(BusState state) {
    if (state == state_) return;
    state_ = state;
    report_state(state);
}

void SocketCanTransport::on_readable(std::uint32_t events) {
    if (events & (runtime::io_err | runtime::io_hup)) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 && is_link_error(err)) {
            fail(err, "receive");
            return;
        }
    }
    if (!(events & runtime::io_in)) return;
    const runtime::Instant now = loop_.now();
    if (const runtime::Instant start = read_start_at(now); start != now) {
        pause_reading_until(start);
        return;
    }
    const bool emptied = read_frames();
    // Wait for the rest of the burst instead of waking per frame.
    if (emptied && fd_ >= 0 && options_.rx_coalesce > runtime::Duration::zero())
        pause_reading_until(read_start_at(now + options_.rx_coalesce));
}

runtime::Instant SocketCanTransport::read_start_at(runtime::Instant wanted) const {
    return read_start(wanted, next_quiet_point(), options_.rx_quiet_guard);
}

void SocketCanTransport::pause_reading_until(runtime::Instant resume) {
    if (fd_ < 0 || !watch_) return;
    watch_->set_events(0);  // errors and hang-ups are still reported
    rx_resume_timer_->arm(resume);
}

void SocketCanTransport::resume_reading() {
    if (fd_ < 0 || !watch_) return;
    // The timer may run late, into the guard before the next round.
    const runtime::Instant now = loop_.now();
    if (const runtime::Instant start = read_start_at(now); start != now) {
        rx_resume_timer_->arm(start);
        return;
    }
    watch_->set_events(runtime::io_in);
    // What came meanwhile; the next frame after it wakes the watch (and starts another pause).
    read_frames();
}

bool SocketCanTransport::read_frames() {
    // One recvmmsg per dispatch: a burst of received frames never holds the loop for long, and
    // a due heartbeat (a higher-priority source) runs before the next batch.
    constexpr std::size_t kBatch = 32;
    constexpr std::size_t kControl = CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(std::uint32_t)) + 64;
    std::array<can_frame, kBatch> frames{};
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    alignas(cmsghdr) char control[kBatch][kControl];
    const std::size_t want = std::min(kBatch, options_.max_reads_per_wakeup);
    for (std::size_t i = 0; i < want; ++i) {
        iov[i] = iovec{&frames[i], sizeof(can_frame)};
        msgs[i] = mmsghdr{};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = kControl;
    }
    const int got = ::recvmmsg(fd_, msgs.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
    if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
        if (is_link_error(errno)) fail(errno, "receive");
        else spdlog::warn("{}: recvmmsg: {}", interface_, std::strerror(errno));
        return true;
    }
    const auto wall = loop_.wall_now();
    const auto mono = loop_.now();
    for (int n = 0; n < got && fd_ >= 0; ++n) {
        if (msgs[n].msg_len != sizeof(can_frame)) continue;  // CAN FD frames are not ours
        ReceivedFrame rx{from_kernel(frames[n]), wall, mono};
        msghdr& msg = msgs[n].msg_hdr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET) continue;
            if (c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts{};
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                rx.timestamp = runtime::WallTime(std::chrono::duration_cast<runtime::WallTime::duration>(
                    std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
            } else if (c->cmsg_type == SO_RXQ_OVFL) {
                std::uint32_t socket_total = 0;
                std::memcpy(&socket_total, CMSG_DATA(c), sizeof socket_total);
                // Cumulative for this socket only: compare with its own last value, never with
                // the transport's total (which survives reopens).
                if (const std::uint32_t dropped = overflow_delta(socket_total, socket_drops_); dropped != 0) {
                    spdlog::warn("{}: the kernel dropped {} received frames (receive queue overflow)", interface_,
                                 dropped);
                    counters_.rx_overflow += dropped;
                }
            }
        }
        // The monotonic receive time from the kernel's stamp, not the time of this read: a
        // frame read after a coalescing pause (or a busy moment) keeps the time it arrived, for
        // whatever integrates over it (a profile's Ah). Both clocks were read at one instant.
        if (const auto age = wall - rx.timestamp; age > runtime::Duration::zero() && age < std::chrono::seconds(1))
            rx.received = mono - std::chrono::duration_cast<runtime::Duration>(age);
        if (rx.frame.error) {
            ++counters_.error_frames;
            const ErrorFrameMeaning m = interpret_error_frame(rx.frame);
            if (m.state == BusState::bus_off) ++counters_.bus_off;
            spdlog::warn("{}: {}", interface_, m.description);
            if (m.state) set_state(*m.state);
        } else {
            ++counters_.rx_frames;
        }
        deliver(rx);
    }
    return static_cast<std::size_t>(got) < want;
}

SocketCanTransport::WriteResult SocketCanTransport::write_frame(const protocol::CanFrame& frame) {
    if (fd_ < 0) return WriteResult::failed;
    const can_frame k = to_kernel(frame);
    const ssize_t r = ::write(fd_, &k, sizeof k);
    if (r == static_cast<ssize_t>(sizeof k)) {
        ++counters_.tx_frames;
        report_sent(frame, loop_.wall_now());
        return WriteResult::written;
    }
    if (r < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return WriteResult::no_room;
    const int err = r < 0 ? errno : EIO;
    if (is_link_error(err)) fail(err, "send");
    else spdlog::warn("{}: write: {}", interface_, std::strerror(err));
    return WriteResult::failed;
}

SendStatus SocketCanTransport::send(const protocol::CanFrame& frame, TxClass tx_class, TxTicket& ticket) {
    ticket = 0;
    if (fd_ < 0) {
        ++counters_.tx_dropped;
        return SendStatus::down;
    }
    if (tx_queue_.may_send_now(tx_class)) {
        switch (write_frame(frame)) {
            case WriteResult::written: return SendStatus::sent;
            case WriteResult::failed:
                ++counters_.tx_dropped;
                return fd_ < 0 ? SendStatus::down : SendStatus::dropped;
            case WriteResult::no_room: break;
        }
    }
    const TxQueue::Pushed pushed = tx_queue_.push(frame, tx_class);
    if (pushed.ticket == 0) {
        ++counters_.tx_dropped;
        return SendStatus::dropped;
    }
    if (!pushed.replaced) ++counters_.tx_queued;
    if (!tx_retry_timer_->armed()) tx_retry_timer_->arm(loop_.now() + options_.tx_retry);
    ticket = pushed.ticket;
    return SendStatus::queued;
}

bool SocketCanTransport::withdraw(TxTicket ticket) {
    if (!tx_queue_.withdraw(ticket)) return false;
    ++counters_.tx_withdrawn;
    return true;
}

void SocketCanTransport::send_batch(std::span<const protocol::CanFrame> frames, TxClass tx_class) {
    const bool may_write_now = tx_queue_.may_send_now(tx_class);
    std::size_t done = 0;
    if (fd_ >= 0 && may_write_now && frames.size() > 1) {
        constexpr std::size_t kMax = 64;
        std::array<can_frame, kMax> k{};
        std::array<iovec, kMax> iov{};
        std::array<mmsghdr, kMax> msgs{};
        const std::size_t n = std::min(frames.size(), kMax);
        for (std::size_t i = 0; i < n; ++i) {
            k[i] = to_kernel(frames[i]);
            iov[i] = iovec{&k[i], sizeof(can_frame)};
            msgs[i] = mmsghdr{};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int sent = ::sendmmsg(fd_, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
        if (sent > 0) {
            done = static_cast<std::size_t>(sent);
            counters_.tx_frames += done;
            const auto now = loop_.wall_now();
            for (std::size_t i = 0; i < done; ++i) report_sent(frames[i], now);
        }
        // Anything not taken (ENOBUFS, a link error) goes the ordinary way below.
    }
    for (std::size_t i = done; i < frames.size(); ++i) send(frames[i], tx_class);
}

void SocketCanTransport::flush_queues() {
    // Each frame leaves the queue before it is written: a sent handler that withdraws it, or
    // sends more, sees the queue as it is. If the kernel has no room it goes back to its place.
    while (!tx_queue_.empty()) {
        TxQueue::Entry entry = tx_queue_.take();
        const WriteResult r = write_frame(entry.frame);
        if (r == WriteResult::no_room) {
            tx_queue_.put_back(std::move(entry));
            tx_retry_timer_->arm(loop_.now() + options_.tx_retry);
            return;
        }
        if (r == WriteResult::failed) ++counters_.tx_dropped;
        if (fd_ < 0) return;  // failed and closed: the queue was dropped
    }
}

}  // namespace ystpcs::transport
