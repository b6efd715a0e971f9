// ystpcs-read-flood: one client flooding a module with ReadProtectionLimits as fast as D-Bus
// allows: CONNECTIONS connections (each a caller of its own for the daemon's read budget), on
// each WINDOW calls outstanding at all times (a new call as soon as one is answered), all from
// one thread, for SECONDS. Prints one line of figures (key=value): calls answered, successes,
// Busy by reason, other errors, their rates.
//   ystpcs-read-flood ADDRESS OBJECT_PATH CONNECTIONS WINDOW SECONDS
// SIGTERM or SIGINT ends the flood early: no new calls, the outstanding ones are awaited, the
// figures printed.
#include <poll.h>

#include <csignal>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace {

using clock_type = std::chrono::steady_clock;

volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }

struct Connection {
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<sdbus::IProxy> proxy;
    int outstanding = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: ystpcs-read-flood ADDRESS OBJECT_PATH CONNECTIONS WINDOW SECONDS\n");
        return 2;
    }
    std::signal(SIGTERM, request_stop);
    std::signal(SIGINT, request_stop);
    const std::string address = argv[1], path = argv[2];
    const int connections = std::atoi(argv[3]), window = std::atoi(argv[4]);
    const double seconds = std::atof(argv[5]);
    std::vector<Connection> pool(static_cast<std::size_t>(connections));
    for (auto& c : pool) {
        c.connection = sdbus::createSessionBusConnectionWithAddress(address);
        c.proxy = sdbus::createProxy(*c.connection, "org.ystpcs.pcs1", path);
        c.proxy->finishRegistration();
    }
    std::uint64_t sent = 0, ok = 0, busy_budget = 0, busy_queue = 0, busy_other = 0;
    std::map<std::string, std::uint64_t> other;
    bool sending = true;
    std::function<void(Connection&)> top_up = [&](Connection& c) {
        while (sending && c.outstanding < window) {
            ++c.outstanding;
            ++sent;
            c.proxy->callMethodAsync("ReadProtectionLimits")
                .onInterface("org.ystpcs.pcs1.Module")
                .uponReplyInvoke([&, conn = &c](const sdbus::Error* e, std::map<std::string, double>) {
                    --conn->outstanding;
                    if (e == nullptr) {
                        ++ok;
                    } else if (e->getName() == "org.ystpcs.pcs1.Error.Busy") {
                        const std::string m = e->getMessage();
                        if (m.find("too many reads") != std::string::npos) ++busy_budget;
                        else if (m.find("operations waiting") != std::string::npos) ++busy_queue;
                        else ++busy_other;
                    } else {
                        ++other[e->getName()];
                    }
                });
        }
    };
    const auto start = clock_type::now();
    auto end = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    for (auto& c : pool) top_up(c);
    int outstanding = connections * window;
    while (outstanding > 0) {
        if (sending && (clock_type::now() >= end || stop_requested)) {
            sending = false;
            end = clock_type::now();
        }
        std::vector<pollfd> fds;
        for (auto& c : pool) {
            const auto pd = c.connection->getEventLoopPollData();
            fds.push_back({pd.fd, pd.events, 0});
        }
        ::poll(fds.data(), fds.size(), 100);
        outstanding = 0;
        for (auto& c : pool) {
            while (c.connection->processPendingRequest()) {
            }
            top_up(c);
            outstanding += c.outstanding;
        }
        if (!sending && clock_type::now() > end + std::chrono::seconds(30)) break;  // the daemon stopped answering
    }
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    const std::uint64_t answered = ok + busy_budget + busy_queue + busy_other + [&] {
        std::uint64_t n = 0;
        for (const auto& [name, count] : other) n += count;
        return n;
    }();
    std::string others;
    for (const auto& [name, count] : other) others += " " + name + "=" + std::to_string(count);
    std::printf("read-flood: connections=%d window=%d seconds=%.2f sent=%llu answered=%llu ok=%llu busy_budget=%llu "
                "busy_queue=%llu busy_other=%llu answered_per_s=%.0f ok_per_s=%.1f busy_per_s=%.0f%s\n",
                connections, window, elapsed, static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(answered), static_cast<unsigned long long>(ok),
                static_cast<unsigned long long>(busy_budget), static_cast<unsigned long long>(busy_queue),
                static_cast<unsigned long long>(busy_other), answered / elapsed, ok / elapsed,
                (busy_budget + busy_queue + busy_other) / elapsed, others.c_str());
    return answered == sent ? 0 : 1;
}
