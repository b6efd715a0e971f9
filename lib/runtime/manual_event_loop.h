// An EventLoop with fake time for unit tests: nothing happens until the test advances the
// clock, and then timers fire in deadline order at exactly their deadlines.
#pragma once

#include <deque>
#include <map>
#include <set>

#include "runtime/event_loop.h"

namespace ystpcs::runtime {

class ManualEventLoop final : public EventLoop {
public:
    ManualEventLoop();
    ~ManualEventLoop() override;

    Instant now() const override { return now_; }
    WallTime wall_now() const override;
    std::unique_ptr<Timer> create_timer(std::function<void()> on_expiry, Priority priority = Priority::normal) override;
    // File descriptors are not simulated: the fake loop serves in-process transports only.
    std::unique_ptr<FdWatch> watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready) override;
    void post(std::function<void()> fn) override;

    // Runs posted calls and due timers at the current time until nothing is left to do.
    void run_pending();
    // Moves time forward to `until`, firing every timer whose deadline passes, in order.
    void advance_to(Instant until);
    void advance(Duration d) { advance_to(now_ + d); }
    // Advances in steps of at most `step` until `done()` or `limit` has passed; true if done.
    bool run_until(const std::function<bool()>& done, Duration limit, Duration step = 1ms);

    std::size_t pending_timers() const { return timers_.size(); }

private:
    class ManualTimer;
    friend class ManualTimer;
    struct Key {
        Instant deadline;
        std::uint64_t sequence;  // FIFO among equal deadlines
        friend auto operator<=>(const Key&, const Key&) = default;
    };
    void schedule(ManualTimer* t, Instant deadline);
    void unschedule(ManualTimer* t);
    bool fire_next_due();

    Instant now_;
    std::uint64_t sequence_ = 0;
    std::map<Key, ManualTimer*> timers_;
    std::deque<std::function<void()>> posted_;
};

}  // namespace ystpcs::runtime
