#include "runtime/sd_event_loop.h"

#include <csignal>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

namespace ystpcs::runtime {

namespace {

std::uint64_t to_usec(Instant t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}

void check(int r, const char* what) {
    if (r < 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(-r));
}

class SdTimer final : public Timer {
public:
    SdTimer(sd_event* e, std::function<void()> fn, Priority priority)
        : event_(e), fn_(std::move(fn)), priority_(priority) {}
    ~SdTimer() override { sd_event_source_unref(source_); }
    void arm(Instant deadline) override {
        deadline_ = deadline;
        if (source_ == nullptr) {
            check(sd_event_add_time(event_, &source_, CLOCK_MONOTONIC, to_usec(deadline), 1, &SdTimer::on_time, this),
                  "sd_event_add_time");
            if (priority_ == Priority::high) sd_event_source_set_priority(source_, SD_EVENT_PRIORITY_IMPORTANT);
        } else {
            check(sd_event_source_set_time(source_, to_usec(deadline)), "sd_event_source_set_time");
        }
        check(sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT), "sd_event_source_set_enabled");
        armed_ = true;
    }
    void disarm() override {
        if (source_ != nullptr) sd_event_source_set_enabled(source_, SD_EVENT_OFF);
        armed_ = false;
    }
    bool armed() const override { return armed_; }
    Instant deadline() const override { return deadline_; }

private:
    static int on_time(sd_event_source*, std::uint64_t, void* self) {
        auto* t = static_cast<SdTimer*>(self);
        t->armed_ = false;
        run_guarded("timer", t->fn_);
        return 0;
    }
    sd_event* event_;
    sd_event_source* source_ = nullptr;
    std::function<void()> fn_;
    Priority priority_;
    Instant deadline_{};
    bool armed_ = false;
};

class SdFdWatch final : public FdWatch {
public:
    SdFdWatch(sd_event* e, int fd, std::uint32_t events, std::function<void(std::uint32_t)> fn)
        : fn_(std::make_shared<std::function<void(std::uint32_t)>>(std::move(fn))) {
        check(sd_event_add_io(e, &source_, fd, events, &SdFdWatch::on_io, this), "sd_event_add_io");
    }
    ~SdFdWatch() override { sd_event_source_unref(source_); }
    void set_events(std::uint32_t events) override { sd_event_source_set_io_events(source_, events); }

private:
    static int on_io(sd_event_source*, int, std::uint32_t revents, void* self) {
        // The callback may destroy its own watch (a connection that ends): it runs on a
        // reference of its own, and sd-event frees a source only after its dispatch.
        const auto fn = static_cast<SdFdWatch*>(self)->fn_;
        run_guarded("fd watch", [&fn, revents] { (*fn)(revents); });
        return 0;
    }
    sd_event_source* source_ = nullptr;
    std::shared_ptr<std::function<void(std::uint32_t)>> fn_;
};

}  // namespace

void block_signals_for_loop(std::initializer_list<int> signals) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : signals) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

void run_guarded(const char* what, const std::function<void()>& fn) noexcept {
    try {
        fn();
    } catch (const std::exception& e) {
        spdlog::error("unexpected exception in {} callback: {}", what, e.what());
    } catch (...) {
        spdlog::error("unexpected exception in {} callback", what);
    }
}

SdEventLoop::SdEventLoop() { check(sd_event_new(&event_), "sd_event_new"); }

SdEventLoop::SdEventLoop(sd_event* event) : event_(sd_event_ref(event)) {}

SdEventLoop::~SdEventLoop() {
    sd_event_source_unref(defer_);
    sd_event_unref(event_);
}

// The time this loop iteration woke up, as sd-event took it for deciding which timers are due
// (it dispatches one source per iteration, so it is at most one callback old): no clock read
// per call. Reading the clock is a system call where there is no vDSO (user-mode Linux), and
// every received frame and timer asks for the time. Before the loop runs there is no
// iteration time: the clock itself.
Instant SdEventLoop::now() const {
    std::uint64_t usec = 0;
    if (sd_event_now(event_, CLOCK_MONOTONIC, &usec) >= 0) return Instant(std::chrono::microseconds(usec));
    return Clock::now();
}

WallTime SdEventLoop::wall_now() const {
    std::uint64_t usec = 0;
    if (sd_event_now(event_, CLOCK_REALTIME, &usec) >= 0) return WallTime(std::chrono::microseconds(usec));
    return std::chrono::system_clock::now();
}

std::unique_ptr<Timer> SdEventLoop::create_timer(std::function<void()> on_expiry, Priority priority) {
    return std::make_unique<SdTimer>(event_, std::move(on_expiry), priority);
}

std::unique_ptr<FdWatch> SdEventLoop::watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready) {
    return std::make_unique<SdFdWatch>(event_, fd, events, std::move(on_ready));
}

void SdEventLoop::post(std::function<void()> fn) {
    posted_.push_back(std::move(fn));
    if (defer_ == nullptr) check(sd_event_add_defer(event_, &defer_, &SdEventLoop::on_defer, this), "sd_event_add_defer");
    sd_event_source_set_enabled(defer_, SD_EVENT_ONESHOT);
}

int SdEventLoop::on_defer(sd_event_source*, void* self) {
    auto* loop = static_cast<SdEventLoop*>(self);
    // Only what was posted before this round runs now; later posts get the next round.
    std::deque<std::function<void()>> batch;
    batch.swap(loop->posted_);
    for (auto& fn : batch) run_guarded("posted", fn);
    if (!loop->posted_.empty()) sd_event_source_set_enabled(loop->defer_, SD_EVENT_ONESHOT);
    return 0;
}

int SdEventLoop::run() { return sd_event_loop(event_); }

void SdEventLoop::exit(int code) { sd_event_exit(event_, code); }

}  // namespace ystpcs::runtime
