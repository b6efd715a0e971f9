// ystpcs-dbus-load: N clients, each on its own D-Bus connection, calling Properties.GetAll on
// a module at a fixed rate, all from one thread (asynchronous calls, one poll loop), for the
// load benchmark. Prints calls, errors and reply latency figures.
//   ystpcs-dbus-load ADDRESS OBJECT_PATH CLIENTS RATE_HZ SECONDS
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace {

using clock_type = std::chrono::steady_clock;

struct Client {
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<sdbus::IProxy> proxy;
    clock_type::time_point next;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: ystpcs-dbus-load ADDRESS OBJECT_PATH CLIENTS RATE_HZ SECONDS\n");
        return 2;
    }
    const std::string address = argv[1], path = argv[2];
    const int clients = std::atoi(argv[3]);
    const double rate = std::atof(argv[4]), seconds = std::atof(argv[5]);
    const auto period = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(1.0 / rate));
    std::vector<Client> pool;
    const auto start = clock_type::now();
    for (int i = 0; i < clients; ++i) {
        Client c;
        c.connection = sdbus::createSessionBusConnectionWithAddress(address);
        c.proxy = sdbus::createProxy(*c.connection, "org.ystpcs.pcs1", path);
        c.proxy->finishRegistration();
        c.next = start + period * i / clients;  // spread the clients over the period
        pool.push_back(std::move(c));
    }
    std::uint64_t sent = 0, replies = 0, errors = 0;
    std::vector<double> latency_ms;
    const auto end = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    while (clock_type::now() < end) {
        const auto now = clock_type::now();
        auto soonest = end;
        for (auto& c : pool) {
            if (now >= c.next) {
                const auto t0 = clock_type::now();
                c.proxy->callMethodAsync("GetAll")
                    .onInterface("org.freedesktop.DBus.Properties")
                    .withArguments(std::string("org.ystpcs.pcs1.Module"))
                    .uponReplyInvoke([&, t0](const sdbus::Error* e, std::map<std::string, sdbus::Variant> props) {
                        if (e != nullptr || props.empty()) ++errors;
                        else ++replies;
                        latency_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
                    });
                ++sent;
                c.next += period;
            }
            soonest = std::min(soonest, c.next);
        }
        std::vector<pollfd> fds;
        for (auto& c : pool) {
            const auto pd = c.connection->getEventLoopPollData();
            fds.push_back({pd.fd, pd.events, 0});
        }
        const int wait_ms = static_cast<int>(std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(soonest - clock_type::now()).count()));
        ::poll(fds.data(), fds.size(), wait_ms);
        for (auto& c : pool)
            while (c.connection->processPendingRequest()) {
            }
    }
    std::sort(latency_ms.begin(), latency_ms.end());
    auto pct = [&](double p) { return latency_ms.empty() ? 0.0 : latency_ms[static_cast<std::size_t>(p * (latency_ms.size() - 1))]; };
    std::printf("dbus-load: %d clients x %.0f Hz GetAll for %.0f s: %llu sent, %llu replies, %llu errors; latency median %.2f ms, "
                "p99 %.2f ms, max %.2f ms\n",
                clients, rate, seconds, static_cast<unsigned long long>(sent), static_cast<unsigned long long>(replies),
                static_cast<unsigned long long>(errors), pct(0.5), pct(0.99), latency_ms.empty() ? 0.0 : latency_ms.back());
    return errors == 0 ? 0 : 1;
}
