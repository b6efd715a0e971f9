// EventLoop on systemd's sd-event: the daemon's and pcs-sim's one thread. Timers use
// CLOCK_MONOTONIC with 1 µs accuracy (sd-event's default slack of 250 ms would wreck a
// 200 ms heartbeat).
#pragma once

#include <deque>
#include <initializer_list>

#include <systemd/sd-event.h>

#include "runtime/event_loop.h"

namespace ystpcs::runtime {

class SdEventLoop final : public EventLoop {
public:
    SdEventLoop();                           // a new loop
    explicit SdEventLoop(sd_event* event);   // borrows (and references) an existing loop
    ~SdEventLoop() override;
    SdEventLoop(const SdEventLoop&) = delete;
    SdEventLoop& operator=(const SdEventLoop&) = delete;

    Instant now() const override;
    WallTime wall_now() const override;
    std::unique_ptr<Timer> create_timer(std::function<void()> on_expiry, Priority priority = Priority::normal) override;
    std::unique_ptr<FdWatch> watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready) override;
    void post(std::function<void()> fn) override;

    sd_event* native() const { return event_; }
    int run();                 // until exit(); returns the exit code
    void exit(int code);

private:
    static int on_defer(sd_event_source* s, void* self);
    sd_event* event_ = nullptr;
    sd_event_source* defer_ = nullptr;
    std::deque<std::function<void()>> posted_;
};

// Blocks `signals` for the process, so that sd-event's signal sources receive them, and ignores
// SIGPIPE (a peer that went away is an error return, not the end of the process). Call it
// before any thread starts.
void block_signals_for_loop(std::initializer_list<int> signals);

// Runs a callback from a C event-source handler; an exception must not cross sd-event's C
// frames, so it is logged and swallowed (the loop, and the heartbeat, go on).
void run_guarded(const char* what, const std::function<void()>& fn) noexcept;

}  // namespace ystpcs::runtime
