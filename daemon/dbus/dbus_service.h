// ystpcsd on D-Bus: the connection (on the daemon's sd-event loop), the name
// org.ystpcs.pcs1, the manager object, one object per module (appearing and disappearing
// with InterfacesAdded/InterfacesRemoved), PropertiesChanged batched per interval, and the
// frame streams.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/IConnection.h>

#include "daemon/dbus/authorizer.h"
#include "daemon/dbus/frame_streams.h"
#include "daemon/dbus/manager_object.h"
#include "daemon/dbus/module_object.h"
#include "daemon/dbus/profile_object.h"
#include "runtime/sdbus_event_bridge.h"
#include "daemon/dbus/service_context.h"
#include "runtime/sd_event_loop.h"

namespace ystpcs::dbus {

struct BusConfig {
    std::string bus = "system";   // "system" or "session"
    std::string address;          // a bus address instead (tests, demos)
    std::string control_group = "ystpcs";
    runtime::Duration properties_interval = std::chrono::milliseconds(200);
    std::string version;
};

class DbusService final : public engine::RackObserver {
public:
    DbusService(runtime::SdEventLoop& loop, engine::Rack& rack, engine::Operations& ops, engine::ModuleRecorder& recorder,
                profile::ProfileRuns* runs = nullptr);
    ~DbusService() override;

    // Connects, exports the objects, then takes the well-known name (so that clients who see
    // the name find the objects). Errors name the bus and the reason.
    Result<void> start(const BusConfig& config);
    void reconfigure(const BusConfig& config);  // control group, interval
    bool connected() const { return connection_ != nullptr; }

    void module_added(engine::Module& m) override;
    void module_removed(engine::Module& m) override;
    void module_changed(engine::Module& m, const engine::ModuleChange& change) override;
    void interface_changed(transport::CanTransport& t) override;
    // PropertiesChanged goes out right after a heartbeat round, never just before one.
    void tick(runtime::Instant due) override;

private:
    void connection_failed(const std::string& why);
    void profile_added(profile::ProfileRun& run);
    void profile_changed(profile::ProfileRun& run, bool structural);

    runtime::SdEventLoop& loop_;
    engine::Rack& rack_;
    engine::Operations& ops_;
    engine::ModuleRecorder& recorder_;
    profile::ProfileRuns* runs_;
    BusConfig config_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<runtime::SdbusEventBridge> bridge_;
    std::unique_ptr<Authorizer> authorizer_;
    std::unique_ptr<ServiceContext> context_;
    std::unique_ptr<FrameStreams> streams_;
    std::unique_ptr<ManagerObject> manager_;
    std::map<engine::Module*, std::unique_ptr<ModuleObject>> modules_;
    std::map<std::string, std::unique_ptr<ProfileObject>> profiles_;
    runtime::Instant next_flush_{};
};

}  // namespace ystpcs::dbus
