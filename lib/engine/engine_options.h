// Tunables of the engine; the daemon fills them from its configuration file.
#pragma once

#include <chrono>

#include "runtime/event_loop.h"

namespace ystpcs::engine {

struct EngineOptions {
    runtime::Duration heartbeat_period = std::chrono::milliseconds(200);  // spec §2
    runtime::Duration link_timeout = std::chrono::seconds(1);   // no frame for this long: communication lost
    runtime::Duration reply_timeout = std::chrono::seconds(1);
    int retries = 2;                                            // for idempotent commands
    runtime::Duration stop_wait = std::chrono::seconds(10);     // stop_first: wait this long for the stop
    bool discovery = true;                                      // a PCS that sends frames appears
};

}  // namespace ystpcs::engine
