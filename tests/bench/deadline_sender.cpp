// ystpcs-deadline-sender: the floor for periodic timing in the close-to-the-floor benchmark
// (tests/bench/floor_bench.sh). It does nothing but what a periodic sender must: sleep to an
// absolute deadline (clock_nanosleep TIMER_ABSTIME, so lateness never accumulates) and write
// one frame. Whatever deviation its frames show on the bus is the machine's, not a program's.
//   ystpcs-deadline-sender IFACE CAN_ID_HEX PERIOD_MS
// Runs until SIGTERM; prints the frames it wrote and the deadlines it found already past.
// Each frame carries its sequence number (bytes 0-3) and how late the sender woke behind its
// deadline, in µs (bytes 4-7, both little-endian): the floor for ystpcsd's own lateness.
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_term(int) { stop_requested = 1; }

void add_ns(timespec& t, long long ns) {
    const long long total = t.tv_nsec + ns;
    t.tv_sec += static_cast<time_t>(total / 1000000000LL);
    t.tv_nsec = static_cast<long>(total % 1000000000LL);
}

bool before(const timespec& a, const timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: ystpcs-deadline-sender IFACE CAN_ID_HEX PERIOD_MS\n");
        return 2;
    }
    const unsigned long id = std::strtoul(argv[2], nullptr, 16);
    const long period_ms = std::strtol(argv[3], nullptr, 10);
    if (id > CAN_EFF_MASK || period_ms <= 0) {
        std::fprintf(stderr, "ystpcs-deadline-sender: CAN_ID_HEX is a 29-bit id, PERIOD_MS > 0\n");
        return 2;
    }
    const int fd = ::socket(PF_CAN, SOCK_RAW, CAN_RAW);
    if (fd < 0) {
        std::perror("socket");
        return 1;
    }
    // It only sends: no receive queue to wake it or to fill.
    if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, nullptr, 0) < 0) {
        std::perror("CAN_RAW_FILTER");
        return 1;
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        std::perror("SIOCGIFINDEX");
        return 1;
    }
    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = ifr.ifr_ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        std::perror("bind");
        return 1;
    }
    struct sigaction sa {};
    sa.sa_handler = on_term;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);

    can_frame frame{};
    frame.can_id = static_cast<canid_t>(id) | CAN_EFF_FLAG;
    frame.len = 8;
    unsigned long long sent = 0;
    unsigned long long past = 0;
    timespec deadline{};
    ::clock_gettime(CLOCK_MONOTONIC, &deadline);
    while (!stop_requested) {
        add_ns(deadline, period_ms * 1000000LL);
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        if (before(deadline, now)) ++past;
        const int r = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr);
        if (r == EINTR) continue;
        timespec woke{};
        ::clock_gettime(CLOCK_MONOTONIC, &woke);
        const long long late_ns = (woke.tv_sec - deadline.tv_sec) * 1000000000LL + (woke.tv_nsec - deadline.tv_nsec);
        const auto seq = static_cast<std::uint32_t>(sent);
        const auto late_us = static_cast<std::uint32_t>(late_ns > 0 ? late_ns / 1000 : 0);
        std::memcpy(frame.data, &seq, sizeof seq);
        std::memcpy(frame.data + 4, &late_us, sizeof late_us);
        if (::write(fd, &frame, sizeof frame) == static_cast<ssize_t>(sizeof frame)) ++sent;
    }
    std::printf("deadline-sender: %llu frames of 0x%08lX every %ld ms; %llu deadlines already past when due\n",
                sent, id, period_ms, past);
    ::close(fd);
    return 0;
}
