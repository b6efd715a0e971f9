#include "engine/heartbeat_scheduler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ystpcs::engine {

HeartbeatScheduler::HeartbeatScheduler(runtime::EventLoop& loop, runtime::Duration period,
                                       std::function<void(runtime::Instant)> on_tick)
    : loop_(loop), period_(period), on_tick_(std::move(on_tick)) {
    timer_ = loop_.create_timer([this] { tick(); }, runtime::Priority::high);
}

void HeartbeatScheduler::start() {
    running_ = true;
    next_ = loop_.now();
    timer_->arm(next_);
}

void HeartbeatScheduler::stop() {
    running_ = false;
    timer_->disarm();
}

runtime::Duration HeartbeatStats::lateness_percentile(double fraction) const {
    if (ticks == 0) return runtime::Duration{0};
    const auto wanted = static_cast<std::uint64_t>(fraction * static_cast<double>(ticks));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += lateness_histogram[i];
        if (seen > wanted) return kBucket * static_cast<long>(i + 1);
    }
    return max_lateness;
}

void HeartbeatScheduler::tick() {
    const runtime::Instant due = next_;
    const runtime::Instant now = loop_.now();
    const auto late = now - due;
    stats_.max_lateness = std::max(stats_.max_lateness, late);
    const auto bucket = static_cast<std::size_t>(std::max<long>(0, late / HeartbeatStats::kBucket));
    ++stats_.lateness_histogram[std::min(bucket, HeartbeatStats::kBuckets - 1)];
    ++stats_.ticks;
    on_tick_(due);
    if (!running_) return;
    next_ = due + period_;
    if (next_ <= now) {
        const auto missed = (now - next_) / period_ + 1;
        stats_.skipped += static_cast<std::uint64_t>(missed);
        next_ += missed * period_;
        spdlog::warn("heartbeat: the event loop was stalled for {:.0f} ms; {} heartbeat(s) skipped",
                     runtime::seconds(now - due) * 1000, missed);
    }
    timer_->arm(next_);
}

}  // namespace ystpcs::engine
