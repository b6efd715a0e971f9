#include "daemon/dbus/dbus_service.h"

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "dbus/names.h"
#include "runtime/bus_connection.h"

namespace ystpcs::dbus {

DbusService::DbusService(runtime::SdEventLoop& loop, engine::Rack& rack, engine::Operations& ops,
                         engine::ModuleRecorder& recorder, profile::ProfileRuns* runs)
    : loop_(loop), rack_(rack), ops_(ops), recorder_(recorder), runs_(runs) {}

DbusService::~DbusService() {
    recorder_.set_listener(nullptr);
    rack_.remove_observer(this);
    if (runs_) runs_->on_added = nullptr, runs_->on_changed = nullptr;
    profiles_.clear();
    modules_.clear();
    manager_.reset();
    streams_.reset();
    context_.reset();
    authorizer_.reset();
    bridge_.reset();
    if (connection_) {
        try {
            connection_->releaseName(kServiceName);
        } catch (const std::exception&) {
        }
    }
    connection_.reset();
}

Result<void> DbusService::start(const BusConfig& config) {
    config_ = config;
    const std::string which = runtime::describe_bus(config.bus, config.address);
    try {
        connection_ = runtime::open_bus_connection(config.bus, config.address);
        bridge_ = std::make_unique<runtime::SdbusEventBridge>(loop_.native(), *connection_,
                                                              [this](const std::string& why) { connection_failed(why); });
        authorizer_ = std::make_unique<Authorizer>(*connection_, config.control_group);
        context_ = std::make_unique<ServiceContext>(ServiceContext{rack_, ops_, *authorizer_, recorder_, runs_});
        streams_ = std::make_unique<FrameStreams>(rack_);
        manager_ = std::make_unique<ManagerObject>(*connection_, *context_, *streams_, config.version);
        for (auto* m : rack_.modules()) modules_[m] = std::make_unique<ModuleObject>(*connection_, *context_, *m);
        if (runs_) {
            for (auto* r : runs_->runs()) profiles_[r->id()] = std::make_unique<ProfileObject>(*connection_, *context_, *r);
            runs_->on_added = [this](profile::ProfileRun& r) { profile_added(r); };
            runs_->on_changed = [this](profile::ProfileRun& r, bool structural) { profile_changed(r, structural); };
        }
        rack_.add_observer(this);
        recorder_.set_listener([this](engine::Module& m, const engine::ModuleEvent& e) {
            if (const auto it = modules_.find(&m); it != modules_.end()) it->second->event(e);
        });
        connection_->requestName(kServiceName);
    } catch (const sdbus::Error& e) {
        rack_.remove_observer(this);
        if (runs_) runs_->on_added = nullptr, runs_->on_changed = nullptr;
        profiles_.clear();
        modules_.clear();
        manager_.reset();
        streams_.reset();
        bridge_.reset();
        connection_.reset();
        std::string hint;
        if (e.getName() == "org.freedesktop.DBus.Error.AccessDenied")
            hint = " (is the bus policy dbus/org.ystpcs.pcs1.conf installed, and does ystpcsd run as root or user ystpcs?)";
        else if (e.getName() == "org.freedesktop.DBus.Error.FileExists" || e.getMessage().find("exists") != std::string::npos)
            hint = " (is another ystpcsd running?)";
        return make_error(ErrorKind::io, "D-Bus: cannot publish " + std::string(kServiceName) + " on " + which + ": " +
                                             e.getMessage() + hint);
    }
    next_flush_ = loop_.now();
    spdlog::info("D-Bus: {} published on {}", kServiceName, which);
    return {};
}

void DbusService::reconfigure(const BusConfig& config) {
    if (authorizer_ && config.control_group != config_.control_group) authorizer_->set_control_group(config.control_group);
    config_.control_group = config.control_group;
    config_.properties_interval = config.properties_interval;
}

void DbusService::connection_failed(const std::string& why) {
    // The engine and the heartbeat go on without D-Bus; systemd's watchdog and restart policy
    // are not involved, because the modules must keep their heartbeat.
    spdlog::error("D-Bus connection lost ({}); the modules keep their heartbeat, but the API is gone until "
                  "ystpcsd is restarted",
                  why);
}

void DbusService::profile_added(profile::ProfileRun& run) {
    if (!connection_) return;
    try {
        profiles_[run.id()] = std::make_unique<ProfileObject>(*connection_, *context_, run);
        manager_->profiles_changed();
    } catch (const std::exception& e) {
        spdlog::error("D-Bus: cannot export profile run {}: {}", run.id(), e.what());
    }
}

void DbusService::profile_changed(profile::ProfileRun& run, bool structural) {
    const auto it = profiles_.find(run.id());
    if (it != profiles_.end()) it->second->changed(structural);
}

void DbusService::module_added(engine::Module& m) {
    if (!connection_) return;
    try {
        modules_[&m] = std::make_unique<ModuleObject>(*connection_, *context_, m);
        manager_->modules_changed();
    } catch (const std::exception& e) {
        spdlog::error("D-Bus: cannot export {}: {}", m.name(), e.what());
    }
}

void DbusService::module_removed(engine::Module& m) {
    modules_.erase(&m);
    if (manager_) manager_->modules_changed();
}

void DbusService::module_changed(engine::Module& m, const engine::ModuleChange& change) {
    const auto it = modules_.find(&m);
    if (it != modules_.end()) it->second->changed(change);
    if (change.commanded && manager_) manager_->state_file_checked();
}

void DbusService::interface_changed(transport::CanTransport&) {
    if (manager_) manager_->interfaces_changed();
}

void DbusService::tick(runtime::Instant due) {
    // At most one PropertiesChanged per interval per module, for what changed in it. The
    // interval is counted in heartbeat rounds' deadlines (a 200 ms interval: every round).
    if (due < next_flush_) return;
    for (auto& [m, object] : modules_) object->flush();
    next_flush_ += config_.properties_interval;
    if (next_flush_ <= due) next_flush_ = due + config_.properties_interval;
}

}  // namespace ystpcs::dbus
