#include "runtime/sdbus_event_bridge.h"

#include <cstdint>
#include <ctime>
#include <stdexcept>

#include <sdbus-c++/Error.h>

namespace ystpcs::runtime {

SdbusEventBridge::SdbusEventBridge(sd_event* event, sdbus::IConnection& connection,
                                   std::function<void(const std::string&)> on_failure)
    : connection_(connection), on_failure_(std::move(on_failure)) {
    const auto poll = connection_.getEventLoopPollData();
    if (sd_event_add_io(event, &io_, poll.fd, static_cast<std::uint32_t>(poll.events), &SdbusEventBridge::on_io, this) < 0 ||
        sd_event_add_time(event, &time_, CLOCK_MONOTONIC, 0, 1, &SdbusEventBridge::on_time, this) < 0)
        throw std::runtime_error("cannot attach the D-Bus connection to the event loop");
    sd_event_source_set_prepare(io_, &SdbusEventBridge::on_prepare);
    sd_event_source_set_enabled(time_, SD_EVENT_OFF);
}

SdbusEventBridge::~SdbusEventBridge() {
    sd_event_source_disable_unref(io_);
    sd_event_source_disable_unref(time_);
}

int SdbusEventBridge::on_prepare(sd_event_source*, void* self) {
    static_cast<SdbusEventBridge*>(self)->refresh();
    return 0;
}

int SdbusEventBridge::on_io(sd_event_source*, int, std::uint32_t, void* self) {
    static_cast<SdbusEventBridge*>(self)->process();
    return 0;
}

int SdbusEventBridge::on_time(sd_event_source*, std::uint64_t, void* self) {
    static_cast<SdbusEventBridge*>(self)->process();
    return 0;
}

void SdbusEventBridge::refresh() {
    if (failed_) return;
    try {
        const auto poll = connection_.getEventLoopPollData();
        sd_event_source_set_io_events(io_, static_cast<std::uint32_t>(poll.events));
        if (poll.timeout_usec == UINT64_MAX) {
            sd_event_source_set_enabled(time_, SD_EVENT_OFF);
        } else {
            sd_event_source_set_time(time_, poll.timeout_usec);
            sd_event_source_set_enabled(time_, SD_EVENT_ONESHOT);
        }
    } catch (const std::exception& e) {
        failed_ = true;
        sd_event_source_set_enabled(io_, SD_EVENT_OFF);
        sd_event_source_set_enabled(time_, SD_EVENT_OFF);
        if (on_failure_) on_failure_(e.what());
    }
}

void SdbusEventBridge::process() {
    if (failed_) return;
    try {
        // One message per dispatch. While more are queued, sd-bus reports a zero timeout, so
        // the time source fires on the next loop iteration: after any due heartbeat, which a
        // burst of D-Bus requests must never delay.
        connection_.processPendingRequest();
    } catch (const std::exception& e) {
        // A handler's error never gets here (sdbus-c++ answers it); this is the connection.
        failed_ = true;
        sd_event_source_set_enabled(io_, SD_EVENT_OFF);
        sd_event_source_set_enabled(time_, SD_EVENT_OFF);
        if (on_failure_) on_failure_(e.what());
    }
}

}  // namespace ystpcs::runtime
