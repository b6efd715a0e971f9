// The bridge's D-Bus side: a client of org.ystpcs.pcs1 like pcsctl, on the bridge's one
// sd-event loop. Nothing here waits for a reply: every call is asynchronous, answered on the
// loop. Three match rules, installed once at start, bring every change:
//   - NameOwnerChanged of org.ystpcs.pcs1: the daemon came or went (a restart re-reads all);
//   - PropertiesChanged under /org/ystpcs/pcs1 (the daemon batches them, 200 ms per module);
//   - InterfacesAdded/Removed of the ObjectManager: modules that appear or go.
// Signals count only when they come from the name's current owner (any local client could
// send a signal with the daemon's path). Properties without change signals (Counters,
// LastSeen, Manager.Heartbeat, Manager.Interfaces) are read every poll interval.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bridge/fleet_state.h"
#include "runtime/event_loop.h"

namespace ystpcs::bridge {

class FleetObserver {
public:
    virtual ~FleetObserver() = default;
    virtual void daemon_changed(bool up) = 0;
    // Once its first GetValues answered (which of its values the module has reported).
    virtual void module_added(const ModuleState& module) = 0;
    virtual void module_changed(const ModuleState& module, const std::vector<std::string>& properties) = 0;
    // Before the module leaves the state.
    virtual void module_removed(const ModuleState& module) = 0;
    virtual void manager_changed(const std::vector<std::string>& properties) = 0;
};

// How a method call ended: ok, or the D-Bus error's name and message.
struct CallOutcome {
    bool ok = true;
    std::string error_name;
    std::string error_message;
};

class FleetReader {
public:
    FleetReader(runtime::EventLoop& loop, sdbus::IConnection& connection, runtime::Duration poll_interval);
    ~FleetReader();
    FleetReader(const FleetReader&) = delete;
    FleetReader& operator=(const FleetReader&) = delete;

    void add_observer(FleetObserver& observer) { observers_.push_back(&observer); }
    // Installs the match rules and asks who owns the name.
    void start();
    const FleetState& state() const { return state_; }

    // Module methods, answered once through `done` on the loop (also when the daemon went away:
    // then with the D-Bus error sd-bus reports).
    using Done = std::function<void(const CallOutcome&)>;
    void start_module(const std::string& path, Done done);
    void stop_module(const std::string& path, Done done);
    void set_mode(const std::string& path, const std::string& mode, const std::map<std::string, double>& params, Done done);

private:
    void on_name_owner_changed(sdbus::Message& msg);
    void on_properties_changed(sdbus::Message& msg);
    void on_object_manager_signal(sdbus::Message& msg);
    void owner_is(const std::string& owner);
    void enumerate();
    void add_module(const std::string& path, const std::map<std::string, sdbus::Variant>& props);
    void read_values(const std::string& path, bool announce);
    void remove_module(const std::string& path);
    void poll();
    void module_changed(const ModuleState& m, const std::vector<std::string>& names);
    bool from_owner(const sdbus::Message& msg) const;
    sdbus::IProxy& proxy(const std::string& path);
    void call_module(const std::string& path, const std::string& method, Done done,
                     const std::function<void(sdbus::MethodCall&)>& arguments);

    runtime::EventLoop& loop_;
    sdbus::IConnection& connection_;
    runtime::Duration poll_interval_;
    std::vector<FleetObserver*> observers_;
    FleetState state_;
    std::string owner_;           // unique name of org.ystpcs.pcs1's owner; empty: none
    std::uint64_t generation_ = 0;  // replies to an older owner's objects are dropped
    int polls_outstanding_ = 0;
    std::unique_ptr<runtime::Timer> poll_timer_;
    std::vector<sdbus::Slot> matches_;
    // Last: destroyed first, which cancels the calls still waiting (their handlers never run).
    std::map<std::string, std::unique_ptr<sdbus::IProxy>> proxies_;
};

}  // namespace ystpcs::bridge
