// An in-process CAN bus: every frame one endpoint sends reaches every other endpoint, in
// order, after an optional delay and with an optional loss rate. `ystpcsd --simulate N`
// puts N simulated PCS and the daemon on one; tests use it with fake time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/event_loop.h"
#include "transport/can_transport.h"

namespace ystpcs::transport {

struct VirtualBusOptions {
    runtime::Duration delay{0};   // delivery latency
    double loss = 0.0;            // probability that a delivery to one endpoint is lost
    std::uint64_t seed = 1;
};

class VirtualBus {
public:
    VirtualBus(runtime::EventLoop& loop, std::string name, VirtualBusOptions options = {});
    ~VirtualBus();
    VirtualBus(const VirtualBus&) = delete;
    VirtualBus& operator=(const VirtualBus&) = delete;

    // A new endpoint (a node on the bus), named after the bus.
    std::unique_ptr<CanTransport> connect();
    const std::string& name() const;
    // Takes the whole bus down (every endpoint sees BusState::down, sends fail) or up again.
    void set_up(bool up);
    void set_options(const VirtualBusOptions& options);
    std::uint64_t frames_carried() const;

    struct Core;

private:
    std::shared_ptr<Core> core_;
};

}  // namespace ystpcs::transport
