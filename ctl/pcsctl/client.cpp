#include "pcsctl/client.h"

#include <algorithm>

#include "dbus/names.h"
#include "pcsctl/exit_codes.h"

namespace ystpcs::ctl {

int exit_code_for_error(const std::string& name) {
    const std::string prefix = dbus::kErrorPrefix;
    if (name == prefix + "InvalidArgument" || name == prefix + "OutOfRange") return exit_usage;
    if (name == prefix + "Interlock") return exit_interlock;
    if (name == prefix + "Timeout") return exit_timeout;
    if (name == prefix + "Rejected") return exit_rejected;
    if (name == prefix + "NotConnected" || name == prefix + "Busy" || name == prefix + "Cancelled" ||
        name == prefix + "LimitsExceeded")
        return exit_not_connected;
    if (name == dbus::kAccessDenied) return exit_denied;
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
        name == "org.freedesktop.DBus.Error.Disconnected" || name == "org.freedesktop.DBus.Error.FileNotFound" ||
        name == "org.freedesktop.DBus.Error.NoServer" || name == "org.freedesktop.DBus.Error.UnknownObject")
        return exit_unreachable;
    if (name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Timeout") return exit_timeout;
    return exit_failure;
}

[[noreturn]] void fail_from(const std::string& what, const sdbus::Error& e) {
    const int code = exit_code_for_error(e.getName());
    std::string msg = what + ": " + e.getMessage();
    if (code == exit_unreachable && e.getName() != "org.freedesktop.DBus.Error.UnknownObject")
        msg = what + ": ystpcsd is not reachable (" + e.getMessage() +
              "); is it running? (systemctl status ystpcsd, or --bus/--bus-address for another bus)";
    else if (code == exit_denied)
        msg = what + ": access denied: " + e.getMessage();
    throw CommandFailure{code, msg};
}

ManagerProxy::ManagerProxy(sdbus::IConnection& connection)
    : ProxyInterfaces(connection, dbus::kServiceName, dbus::kManagerPath) {
    registerProxy();
}
ManagerProxy::~ManagerProxy() { unregisterProxy(); }

ModuleProxy::ModuleProxy(sdbus::IConnection& connection, std::string path)
    : ProxyInterfaces(connection, dbus::kServiceName, path), path_(std::move(path)) {
    registerProxy();
}
ModuleProxy::~ModuleProxy() { unregisterProxy(); }

ProfileProxy::ProfileProxy(sdbus::IConnection& connection, std::string path)
    : ProxyInterfaces(connection, dbus::kServiceName, path) {
    registerProxy();
}
ProfileProxy::~ProfileProxy() { unregisterProxy(); }

std::string ModuleProxy::name() const {
    const auto ref = dbus::parse_module_path(path_);
    return ref ? ref->interface + "/" + std::to_string(ref->address) : path_;
}

void ModuleProxy::onFaultRaised(const uint16_t& code, const std::string& text) {
    if (on_fault) on_fault(code, text);
}
void ModuleProxy::onFaultCleared() {
    if (on_fault) on_fault(0, "no fault");
}
void ModuleProxy::onStateChanged(const uint32_t& state, const std::string& name) {
    if (on_state) on_state(state, name);
}
void ModuleProxy::onPropertiesChanged(const std::string& interface, const std::map<std::string, sdbus::Variant>& changed,
                                      const std::vector<std::string>&) {
    if (interface == org::ystpcs::pcs1::Module_proxy::INTERFACE_NAME && on_properties) on_properties(changed);
}

Client::Client(const GlobalOptions& options) : options_(options) {
    const std::string which = !options.bus_address.empty() ? "the bus at " + options.bus_address : "the " + options.bus + " bus";
    try {
        if (!options.bus_address.empty()) connection_ = sdbus::createSessionBusConnectionWithAddress(options.bus_address);
        else if (options.bus == "session") connection_ = sdbus::createSessionBusConnection();
        else connection_ = sdbus::createSystemBusConnection();
        connection_->setMethodCallTimeout(static_cast<std::uint64_t>(options.timeout_s * 1e6));
    } catch (const sdbus::Error& e) {
        throw CommandFailure{exit_unreachable, "cannot connect to " + which + ": " + e.getMessage()};
    }
}

ManagerProxy& Client::manager() {
    if (!manager_) manager_ = std::make_unique<ManagerProxy>(*connection_);
    return *manager_;
}

std::vector<std::string> Client::module_paths() {
    auto paths = call("list modules", [&] { return manager().Modules(); });
    std::vector<std::string> out(paths.begin(), paths.end());
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        const auto ra = dbus::parse_module_path(a), rb = dbus::parse_module_path(b);
        if (!ra || !rb) return a < b;
        return std::tie(ra->interface, ra->address) < std::tie(rb->interface, rb->address);
    });
    return out;
}

namespace {
std::string names(const std::vector<std::string>& paths) {
    std::string out;
    for (const auto& p : paths) {
        const auto r = dbus::parse_module_path(p);
        out += (out.empty() ? "" : ", ") + (r ? r->interface + "/" + std::to_string(r->address) : p);
    }
    return out.empty() ? "none" : out;
}
}  // namespace

std::unique_ptr<ModuleProxy> Client::module() {
    const auto paths = module_paths();
    if (options_.module.empty()) {
        if (paths.size() == 1) return std::make_unique<ModuleProxy>(*connection_, paths.front());
        if (paths.empty()) throw CommandFailure{exit_not_connected, "ystpcsd serves no module yet"};
        throw CommandFailure{exit_usage, "several modules are served; choose one with -m (" + names(paths) + ")"};
    }
    const auto slash = options_.module.find('/');
    for (const auto& p : paths) {
        const auto r = dbus::parse_module_path(p);
        if (!r) continue;
        if (slash != std::string::npos) {
            if (options_.module == r->interface + "/" + std::to_string(r->address))
                return std::make_unique<ModuleProxy>(*connection_, p);
        }
    }
    if (slash == std::string::npos) {
        std::vector<std::string> found;
        for (const auto& p : paths) {
            const auto r = dbus::parse_module_path(p);
            if (r && std::to_string(r->address) == options_.module) found.push_back(p);
        }
        if (found.size() == 1) return std::make_unique<ModuleProxy>(*connection_, found.front());
        if (found.size() > 1)
            throw CommandFailure{exit_usage, "address " + options_.module + " is on several interfaces; use -m IFACE/ADDRESS (" +
                                                 names(found) + ")"};
    }
    throw CommandFailure{exit_usage, "no module '" + options_.module + "' (served: " + names(paths) + ")"};
}

std::vector<std::unique_ptr<ModuleProxy>> Client::modules_or_all() {
    std::vector<std::unique_ptr<ModuleProxy>> out;
    if (!options_.module.empty()) {
        out.push_back(module());
        return out;
    }
    for (const auto& p : module_paths()) out.push_back(std::make_unique<ModuleProxy>(*connection_, p));
    return out;
}

}  // namespace ystpcs::ctl
