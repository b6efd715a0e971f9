#include "runtime/manual_event_loop.h"

#include <stdexcept>

namespace ystpcs::runtime {

class ManualEventLoop::ManualTimer final : public Timer {
public:
    ManualTimer(ManualEventLoop& loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {}
    ~ManualTimer() override { disarm(); }
    void arm(Instant deadline) override {
        disarm();
        deadline_ = deadline;
        loop_.schedule(this, deadline);
        armed_ = true;
    }
    void disarm() override {
        if (!armed_) return;
        loop_.unschedule(this);
        armed_ = false;
    }
    bool armed() const override { return armed_; }
    Instant deadline() const override { return deadline_; }
    void fire() {
        armed_ = false;
        fn_();
    }
    Key key{};

private:
    ManualEventLoop& loop_;
    std::function<void()> fn_;
    Instant deadline_{};
    bool armed_ = false;
};

namespace {
class NoFdWatch final : public FdWatch {
public:
    void set_events(std::uint32_t) override {}
};
}  // namespace

// Fake time starts at an arbitrary, recognisable point (1000 s after the clock's epoch).
ManualEventLoop::ManualEventLoop() : now_(Instant(std::chrono::seconds(1000))) {}
ManualEventLoop::~ManualEventLoop() = default;

WallTime ManualEventLoop::wall_now() const {
    // A fixed wall-clock origin (2023-11-27 00:00:00 UTC) plus the fake monotonic time.
    return WallTime(std::chrono::seconds(1701043200)) + (now_.time_since_epoch() - std::chrono::seconds(1000));
}

std::unique_ptr<Timer> ManualEventLoop::create_timer(std::function<void()> on_expiry, Priority) {
    return std::make_unique<ManualTimer>(*this, std::move(on_expiry));
}

std::unique_ptr<FdWatch> ManualEventLoop::watch_fd(int, std::uint32_t, std::function<void(std::uint32_t)>) {
    throw std::logic_error("ManualEventLoop does not watch file descriptors");
}

void ManualEventLoop::post(std::function<void()> fn) { posted_.push_back(std::move(fn)); }

void ManualEventLoop::schedule(ManualTimer* t, Instant deadline) {
    t->key = Key{deadline, ++sequence_};
    timers_.emplace(t->key, t);
}

void ManualEventLoop::unschedule(ManualTimer* t) { timers_.erase(t->key); }

bool ManualEventLoop::fire_next_due() {
    if (!posted_.empty()) {
        auto fn = std::move(posted_.front());
        posted_.pop_front();
        fn();
        return true;
    }
    if (timers_.empty() || timers_.begin()->first.deadline > now_) return false;
    ManualTimer* t = timers_.begin()->second;
    timers_.erase(timers_.begin());
    t->fire();
    return true;
}

void ManualEventLoop::run_pending() {
    while (fire_next_due()) {
    }
}

void ManualEventLoop::advance_to(Instant until) {
    run_pending();
    while (!timers_.empty() && timers_.begin()->first.deadline <= until) {
        now_ = std::max(now_, timers_.begin()->first.deadline);
        run_pending();
    }
    now_ = std::max(now_, until);
    run_pending();
}

bool ManualEventLoop::run_until(const std::function<bool()>& done, Duration limit, Duration step) {
    const Instant end = now_ + limit;
    run_pending();
    while (!done()) {
        if (now_ >= end) return false;
        advance_to(std::min(end, now_ + step));
    }
    return true;
}

}  // namespace ystpcs::runtime
