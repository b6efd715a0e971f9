// ystpcsd's top level: builds transports, the rack and the simulated modules from the
// configuration, runs them on one sd-event loop, and handles the process's life: signals,
// reload, the orderly shutdown, systemd notification.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "daemon/dbus/dbus_service.h"
#include "daemon/systemd_status.h"
#include "engine/operations.h"
#include "engine/rack.h"
#include "engine/shutdown_sequence.h"
#include "profile/runs.h"
#include "runtime/line_channel.h"
#include "runtime/sd_event_loop.h"
#include "sim/simulated_rack.h"
#include "transport/virtual_bus.h"

namespace ystpcs::daemon {

class Daemon {
public:
    // `config_path` empty: no file (reload has nothing to re-read).
    Daemon(Config config, std::string config_path, Overrides overrides);
    ~Daemon();

    // Sets everything up; errors are fatal start-up problems (named, for the log).
    Result<void> start();
    int run();  // until the shutdown sequence ends; returns the exit status

    runtime::SdEventLoop& loop() { return loop_; }
    engine::Rack& rack() { return *rack_; }
    engine::Operations& operations() { return *ops_; }
    const Config& config() const { return config_; }
    // Begins the orderly shutdown (SIGTERM): see docs/architecture.md.
    void begin_shutdown();
    bool shutting_down() const { return shutting_down_; }

private:
    Result<void> open_state_store();
    void open_profiles();
    dbus::BusConfig bus_config() const;
    void setup_signals();
    void reload();
    void drop_module(const std::string& key);
    void dump_state();

    Config config_;
    std::string config_path_;
    Overrides overrides_;
    runtime::SdEventLoop loop_;
    std::unique_ptr<engine::CommandedStateStore> store_;
    std::string state_dir_;  // empty: nothing persisted
    std::unique_ptr<engine::Rack> rack_;
    std::unique_ptr<engine::Operations> ops_;
    std::unique_ptr<engine::ModuleRecorder> recorder_;  // each module's history and events
    std::unique_ptr<engine::DiscoveryReads> discovery_;
    std::unique_ptr<profile::ProfileRuns> profiles_;
    std::unique_ptr<dbus::DbusService> dbus_;
    std::unique_ptr<SystemdStatus> systemd_status_;
    std::vector<std::unique_ptr<transport::CanTransport>> transports_;
    std::unique_ptr<transport::VirtualBus> sim_bus_;
    std::unique_ptr<transport::CanTransport> sim_endpoint_;       // the daemon's node on the virtual bus
    std::unique_ptr<transport::CanTransport> simulated_bus_node_;  // the simulated modules' node
    std::unique_ptr<sim::SimulatedRack> simulated_;
    std::unique_ptr<runtime::LineChannelServer> simulation_control_;
    std::function<void(int)> signal_handler_;
    bool shutting_down_ = false;
    std::unique_ptr<engine::ShutdownSequence> shutdown_;
};

}  // namespace ystpcs::daemon
