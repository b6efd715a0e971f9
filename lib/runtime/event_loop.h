// The event loop every component runs on: timers on absolute monotonic deadlines, file
// descriptor watches and deferred calls, all on one thread. Production code uses sd-event
// (sd_event_loop.h); unit tests use ManualEventLoop with fake time, so the same engine,
// transports and simulator run deterministically in simulated time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace ystpcs::runtime {

// CLOCK_MONOTONIC, which is what std::chrono::steady_clock reads on Linux.
using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Duration = std::chrono::nanoseconds;
// CLOCK_REALTIME, for timestamps people read (and the kernel's RX timestamps).
using WallTime = std::chrono::system_clock::time_point;

using namespace std::chrono_literals;

// A one-shot timer on an absolute deadline; periodic behaviour re-arms from the callback at
// `previous deadline + period` so that lateness never accumulates.
class Timer {
public:
    virtual ~Timer() = default;
    virtual void arm(Instant deadline) = 0;
    virtual void disarm() = 0;
    virtual bool armed() const = 0;
    virtual Instant deadline() const = 0;
};

// epoll-style event bits for fd watches.
enum IoEvents : std::uint32_t { io_in = 0x001, io_out = 0x004, io_err = 0x008, io_hup = 0x010 };

class FdWatch {
public:
    virtual ~FdWatch() = default;
    virtual void set_events(std::uint32_t events) = 0;
};

// When several sources are ready at once, high-priority ones are dispatched first: the
// heartbeat must not wait behind a burst of received frames.
enum class Priority { high, normal };

class EventLoop {
public:
    virtual ~EventLoop() = default;
    // The time of the current loop iteration (the wake-up that dispatched this callback), not
    // a fresh clock read: cheap enough to ask for every frame.
    virtual Instant now() const = 0;
    virtual WallTime wall_now() const = 0;
    // Timers and watches stop firing when their handle is destroyed; a watch may be destroyed
    // from its own callback.
    virtual std::unique_ptr<Timer> create_timer(std::function<void()> on_expiry, Priority priority = Priority::normal) = 0;
    virtual std::unique_ptr<FdWatch> watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready) = 0;
    // Runs `fn` from the loop soon, after the current callback returns.
    virtual void post(std::function<void()> fn) = 0;
};

// Seconds as a double, for logs and physics.
inline double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline double unix_seconds(WallTime t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

}  // namespace ystpcs::runtime
