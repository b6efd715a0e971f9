// When SocketCanTransport may start a read batch relative to the heartbeat round.
#include <doctest/doctest.h>

#include "transport/read_pacing.h"

using namespace ystpcs;
using namespace std::chrono_literals;
using transport::read_start;

TEST_CASE("read pacing: a read due within the guard before the heartbeat round waits for the round") {
    const runtime::Instant round{1000ms};
    constexpr runtime::Duration guard = 1ms;
    // Inside the guard, down to the last nanosecond before the round.
    CHECK(read_start(round - 999us, round, guard) == round);
    CHECK(read_start(round - 1ns, round, guard) == round);
    // Exactly `guard` before, or earlier: a full batch is done before the round.
    CHECK(read_start(round - 1ms, round, guard) == round - 1ms);
    CHECK(read_start(round - 150ms, round, guard) == round - 150ms);
    // At the round or after it (the round, ready at the same instant, is dispatched first).
    CHECK(read_start(round, round, guard) == round);
    CHECK(read_start(round + 3ms, round, guard) == round + 3ms);
}

TEST_CASE("read pacing: no round scheduled, or no guard, reads when wanted") {
    const runtime::Instant t{5s};
    CHECK(read_start(t, std::nullopt, 1ms) == t);
    CHECK(read_start(t, t + 10us, runtime::Duration::zero()) == t);
}
