// Simulated PCS modules on a CAN transport: each model hears every frame of the bus and
// sends through it; one timer drives them all at their next deadlines. Used by pcs-sim (on
// SocketCAN) and by `ystpcsd --simulate N` (on the in-process virtual bus).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/event_loop.h"
#include "sim/pcs_model.h"
#include "transport/can_transport.h"

namespace ystpcs::sim {

class SimulatedRack {
public:
    SimulatedRack(runtime::EventLoop& loop, transport::CanTransport& transport);
    ~SimulatedRack();
    SimulatedRack(const SimulatedRack&) = delete;
    SimulatedRack& operator=(const SimulatedRack&) = delete;

    // Adds a module and powers it on.
    PcsModel& add(const PcsConfig& config);
    PcsModel* find(std::uint8_t address);
    std::vector<PcsModel*> modules();

    // Executes one control command (see control_commands.h); returns a JSON line.
    std::string execute(std::string_view command_line);

private:
    void on_frame(const protocol::CanFrame& frame);
    void run_due();
    void rearm();

    runtime::EventLoop& loop_;
    transport::CanTransport& transport_;
    std::vector<std::unique_ptr<PcsModel>> models_;
    std::unique_ptr<runtime::Timer> timer_;
};

}  // namespace ystpcs::sim
