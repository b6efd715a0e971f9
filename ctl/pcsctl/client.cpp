#include "pcsctl/client.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "dbus/names.h"
#include "pcsctl/exit_codes.h"
#include "runtime/bus_connection.h"

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

namespace {
// The daemon speaks D-Bus (its options, its methods); pcsctl's user knows the CLI's flags.
std::string in_cli_words(std::string message) {
    static const std::pair<const char*, const char*> kWords[] = {
        {"ask for stop_first", "use --stop-first"},
        {"for stop_first", "for --stop-first"},
        {"stop_first", "--stop-first"},
        {"pass a dictionary", "give FIELD=VALUE,FIELD=VALUE"},
        {"send clear-faults (0x0F byte 2 = 1, keeping bytes 1 and 3)", "pcsctl reset-faults"},
    };
    for (const auto& [from, to] : kWords)
        for (auto at = message.find(from); at != std::string::npos; at = message.find(from, at + std::strlen(to)))
            message.replace(at, std::strlen(from), to);
    return message;
}
}  // namespace

[[noreturn]] void fail_from(const std::string& what, const sdbus::Error& e) {
    const int code = exit_code_for_error(e.getName());
    std::string msg = what + ": " + in_cli_words(e.getMessage());
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
void ModuleProxy::onStateChanged(const uint8_t& state, const std::string& name) {
    if (on_state) on_state(state, name);
}
void ModuleProxy::onEvent(const uint64_t& sequence, const uint64_t& time_us, const std::string& kind,
                          const std::string& text) {
    if (on_event) on_event(sequence, time_us, kind, text);
}
void ModuleProxy::onPropertiesChanged(const std::string& interface, const std::map<std::string, sdbus::Variant>& changed,
                                      const std::vector<std::string>&) {
    if (interface == org::ystpcs::pcs1::Module_proxy::INTERFACE_NAME && on_properties) on_properties(changed);
}

namespace {
// What to do when no bus answers, in the CLI's words.
std::string connection_advice(const GlobalOptions& options) {
    if (!options.bus_address.empty())
        return "is a dbus-daemon listening there? (the address comes from --bus-address or PCSCTL_BUS)";
    if (options.bus == "session") {
        const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
        return std::string(address && *address ? "DBUS_SESSION_BUS_ADDRESS is " + std::string(address)
                                               : "this shell has no session bus (DBUS_SESSION_BUS_ADDRESS is not set)") +
               "; ystpcsd normally runs on the system bus: drop --bus session (or PCSCTL_BUS=session), or give "
               "--bus-address ADDRESS (PCSCTL_BUS=ADDRESS)";
    }
    return "is dbus running? (systemctl status dbus); for a daemon on another bus use --bus-address ADDRESS or "
           "PCSCTL_BUS=ADDRESS";
}
}  // namespace

Client::Client(const GlobalOptions& options) : options_(options) {
    const std::string which = runtime::describe_bus(options.bus, options.bus_address);
    try {
        connection_ = runtime::open_bus_connection(options.bus, options.bus_address);
        connection_->setMethodCallTimeout(static_cast<std::uint64_t>(options.timeout_s * 1e6));
    } catch (const sdbus::Error& e) {
        throw CommandFailure{exit_unreachable, "cannot connect to " + which + " (" + e.getMessage() + "): " +
                                                   connection_advice(options)};
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

std::string Client::resolve(const std::vector<std::string>& paths, const std::string& spec) {
    const bool qualified = spec.find('/') != std::string::npos;
    std::vector<std::string> found;
    for (const auto& p : paths) {
        const auto r = dbus::parse_module_path(p);
        if (!r) continue;
        if (qualified ? spec == r->interface + "/" + std::to_string(r->address) : spec == std::to_string(r->address))
            found.push_back(p);
    }
    if (found.size() == 1) return found.front();
    if (found.size() > 1)
        throw CommandFailure{exit_usage, "address " + spec + " is on several interfaces; use -m IFACE/ADDRESS (" +
                                             names(found) + ")"};
    throw CommandFailure{exit_usage, "no module '" + spec + "' (served: " + names(paths) + ")"};
}

std::vector<std::string> Client::chosen_paths(bool all_without_m) {
    const auto paths = module_paths();
    const auto& specs = options_.modules;
    const bool all = std::find(specs.begin(), specs.end(), "all") != specs.end();
    if (all || (specs.empty() && all_without_m)) {
        if (paths.empty()) throw CommandFailure{exit_not_connected, "ystpcsd serves no module yet"};
        return paths;
    }
    if (specs.empty()) {
        if (paths.size() == 1) return paths;
        if (paths.empty()) throw CommandFailure{exit_not_connected, "ystpcsd serves no module yet"};
        throw CommandFailure{exit_usage, "several modules are served; choose one with -m MODULE (several: -m A -m B; every one: -m all) (" +
                                             names(paths) + ")"};
    }
    std::vector<std::string> out;
    for (const auto& spec : specs) {
        const std::string p = resolve(paths, spec);
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
    return out;
}

std::unique_ptr<ModuleProxy> Client::module() {
    const auto& specs = options_.modules;
    if (specs.size() > 1 || (specs.size() == 1 && specs[0] == "all"))
        throw CommandFailure{exit_usage, "this command acts on one module: give a single -m MODULE"};
    return std::make_unique<ModuleProxy>(*connection_, chosen_paths(false).front());
}

std::vector<std::unique_ptr<ModuleProxy>> Client::modules_or_all() {
    std::vector<std::unique_ptr<ModuleProxy>> out;
    for (const auto& p : chosen_paths(true)) out.push_back(std::make_unique<ModuleProxy>(*connection_, p));
    return out;
}

std::vector<std::unique_ptr<ModuleProxy>> Client::chosen_modules() {
    std::vector<std::unique_ptr<ModuleProxy>> out;
    for (const auto& p : chosen_paths(false)) out.push_back(std::make_unique<ModuleProxy>(*connection_, p));
    return out;
}

}  // namespace ystpcs::ctl
