// What the bridge knows of the daemon and its modules, as read over D-Bus: every property by
// its D-Bus name, as JSON. Pure (no I/O): the D-Bus reader fills it, the metrics and the MQTT
// publisher read it, and the validity rules live here once.
//
// A value is valid — published as a number on MQTT, exposed as a metric — only when the module
// has reported it (GetValues lists it, or a PropertiesChanged carried it), it is not NaN, and
// the module's link is up: a value kept from before the link was lost is stale and shows as
// `null` / no sample, never as a number that looks live.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dbus/names.h"

namespace ystpcs::bridge {

using json = nlohmann::json;

// How a property's validity is judged.
enum class PropertyKind {
    reported,        // a value from the module's frames (the protocol table), or its text
    module_derived,  // derived by the daemon from a reported value (PowerStageActive, FaultAction)
    daemon,          // the daemon's own (link, counters, what it commanded): valid while known
};
PropertyKind property_kind(const std::string& property);
// For a text property ("RunningStateName"), the number it describes ("RunningState").
std::optional<std::string> described_property(const std::string& text_property);

class ModuleState {
public:
    ModuleState(std::string path, dbus::ModuleRef ref) : path_(std::move(path)), ref_(std::move(ref)) {}

    const std::string& path() const { return path_; }
    const dbus::ModuleRef& ref() const { return ref_; }
    std::string name() const;      // "can0/250"
    std::string instance() const;  // "can0_250": one MQTT topic level

    // Merges properties; returns the names whose value changed. `carried_by_signal`: each
    // value property in `props` has now been reported (PropertiesChanged carries only values
    // that changed, hence came from a frame).
    std::vector<std::string> update(const std::map<std::string, json>& props, bool carried_by_signal);
    // The value properties GetValues lists: reported at least once. Returns the names that
    // became valid because of it.
    std::vector<std::string> mark_reported(const std::set<std::string>& names);

    bool connected() const;
    const std::map<std::string, json>& properties() const { return props_; }
    const json* raw(const std::string& property) const;
    // The value if valid, else null (see the file comment).
    json value(const std::string& property) const;
    // A valid number, or nothing.
    std::optional<double> number(const std::string& property) const;
    // A valid string, or nothing.
    std::optional<std::string> text(const std::string& property) const;

private:
    bool reported(const std::string& property) const;
    std::string path_;
    dbus::ModuleRef ref_;
    std::map<std::string, json> props_;
    std::set<std::string> reported_;
};

class FleetState {
public:
    // Whether org.ystpcs.pcs1 has an owner whose objects were read. Down: nothing is known.
    bool daemon_up() const { return daemon_up_; }
    void set_daemon_up(bool up);

    ModuleState* module(const std::string& path);
    const ModuleState* module(const std::string& path) const;
    // By MQTT instance ("can0_250").
    const ModuleState* module_by_instance(const std::string& instance) const;
    ModuleState& add_module(const std::string& path, const dbus::ModuleRef& ref);
    void remove_module(const std::string& path);
    const std::map<std::string, ModuleState>& modules() const { return modules_; }

    // The Manager's properties (Version, Interfaces, Heartbeat, StateFileError, Modules).
    std::vector<std::string> update_manager(const std::map<std::string, json>& props);
    const std::map<std::string, json>& manager() const { return manager_; }

private:
    bool daemon_up_ = false;
    std::map<std::string, ModuleState> modules_;
    std::map<std::string, json> manager_;
};

}  // namespace ystpcs::bridge
