// The loop of pcsctl's long-running commands (monitor, log, record): D-Bus signals are
// processed as they come, `tick` runs every `interval` on absolute deadlines, extra file
// descriptors can be watched, and Ctrl-C / SIGTERM end the loop cleanly.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include <sdbus-c++/IConnection.h>

namespace ystpcs::ctl {

struct WatchedFd {
    int fd;
    std::function<bool()> on_readable;  // false: stop the loop
};

// Returns when `tick` returns false, a watched fd's handler returns false, or a signal came.
// Returns true if it ended because of a signal.
bool run_client_loop(sdbus::IConnection* connection, std::chrono::milliseconds interval,
                     const std::function<bool()>& tick, std::vector<WatchedFd> fds = {});

}  // namespace ystpcs::ctl
