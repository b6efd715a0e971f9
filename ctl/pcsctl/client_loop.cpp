#include "pcsctl/client_loop.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ystpcs::ctl {

bool run_client_loop(sdbus::IConnection* connection, std::chrono::milliseconds interval,
                     const std::function<bool()>& tick, std::vector<WatchedFd> fds) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    const int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
    using clock = std::chrono::steady_clock;
    auto next = clock::now();
    bool by_signal = false;
    for (;;) {
        if (connection)
            while (connection->processPendingRequest()) {
            }
        const auto now = clock::now();
        if (now >= next) {
            if (!tick()) break;
            next += interval;
            if (next <= now) next = now + interval;
        }
        std::vector<pollfd> p;
        p.push_back({sigfd, POLLIN, 0});
        int timeout_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(next - clock::now()).count());
        if (connection) {
            const auto pd = connection->getEventLoopPollData();
            p.push_back({pd.fd, pd.events, 0});
            timeout_ms = std::min(timeout_ms, pd.getPollTimeout() < 0 ? timeout_ms : pd.getPollTimeout());
        }
        const std::size_t first_watched = p.size();
        for (const auto& w : fds) p.push_back({w.fd, POLLIN, 0});
        const int r = ::poll(p.data(), p.size(), std::max(0, timeout_ms));
        if (r < 0 && errno != EINTR) break;
        if (p[0].revents & POLLIN) {
            by_signal = true;
            break;
        }
        bool stop = false;
        for (std::size_t i = 0; i < fds.size(); ++i)
            if (p[first_watched + i].revents & (POLLIN | POLLHUP | POLLERR)) stop = stop || !fds[i].on_readable();
        if (stop) break;
    }
    ::close(sigfd);
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
    return by_signal;
}

}  // namespace ystpcs::ctl
