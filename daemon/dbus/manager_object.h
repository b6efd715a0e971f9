// /org/ystpcs/pcs1: org.freedesktop.DBus.ObjectManager and org.ystpcs.pcs1.Manager.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include "daemon/dbus/frame_streams.h"
#include "daemon/dbus/method_result.h"
#include "daemon/dbus/service_context.h"
#include "manager-adaptor.h"

namespace ystpcs::dbus {

class ManagerObject final : public sdbus::AdaptorInterfaces<org::ystpcs::pcs1::Manager_adaptor, sdbus::ObjectManager_adaptor,
                                                            sdbus::Properties_adaptor> {
public:
    ManagerObject(sdbus::IConnection& connection, ServiceContext& context, FrameStreams& streams, std::string version);
    ~ManagerObject();
    void modules_changed();
    void interfaces_changed();
    // The commanded-state file may have failed or recovered: PropertiesChanged if so.
    void state_file_checked();
    void profiles_changed();

private:
    std::string Version() override;
    std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, uint64_t>>> Interfaces() override;
    std::vector<sdbus::ObjectPath> Modules() override;
    std::map<std::string, uint64_t> Heartbeat() override;
    std::string StateFileError() override;
    std::vector<sdbus::Struct<std::string, std::string,
                              std::vector<sdbus::Struct<std::string, std::string, std::string, double, double, std::string>>>>
    Modes() override;
    std::vector<sdbus::Struct<std::string, std::string>> HistorySignals() override;
    std::vector<sdbus::Struct<std::string, std::string, std::string>> ValueProperties() override;
    void GetCallerAccess(sdbus::Result<bool, std::string>&& result) override;
    std::vector<sdbus::ObjectPath> Profiles() override;
    void ValidateProfile(sdbus::Result<std::string>&& result, std::string profile) override;
    void StartProfile(sdbus::Result<sdbus::ObjectPath>&& result, sdbus::ObjectPath module, std::string profile) override;
    void EmergencyStopAll(sdbus::Result<>&& result) override;
    void BroadcastStop(sdbus::Result<>&& result, std::string interface) override;
    void OpenFrameStream(sdbus::Result<sdbus::UnixFd>&& result, std::map<std::string, sdbus::Variant> filters) override;
    void ForgetModule(sdbus::Result<>&& result, sdbus::ObjectPath module) override;

    template <class... T>
    void control(const SharedResult<T...>& r, const char* action, std::function<void()> go);
    void note_broadcast_stop(const std::string& interface, const std::string& sender);

    ServiceContext& context_;
    FrameStreams& streams_;
    std::string version_;
    std::string state_file_error_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::dbus
