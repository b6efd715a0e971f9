// pcsctl's side of the D-Bus API: the connection, module selection, the generated proxies,
// and turning D-Bus errors into one line on stderr and an exit status.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "manager-proxy.h"
#include "module-proxy.h"
#include "profile-proxy.h"
#include "pcsctl/command.h"

namespace ystpcs::ctl {

class ManagerProxy final : public sdbus::ProxyInterfaces<org::ystpcs::pcs1::Manager_proxy, sdbus::ObjectManager_proxy,
                                                         sdbus::Properties_proxy> {
public:
    ManagerProxy(sdbus::IConnection& connection);
    ~ManagerProxy();

private:
    void onInterfacesAdded(const sdbus::ObjectPath&, const std::map<std::string, std::map<std::string, sdbus::Variant>>&) override {}
    void onInterfacesRemoved(const sdbus::ObjectPath&, const std::vector<std::string>&) override {}
    void onPropertiesChanged(const std::string&, const std::map<std::string, sdbus::Variant>&,
                             const std::vector<std::string>&) override {}
};

class ModuleProxy final : public sdbus::ProxyInterfaces<org::ystpcs::pcs1::Module_proxy, sdbus::Properties_proxy> {
public:
    ModuleProxy(sdbus::IConnection& connection, std::string path);
    ~ModuleProxy();
    const std::string& path() const { return path_; }
    std::string name() const;  // "can0/250"
    std::map<std::string, sdbus::Variant> properties() { return GetAll(org::ystpcs::pcs1::Module_proxy::INTERFACE_NAME); }

    // Signals, for monitor.
    std::function<void(const std::map<std::string, sdbus::Variant>&)> on_properties;
    std::function<void(std::uint32_t, const std::string&)> on_state;
    std::function<void(std::uint16_t, const std::string&)> on_fault;
    std::function<void(std::uint64_t, std::uint64_t, const std::string&, const std::string&)> on_event;

private:
    void onFaultRaised(const uint16_t& code, const std::string& text) override;
    void onFaultCleared() override;
    void onStateChanged(const uint8_t& state, const std::string& name) override;
    void onEvent(const uint64_t& sequence, const uint64_t& time_us, const std::string& kind, const std::string& text) override;
    void onPropertiesChanged(const std::string& interface, const std::map<std::string, sdbus::Variant>& changed,
                             const std::vector<std::string>& invalidated) override;
    std::string path_;
};

class ProfileProxy final : public sdbus::ProxyInterfaces<org::ystpcs::pcs1::Profile_proxy, sdbus::Properties_proxy> {
public:
    ProfileProxy(sdbus::IConnection& connection, std::string path);
    ~ProfileProxy();
    std::map<std::string, sdbus::Variant> properties() { return GetAll(org::ystpcs::pcs1::Profile_proxy::INTERFACE_NAME); }

private:
    void onPropertiesChanged(const std::string&, const std::map<std::string, sdbus::Variant>&,
                             const std::vector<std::string>&) override {}
};

// Thrown by commands for a failure with a given exit status; main prints `message`.
struct CommandFailure {
    int exit_code;
    std::string message;
};

class Client {
public:
    explicit Client(const GlobalOptions& options);
    sdbus::IConnection& connection() { return *connection_; }
    ManagerProxy& manager();
    // Every module's object path, sorted.
    std::vector<std::string> module_paths();
    // The module named by -m (or the only one); one only.
    std::unique_ptr<ModuleProxy> module();
    // -m's modules (repeatable, "all"); without -m every module.
    std::vector<std::unique_ptr<ModuleProxy>> modules_or_all();
    // -m's modules; without -m the only module served (several: an error asking for -m or -m all).
    std::vector<std::unique_ptr<ModuleProxy>> chosen_modules();
    // The object paths of the same choices.
    std::vector<std::string> chosen_paths(bool all_without_m);

private:
    std::string resolve(const std::vector<std::string>& paths, const std::string& spec);
    GlobalOptions options_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerProxy> manager_;
};

// Runs `fn`; D-Bus errors become CommandFailure with the right exit status and a message
// naming the cause (and the fix, where there is one).
template <class F>
auto call(const std::string& what, F&& fn) -> decltype(fn());

[[noreturn]] void fail_from(const std::string& what, const sdbus::Error& e);

template <class F>
auto call(const std::string& what, F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const sdbus::Error& e) {
        fail_from(what, e);
    }
}

}  // namespace ystpcs::ctl
