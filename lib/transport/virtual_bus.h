// An in-process CAN bus: every frame one endpoint sends reaches every other endpoint, in
// order, after an optional delay and with an optional loss rate. `ystpcsd --simulate N`
// puts N simulated PCS and the daemon on one; tests use it with fake time. A test can stall
// one endpoint's transmit path, as a full kernel queue would: its frames then wait in the
// same per-class queues as SocketCanTransport's, with tickets, and can be withdrawn.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/event_loop.h"
#include "transport/can_transport.h"
#include "transport/tx_queue.h"

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
    // While stalled, `endpoint` (one connect() returned) hands nothing to the bus: send()
    // queues (SendStatus::queued, with a ticket) in class order, withdraw() removes a waiting
    // frame. Un-stalling sends what waits at once, highest class first, from within this call
    // (sent handlers run here; receivers get the frames from the loop, as always). Throws
    // std::invalid_argument when `endpoint` is not connected to this bus.
    void set_tx_stalled(CanTransport& endpoint, bool stalled);
    // How many frames wait in `endpoint`'s queue (0 unless it is stalled).
    std::size_t tx_waiting(const CanTransport& endpoint) const;
    // How many frames of each class a stalled endpoint keeps waiting (every endpoint, now and
    // later); one more is dropped and counted. Apart from VirtualBusOptions so that those stay
    // three positional values.
    void set_tx_queue_limits(const TxQueueLimits& limits);
    std::uint64_t frames_carried() const;

    struct Core;

private:
    std::shared_ptr<Core> core_;
};

}  // namespace ystpcs::transport
