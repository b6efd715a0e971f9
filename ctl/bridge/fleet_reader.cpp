#include "bridge/fleet_reader.h"

#include <set>

#include <spdlog/spdlog.h>

#include "bridge/dbus_values.h"
#include "dbus/names.h"
#include "runtime/sd_event_loop.h"

namespace ystpcs::bridge {

namespace {

constexpr const char* kBusName = "org.freedesktop.DBus";
constexpr const char* kBusPath = "/org/freedesktop/DBus";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr const char* kObjectManager = "org.freedesktop.DBus.ObjectManager";
// Reads are answered from the daemon's memory; control methods wait for the PCS (a start may
// wait up to 10 s for the self-check, then 3 s for the running state).
constexpr auto kReadTimeout = std::chrono::seconds(10);
constexpr auto kControlTimeout = std::chrono::seconds(60);

using Interfaces = std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>>;

}  // namespace

FleetReader::FleetReader(runtime::EventLoop& loop, sdbus::IConnection& connection, runtime::Duration poll_interval)
    : loop_(loop), connection_(connection), poll_interval_(poll_interval) {
    poll_timer_ = loop_.create_timer([this] {
        poll();
        const auto next = poll_timer_->deadline() + poll_interval_;
        poll_timer_->arm(next > loop_.now() ? next : loop_.now() + poll_interval_);
    });
}

FleetReader::~FleetReader() = default;

void FleetReader::start() {
    // AddMatch is a synchronous round trip to the bus daemon: done here, before the loop runs,
    // never from it.
    matches_.push_back(connection_.addMatch(
        std::string("type='signal',sender='") + kBusName + "',path='" + kBusPath + "',interface='" + kBusName +
            "',member='NameOwnerChanged',arg0='" + dbus::kServiceName + "'",
        [this](sdbus::Message& m) { runtime::run_guarded("NameOwnerChanged", [&] { on_name_owner_changed(m); }); }));
    matches_.push_back(connection_.addMatch(std::string("type='signal',interface='") + kProperties +
                                                "',member='PropertiesChanged',path_namespace='" + dbus::kManagerPath + "'",
                                            [this](sdbus::Message& m) { runtime::run_guarded("PropertiesChanged", [&] { on_properties_changed(m); }); }));
    matches_.push_back(connection_.addMatch(
        std::string("type='signal',interface='") + kObjectManager + "',path='" + dbus::kManagerPath + "'",
        [this](sdbus::Message& m) { runtime::run_guarded("ObjectManager signal", [&] { on_object_manager_signal(m); }); }));

    proxy(kBusPath)
        .callMethodAsync("GetNameOwner")
        .onInterface(kBusName)
        .withTimeout(kReadTimeout)
        .withArguments(std::string(dbus::kServiceName))
        .uponReplyInvoke([this](const sdbus::Error* e, const std::string& owner) {
            runtime::run_guarded("GetNameOwner", [&] {
                if (e) {
                    spdlog::warn("ystpcsd is not on the bus ({}); waiting for it", e->getMessage());
                    for (auto* o : observers_) o->daemon_changed(false);
                    return;
                }
                if (owner_.empty()) owner_is(owner);
            });
        });
    poll_timer_->arm(loop_.now() + poll_interval_);
}

bool FleetReader::from_owner(const sdbus::Message& msg) const { return !owner_.empty() && msg.getSender() == owner_; }

void FleetReader::on_name_owner_changed(sdbus::Message& msg) {
    std::string name, old_owner, new_owner;
    msg >> name >> old_owner >> new_owner;
    if (name != dbus::kServiceName) return;
    if (!owner_.empty()) {
        spdlog::info("ystpcsd left the bus");
        owner_.clear();
        ++generation_;
        for (const auto& [path, m] : state_.modules())
            for (auto* o : observers_) o->module_removed(m);
        state_.set_daemon_up(false);
        for (auto* o : observers_) o->daemon_changed(false);
    }
    if (!new_owner.empty()) owner_is(new_owner);
}

void FleetReader::owner_is(const std::string& owner) {
    owner_ = owner;
    ++generation_;
    polls_outstanding_ = 0;  // the older owner's replies no longer count
    spdlog::info("ystpcsd is on the bus as {}; reading its modules", owner);
    enumerate();
}

void FleetReader::enumerate() {
    const auto generation = generation_;
    proxy(dbus::kManagerPath)
        .callMethodAsync("GetManagedObjects")
        .onInterface(kObjectManager)
        .withTimeout(kReadTimeout)
        .uponReplyInvoke([this, generation](const sdbus::Error* e, const Interfaces& objects) {
            runtime::run_guarded("GetManagedObjects", [&] {
                if (generation != generation_) return;
                if (e) {
                    spdlog::error("cannot read ystpcsd's modules: {}", e->getMessage());
                    return;
                }
                state_.set_daemon_up(true);
                for (auto* o : observers_) o->daemon_changed(true);
                for (const auto& [path, interfaces] : objects) {
                    const auto it = interfaces.find(dbus::kModuleInterface);
                    if (it != interfaces.end()) add_module(path, it->second);
                }
                poll();
            });
        });
}

void FleetReader::add_module(const std::string& path, const std::map<std::string, sdbus::Variant>& props) {
    const auto ref = dbus::parse_module_path(path);
    if (!ref) return;
    const bool known = state_.module(path) != nullptr;
    auto& m = state_.add_module(path, *ref);
    const auto changed = m.update(to_json(props), false);
    if (known) module_changed(m, changed);
    // A new module is announced once GetValues said which of its values are real: never a
    // burst of nulls that are only "not asked yet".
    read_values(path, !known);
}

void FleetReader::read_values(const std::string& path, bool announce) {
    const auto generation = generation_;
    proxy(path)
        .callMethodAsync("GetValues")
        .onInterface(dbus::kModuleInterface)
        .withTimeout(kReadTimeout)
        .uponReplyInvoke([this, generation, path, announce](const sdbus::Error* e,
                                                            const std::map<std::string, sdbus::Struct<sdbus::Variant, std::uint64_t>>& values) {
            runtime::run_guarded("GetValues", [&] {
                auto* m = state_.module(path);
                if (generation != generation_ || !m) return;
                std::vector<std::string> changed;
                if (e) {
                    spdlog::warn("{}: GetValues: {}", path, e->getMessage());
                } else {
                    std::set<std::string> names;
                    for (const auto& [name, v] : values) names.insert(name);
                    changed = m->mark_reported(names);
                }
                if (announce)
                    for (auto* o : observers_) o->module_added(*m);
                else
                    module_changed(*m, changed);
            });
        });
}

void FleetReader::remove_module(const std::string& path) {
    const auto* m = state_.module(path);
    if (!m) return;
    for (auto* o : observers_) o->module_removed(*m);
    state_.remove_module(path);
}

void FleetReader::module_changed(const ModuleState& m, const std::vector<std::string>& names) {
    if (names.empty()) return;
    for (auto* o : observers_) o->module_changed(m, names);
}

void FleetReader::on_properties_changed(sdbus::Message& msg) {
    if (!from_owner(msg)) return;
    std::string interface;
    std::map<std::string, sdbus::Variant> changed;
    std::vector<std::string> invalidated;
    msg >> interface >> changed >> invalidated;
    const std::string path = msg.getPath();
    if (interface == dbus::kModuleInterface) {
        if (auto* m = state_.module(path)) module_changed(*m, m->update(to_json(changed), true));
    } else if (interface == dbus::kManagerInterface && path == dbus::kManagerPath) {
        const auto names = state_.update_manager(to_json(changed));
        if (!names.empty())
            for (auto* o : observers_) o->manager_changed(names);
    }
}

void FleetReader::on_object_manager_signal(sdbus::Message& msg) {
    if (!from_owner(msg) || !state_.daemon_up()) return;
    sdbus::ObjectPath path;
    if (msg.getMemberName() == "InterfacesAdded") {
        std::map<std::string, std::map<std::string, sdbus::Variant>> interfaces;
        msg >> path >> interfaces;
        const auto it = interfaces.find(dbus::kModuleInterface);
        if (it != interfaces.end()) add_module(path, it->second);
    } else if (msg.getMemberName() == "InterfacesRemoved") {
        std::vector<std::string> interfaces;
        msg >> path >> interfaces;
        for (const auto& i : interfaces)
            if (i == dbus::kModuleInterface) remove_module(path);
    }
}

void FleetReader::poll() {
    // One round at a time: a daemon that answers slowly is not sent a growing pile of reads.
    if (!state_.daemon_up() || polls_outstanding_ > 0) return;
    const auto generation = generation_;
    auto read_all = [this, generation](const std::string& path, const char* interface) {
        ++polls_outstanding_;
        proxy(path)
            .callMethodAsync("GetAll")
            .onInterface(kProperties)
            .withTimeout(kReadTimeout)
            .withArguments(std::string(interface))
            .uponReplyInvoke([this, generation, path](const sdbus::Error* e, const std::map<std::string, sdbus::Variant>& props) {
                runtime::run_guarded("GetAll", [&] {
                    if (generation != generation_) return;
                    --polls_outstanding_;
                    if (e) {
                        spdlog::debug("{}: GetAll: {}", path, e->getMessage());
                        return;
                    }
                    if (path == dbus::kManagerPath) {
                        const auto names = state_.update_manager(to_json(props));
                        if (!names.empty())
                            for (auto* o : observers_) o->manager_changed(names);
                    } else if (auto* m = state_.module(path)) {
                        module_changed(*m, m->update(to_json(props), false));
                    }
                });
            });
    };
    read_all(dbus::kManagerPath, dbus::kManagerInterface);
    for (const auto& [path, m] : state_.modules()) read_all(path, dbus::kModuleInterface);
}

sdbus::IProxy& FleetReader::proxy(const std::string& path) {
    auto& p = proxies_[path];
    if (!p) p = sdbus::createProxy(connection_, path == kBusPath ? kBusName : dbus::kServiceName, path);
    return *p;
}

void FleetReader::call_module(const std::string& path, const std::string& method, Done done,
                              const std::function<void(sdbus::MethodCall&)>& arguments) {
    auto& p = proxy(path);
    auto call = p.createMethodCall(dbus::kModuleInterface, method);
    arguments(call);
    p.callMethod(
        call,
        [done = std::move(done), path, method](sdbus::MethodReply&, const sdbus::Error* e) {
            runtime::run_guarded(method.c_str(), [&] {
                CallOutcome outcome;
                if (e) outcome = {false, e->getName(), e->getMessage()};
                done(outcome);
            });
        },
        std::chrono::duration_cast<std::chrono::microseconds>(kControlTimeout).count());
}

void FleetReader::start_module(const std::string& path, Done done) {
    call_module(path, "Start", std::move(done), [](sdbus::MethodCall&) {});
}

void FleetReader::stop_module(const std::string& path, Done done) {
    call_module(path, "Stop", std::move(done), [](sdbus::MethodCall&) {});
}

void FleetReader::set_mode(const std::string& path, const std::string& mode, const std::map<std::string, double>& params,
                           Done done) {
    call_module(path, "SetMode", std::move(done), [&](sdbus::MethodCall& call) {
        // No options: never stop_first, never start — a set-point, nothing more.
        call << mode << params << std::map<std::string, sdbus::Variant>{};
    });
}

}  // namespace ystpcs::bridge
