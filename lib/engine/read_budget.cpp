#include "engine/read_budget.h"

#include <algorithm>

#include "protocol/signal.h"

namespace ystpcs::engine {

void ReadBudget::refill(Bucket& b, double burst, double per_second, runtime::Instant now) {
    b.tokens = std::min(burst, b.tokens + runtime::seconds(now - b.at) * per_second);
    b.at = now;
}

Result<void> ReadBudget::take(const std::string& caller, bool privileged, runtime::Instant now) {
    if (!total_started_) total_ = Bucket{options_.total_burst, now}, total_started_ = true;
    refill(total_, options_.total_burst, options_.total_per_second, now);
    auto it = buckets_.find(caller);
    if (it == buckets_.end()) {
        if (buckets_.size() >= options_.max_callers) prune(now);
        it = buckets_.emplace(caller, Bucket{options_.burst, now}).first;
    }
    Bucket& b = it->second;
    refill(b, options_.burst, options_.per_second, now);
    if (!privileged && total_.tokens < 1.0)
        return make_error(ErrorKind::busy, "too many reads from all clients together: at most " +
                                               protocol::format_number(options_.total_per_second, 1) +
                                               " per second; every read puts frames on the CAN bus. Try again shortly");
    if (b.tokens < 1.0)
        return make_error(ErrorKind::busy, "too many reads from " + caller + ": at most " +
                                               protocol::format_number(options_.per_second, 1) + " per second (" +
                                               protocol::format_number(options_.burst, 0) +
                                               " at once); every read puts frames on the CAN bus. Use the live " +
                                               "properties (PropertiesChanged) for values that change");
    b.tokens -= 1.0;
    if (!privileged) total_.tokens -= 1.0;
    return {};
}

void ReadBudget::prune(runtime::Instant now) {
    // A bucket that has refilled completely holds nothing worth remembering.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        const double tokens = it->second.tokens + runtime::seconds(now - it->second.at) * options_.per_second;
        if (tokens >= options_.burst) it = buckets_.erase(it);
        else ++it;
    }
    // Still full of hungry callers: forget the oldest half (they get a fresh burst).
    if (buckets_.size() >= options_.max_callers) {
        std::vector<std::pair<runtime::Instant, std::string>> by_age;
        for (const auto& [k, b] : buckets_) by_age.emplace_back(b.at, k);
        std::sort(by_age.begin(), by_age.end());
        for (std::size_t i = 0; i < by_age.size() / 2; ++i) buckets_.erase(by_age[i].second);
    }
}

}  // namespace ystpcs::engine
