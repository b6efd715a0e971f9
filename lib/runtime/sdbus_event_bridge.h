// Runs an sdbus-c++ 1.2 connection on a program's sd-event loop (ystpcsd, ystpcs-bridge): no
// second thread can race the engine or the bridge's state. sdbus-c++ 1.2 cannot attach to
// sd-event itself, so its poll data (fd, events, absolute CLOCK_MONOTONIC timeout) is mirrored
// into an io and a time source, refreshed in a prepare callback before every poll, and pending
// work is processed when either fires.
#pragma once

#include <functional>
#include <string>

#include <sdbus-c++/IConnection.h>
#include <systemd/sd-event.h>

namespace ystpcs::runtime {

class SdbusEventBridge {
public:
    // `on_failure` is told when the connection breaks (processing threw).
    SdbusEventBridge(sd_event* event, sdbus::IConnection& connection, std::function<void(const std::string&)> on_failure);
    ~SdbusEventBridge();
    SdbusEventBridge(const SdbusEventBridge&) = delete;
    SdbusEventBridge& operator=(const SdbusEventBridge&) = delete;

private:
    static int on_prepare(sd_event_source* s, void* self);
    static int on_io(sd_event_source* s, int fd, std::uint32_t revents, void* self);
    static int on_time(sd_event_source* s, std::uint64_t usec, void* self);
    void process();
    void refresh();

    sdbus::IConnection& connection_;
    std::function<void(const std::string&)> on_failure_;
    sd_event_source* io_ = nullptr;
    sd_event_source* time_ = nullptr;
    bool failed_ = false;
};

}  // namespace ystpcs::runtime
