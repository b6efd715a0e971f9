// Reads are open to every local user, and every read puts frames on the CAN bus: without a
// bound, one client can keep the bus busy (PF 0x01 wins arbitration over 0x0F and 0x1A).
// Each caller (a D-Bus unique name) gets a token bucket: `burst` reads at once, refilled at
// `per_second`; beyond it a read is refused with Busy. A new D-Bus connection is a new caller,
// so all unprivileged callers together also share one larger bucket; root and the control
// group do not draw on it, so nobody else's reads can lock them out. Pure logic on the loop's
// clock.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "protocol/result.h"
#include "runtime/event_loop.h"

namespace ystpcs::engine {

struct ReadBudgetOptions {
    double burst = 20;
    double per_second = 10;
    double total_burst = 100;        // all unprivileged callers together
    double total_per_second = 50;
    std::size_t max_callers = 1024;  // tracked at once; the fullest buckets are forgotten first
};

class ReadBudget {
public:
    explicit ReadBudget(ReadBudgetOptions options = {}) : options_(options) {}
    // Takes one read from `caller`'s budget, or says why not (names the limit).
    Result<void> take(const std::string& caller, bool privileged, runtime::Instant now);
    void set_options(const ReadBudgetOptions& options) { options_ = options; }

private:
    struct Bucket {
        double tokens = 0;
        runtime::Instant at{};
    };
    static void refill(Bucket& b, double burst, double per_second, runtime::Instant now);
    void prune(runtime::Instant now);
    ReadBudgetOptions options_;
    std::map<std::string, Bucket> buckets_;
    Bucket total_{100, runtime::Instant{}};
    bool total_started_ = false;
};

}  // namespace ystpcs::engine
