#include "daemon/dbus/frame_streams.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "protocol/candump.h"

namespace ystpcs::dbus {

namespace {
constexpr std::size_t kMaxPendingBytes = 256 * 1024;  // ~4000 lines: then whole lines are dropped
}

struct FrameStreams::Stream {
    int fd = -1;
    std::uint32_t uid = 0;
    FrameFilter filter;
    std::string pending;  // what the socket did not take yet (never half a line lost)
    std::uint64_t written = 0, dropped = 0;
    std::unique_ptr<runtime::FdWatch> watch;
    bool closing = false;
};

bool matches(const FrameFilter& filter, const std::string& interface, const protocol::CanFrame& f, bool outgoing) {
    if (outgoing ? !filter.tx : !filter.rx) return false;
    if (filter.interface && *filter.interface != interface) return false;
    if (!filter.address && filter.pfs.empty()) return true;
    if (!f.extended || f.error) return false;  // address and PF filters select protocol frames
    const auto id = protocol::parse_id(f.id);
    if (filter.address && id.sa != *filter.address && id.ps != *filter.address) return false;
    if (!filter.pfs.empty() && filter.pfs.count(id.pf) == 0) return false;
    return true;
}

FrameStreams::FrameStreams(engine::Rack& rack, FrameStreamLimits limits) : rack_(rack), limits_(limits) {
    rack_.add_observer(this);
}

FrameStreams::~FrameStreams() {
    rack_.remove_observer(this);
    for (auto& s : streams_) {
        s->watch.reset();
        ::close(s->fd);
    }
}

Result<int> FrameStreams::open(const FrameFilter& filter, std::uint32_t uid, bool privileged) {
    std::size_t mine = 0;
    for (const auto& s : streams_) mine += s->uid == uid ? 1 : 0;
    const std::size_t all = streams_.size();
    const std::string limits = " (at most " + std::to_string(limits_.per_user) + " per user, " +
                               std::to_string(limits_.total) + " in all, " + std::to_string(limits_.reserved) +
                               " of them for root and the control group)";
    if (all >= limits_.total || (!privileged && all >= limits_.total - limits_.reserved))
        return make_error(ErrorKind::limits_exceeded, std::to_string(all) + " frame streams are open" + limits +
                                                          "; close one first");
    if (!privileged && mine >= limits_.per_user)
        return make_error(ErrorKind::limits_exceeded, "uid " + std::to_string(uid) + " has " + std::to_string(mine) +
                                                          " frame streams open" + limits + "; close one first");
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        return make_error(ErrorKind::io, std::string("socketpair: ") + std::strerror(errno));
    // Our end never blocks; the client's end stays blocking, as a reader expects.
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    ::shutdown(fds[0], SHUT_RD);
    auto s = std::make_unique<Stream>();
    s->fd = fds[0];
    s->uid = uid;
    s->filter = filter;
    Stream* raw = s.get();
    // The client hanging up shows as HUP/ERR on our end, even when no frame flows.
    s->watch = rack_.loop().watch_fd(s->fd, runtime::io_hup | runtime::io_err, [this, raw](std::uint32_t events) {
        if (events & (runtime::io_hup | runtime::io_err)) close_later(raw);
        else flush(*raw);
    });
    streams_.push_back(std::move(s));
    spdlog::info("frame stream opened ({} open)", streams_.size());
    return fds[1];
}

void FrameStreams::close_later(Stream* s) {
    if (s->closing) return;
    s->closing = true;
    s->watch->set_events(0);
    rack_.loop().post([this, s] {
        for (auto it = streams_.begin(); it != streams_.end(); ++it) {
            if (it->get() != s) continue;
            spdlog::info("frame stream closed: {} lines written, {} dropped (client too slow)", s->written, s->dropped);
            (*it)->watch.reset();
            ::close((*it)->fd);
            streams_.erase(it);
            return;
        }
    });
}

void FrameStreams::flush(Stream& s) {
    while (!s.pending.empty()) {
        const ssize_t w = ::send(s.fd, s.pending.data(), s.pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            s.pending.erase(0, static_cast<std::size_t>(w));
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        close_later(&s);
        return;
    }
    const std::uint32_t hangup = runtime::io_hup | runtime::io_err;
    s.watch->set_events(s.pending.empty() ? hangup : hangup | runtime::io_out);
}

void FrameStreams::frame(transport::CanTransport& t, const protocol::CanFrame& f, runtime::WallTime when, bool outgoing) {
    if (streams_.empty()) return;
    std::string line;
    for (auto& s : streams_) {
        if (s->closing || !matches(s->filter, t.name(), f, outgoing)) continue;
        if (line.empty()) line = protocol::format_candump_line(runtime::unix_seconds(when), t.name(), f) + "\n";
        if (s->pending.size() + line.size() > kMaxPendingBytes) {
            ++s->dropped;
            continue;
        }
        s->pending += line;
        ++s->written;
        flush(*s);
    }
}

}  // namespace ystpcs::dbus
