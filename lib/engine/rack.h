// Every CAN interface and every module the daemon serves: routes received frames to their
// module (discovering new ones), counts what is not PCS traffic, sends each module its
// heartbeat every period and watches the links. The D-Bus layer observes it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/commanded_state.h"
#include "engine/engine_options.h"
#include "engine/heartbeat_scheduler.h"
#include "engine/module.h"
#include "transport/can_transport.h"

namespace ystpcs::engine {

struct InterfaceCounters {
    std::uint64_t not_pcs = 0;             // standard ids, remote/error frames, foreign addresses
    std::uint64_t other_controller = 0;    // frames a controller other than this daemon sent to a PCS
    std::uint64_t undiscovered = 0;        // from a PCS that is not served (discovery off)
};

class RackObserver {
public:
    virtual ~RackObserver() = default;
    virtual void module_added(Module&) {}
    virtual void module_removed(Module&) {}
    virtual void module_changed(Module&, const ModuleChange&) {}
    virtual void interface_changed(transport::CanTransport&) {}
    // After each heartbeat round (every period).
    virtual void tick(runtime::Instant) {}
    // Every frame on an interface: received (outgoing = false) or sent by the daemon.
    virtual void frame(transport::CanTransport&, const protocol::CanFrame&, runtime::WallTime, bool /*outgoing*/) {}
};

class Rack {
public:
    Rack(runtime::EventLoop& loop, EngineOptions options, CommandedStateStore& store);
    ~Rack();
    Rack(const Rack&) = delete;
    Rack& operator=(const Rack&) = delete;

    void attach(transport::CanTransport& transport);
    Module& add_module(transport::CanTransport& transport, std::uint8_t address, bool configured);
    bool remove_module(const std::string& key);
    Module* find(const std::string& key);
    Module* find(const std::string& interface, std::uint8_t address);
    std::vector<Module*> modules() const;
    std::vector<transport::CanTransport*> transports() const;
    const InterfaceCounters& interface_counters(const transport::CanTransport& t) const;

    void add_observer(RackObserver* observer);
    void remove_observer(RackObserver* observer);

    void start_heartbeat() { heartbeat_.start(); }
    // One round to every module now, outside the schedule: at start-up, before work that
    // takes a while on a slow machine (the D-Bus connection), so that the modules hear from
    // this controller as soon as it runs. The schedule starts with start_heartbeat().
    void send_heartbeats_now() { send_heartbeats(loop_.now()); }
    void stop_heartbeat() { heartbeat_.stop(); }
    const HeartbeatStats& heartbeat_stats() const { return heartbeat_.stats(); }
    // Sends one heartbeat to `module` now, outside the schedule (emergency stop).
    void send_heartbeat_now(Module& module);

    const EngineOptions& options() const { return options_; }
    // New timings and discovery apply at once (modules read the rack's options), and a
    // module's external-device data policy where it changed for that module; a new heartbeat
    // period needs a restart.
    void set_options(const EngineOptions& options);
    runtime::EventLoop& loop() { return loop_; }
    CommandedStateStore& store() { return store_; }

private:
    void on_frame(transport::CanTransport& t, const transport::ReceivedFrame& rx);
    void on_tick(runtime::Instant due);
    void send_heartbeats(runtime::Instant now);

    runtime::EventLoop& loop_;
    EngineOptions options_;
    CommandedStateStore& store_;
    HeartbeatScheduler heartbeat_;
    std::vector<transport::CanTransport*> transports_;
    std::map<const transport::CanTransport*, InterfaceCounters> counters_;
    std::vector<std::unique_ptr<Module>> modules_;
    std::vector<RackObserver*> observers_;
};

}  // namespace ystpcs::engine
