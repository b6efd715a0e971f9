#include "engine/value_history.h"

#include <algorithm>
#include <limits>

namespace ystpcs::engine {

namespace {
std::int64_t micros(runtime::WallTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}  // namespace

std::optional<std::size_t> history_signal(std::string_view property) {
    for (std::size_t i = 0; i < kHistorySignals.size(); ++i)
        if (kHistorySignals[i].property == property) return i;
    return std::nullopt;
}

void ValueHistory::Ring::push(std::int64_t t, const HistoryRow& row) {
    if (capacity == 0) return;
    if (times.size() < capacity) {
        // Still filling: append, room doubling up to the bound (never past it).
        if (times.size() == times.capacity()) {
            const std::size_t room = std::min(capacity, std::max<std::size_t>(64, 2 * times.size()));
            times.reserve(room);
            rows.reserve(room);
        }
        times.push_back(t);
        rows.push_back(row);
        head = times.size() % capacity;
        return;
    }
    times[head] = t;
    rows[head] = row;
    head = (head + 1) % capacity;
}

// While filling, head is the end: the i-th oldest is at i; once full, it is the oldest.
std::size_t ValueHistory::Ring::index(std::size_t i) const { return (head + i) % times.size(); }

std::optional<std::int64_t> ValueHistory::Ring::oldest() const {
    if (times.empty()) return std::nullopt;
    return times[index(0)];
}

std::optional<std::int64_t> ValueHistory::Ring::newest() const {
    if (times.empty()) return std::nullopt;
    return times[index(times.size() - 1)];
}

ValueHistory::ValueHistory(HistoryOptions options)
    : options_(options), fine_(options.fine_rows), coarse_(options.coarse_rows) {}

std::size_t ValueHistory::memory_bytes() const {
    return (fine_.times.capacity() + coarse_.times.capacity()) * sizeof(std::int64_t) +
           (fine_.rows.capacity() + coarse_.rows.capacity()) * sizeof(HistoryRow);
}

void ValueHistory::flush_bucket() {
    if (!bucket_open_) return;
    HistoryRow avg;
    for (std::size_t i = 0; i < kHistoryWidth; ++i)
        avg[i] = count_[i] ? static_cast<float>(sum_[i] / count_[i]) : kNaN;
    const auto period_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.coarse_period).count();
    coarse_.push(bucket_ * period_us, avg);  // stamped with the start of its period
    sum_.fill(0);
    count_.fill(0);
    bucket_open_ = false;
}

void ValueHistory::add(runtime::WallTime at, const HistoryRow& row) {
    const std::int64_t t = micros(at);
    if (const auto last = fine_.newest(); last && t <= *last) return;
    fine_.push(t, row);
    const auto period_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.coarse_period).count();
    const std::int64_t bucket = t / period_us;
    if (bucket_open_ && bucket != bucket_) flush_bucket();
    bucket_ = bucket;
    bucket_open_ = true;
    for (std::size_t i = 0; i < kHistoryWidth; ++i) {
        if (std::isnan(row[i])) continue;
        sum_[i] += row[i];
        ++count_[i];
    }
}

HistorySlice ValueHistory::read(std::int64_t from_us, std::int64_t to_us, std::span<const std::size_t> signals) const {
    HistorySlice out;
    out.columns.resize(signals.size());
    auto take = [&](const Ring& ring, std::int64_t until_exclusive) {
        for (std::size_t i = 0; i < ring.times.size(); ++i) {
            const std::size_t k = ring.index(i);
            const std::int64_t t = ring.times[k];
            if (t < from_us) continue;
            if (t > to_us || t >= until_exclusive) break;
            out.times_us.push_back(t);
            for (std::size_t c = 0; c < signals.size(); ++c) out.columns[c].push_back(ring.rows[k][signals[c]]);
        }
    };
    // Averages only where the fine rows do not reach (a bucket that overlaps them is left out).
    const std::int64_t fine_start = fine_.oldest().value_or(std::numeric_limits<std::int64_t>::max());
    const auto period_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.coarse_period).count();
    take(coarse_, fine_start - period_us + 1);
    take(fine_, std::numeric_limits<std::int64_t>::max());
    return out;
}

}  // namespace ystpcs::engine
