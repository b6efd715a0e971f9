// The 200 ms heartbeat on absolute deadlines: the n-th tick is due at t0 + n·period, so a
// late wake-up never shifts the ones after it. If the loop was stalled for more than a
// period, the missed ticks are skipped (a burst of stale heartbeats helps nobody) and
// counted.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "runtime/event_loop.h"

namespace ystpcs::engine {

struct HeartbeatStats {
    std::uint64_t ticks = 0;
    std::uint64_t skipped = 0;               // deadlines missed by more than a period
    runtime::Duration max_lateness{0};       // how late a tick ran behind its deadline, at worst
    // How late ticks ran, in 10 µs buckets up to 50 ms (the last bucket holds everything later).
    static constexpr std::size_t kBuckets = 5000;
    static constexpr runtime::Duration kBucket = std::chrono::microseconds(10);
    std::array<std::uint32_t, kBuckets> lateness_histogram{};
    // The lateness below which `fraction` of the ticks ran (0.5: median, 0.99: p99).
    runtime::Duration lateness_percentile(double fraction) const;
};

class HeartbeatScheduler {
public:
    HeartbeatScheduler(runtime::EventLoop& loop, runtime::Duration period, std::function<void(runtime::Instant)> on_tick);
    void start();  // first tick now
    void stop();
    bool running() const { return running_; }
    const HeartbeatStats& stats() const { return stats_; }
    runtime::Instant next_deadline() const { return next_; }

private:
    void tick();
    runtime::EventLoop& loop_;
    runtime::Duration period_;
    std::function<void(runtime::Instant)> on_tick_;
    std::unique_ptr<runtime::Timer> timer_;
    runtime::Instant next_{};
    bool running_ = false;
    HeartbeatStats stats_;
};

}  // namespace ystpcs::engine
