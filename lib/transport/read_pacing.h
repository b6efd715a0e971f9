// When SocketCanTransport may start reading. Reads come in batches (read coalescing), and a
// batch that is still being handled when the heartbeat round falls due delays that round:
// sd-event runs the higher-priority heartbeat first only among sources that are ready at the
// same time, never in the middle of a dispatch. So a read is not started within a guard
// interval before the loop's next quiet point (the heartbeat deadline); it starts at the
// quiet point instead, where the heartbeat, ready at the same instant, goes first.
#pragma once

#include <optional>

#include "runtime/event_loop.h"

namespace ystpcs::transport {

// The earliest time at or after `wanted` at which a read batch may start: `wanted` itself,
// unless it falls within `guard` before `quiet_point`; then `quiet_point`.
runtime::Instant read_start(runtime::Instant wanted, std::optional<runtime::Instant> quiet_point,
                            runtime::Duration guard);

}  // namespace ystpcs::transport
