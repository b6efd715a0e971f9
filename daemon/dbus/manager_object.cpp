#include "daemon/dbus/manager_object.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon/dbus/variants.h"
#include "profile/profile.h"
#include "dbus/names.h"
#include "engine/value_history.h"
#include "protocol/modes.h"
#include "protocol/protection_limits.h"

namespace ystpcs::dbus {

using ManagerIface = org::ystpcs::pcs1::Manager_adaptor;

ManagerObject::ManagerObject(sdbus::IConnection& connection, ServiceContext& context, FrameStreams& streams,
                             std::string version)
    : AdaptorInterfaces(connection, kManagerPath), context_(context), streams_(streams), version_(std::move(version)) {
    registerAdaptor();
}

ManagerObject::~ManagerObject() {
    *alive_ = false;
    unregisterAdaptor();
}

void ManagerObject::modules_changed() {
    try {
        emitPropertiesChangedSignal(ManagerIface::INTERFACE_NAME, {"Modules"});
    } catch (const std::exception& e) {
        spdlog::warn("cannot emit PropertiesChanged(Modules): {}", e.what());
    }
}

void ManagerObject::interfaces_changed() {
    try {
        emitPropertiesChangedSignal(ManagerIface::INTERFACE_NAME, {"Interfaces"});
    } catch (const std::exception& e) {
        spdlog::warn("cannot emit PropertiesChanged(Interfaces): {}", e.what());
    }
}

std::string ManagerObject::Version() { return version_; }

void ManagerObject::profiles_changed() {
    try {
        emitPropertiesChangedSignal(ManagerIface::INTERFACE_NAME, {"Profiles"});
    } catch (const std::exception& e) {
        spdlog::warn("cannot emit PropertiesChanged(Profiles): {}", e.what());
    }
}

std::vector<sdbus::ObjectPath> ManagerObject::Profiles() {
    std::vector<sdbus::ObjectPath> out;
    if (context_.runs)
        for (const auto* r : context_.runs->runs()) out.emplace_back(profile_run_path(r->id()));
    return out;
}

void ManagerObject::ValidateProfile(sdbus::Result<std::string>&& result, std::string text) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        const auto p = profile::parse_profile(text);
        if (!p) return answer_error(r, to_dbus_error(p.error()));
        const nlohmann::json summary{{"name", p->name}, {"sha256", p->hash}, {"steps", profile::step_count(p->steps)}};
        answer(r, summary.dump());
    });
}

void ManagerObject::StartProfile(sdbus::Result<sdbus::ObjectPath>&& result, sdbus::ObjectPath module, std::string text) {
    auto r = share(std::move(result));
    control(r, "StartProfile", [this, r, module, text] {
        if (!context_.runs) return answer_error(r, invalid_argument("this ystpcsd runs no profiles"));
        const auto ref = parse_module_path(module);
        if (!ref) return answer_error(r, invalid_argument("no module at " + std::string(module)));
        context_.runs->start(ref->interface + "/" + std::to_string(ref->address), text,
                             [r](ystpcs::Result<std::string> id) {
                                 if (!id) return answer_error(r, to_dbus_error(id.error()));
                                 answer(r, sdbus::ObjectPath(profile_run_path(id.value())));
                             });
    });
}

std::string ManagerObject::StateFileError() {
    const auto& e = context_.rack.store().last_write_error();
    return e ? e->message : "";
}

void ManagerObject::state_file_checked() {
    const std::string now = StateFileError();
    if (now == state_file_error_) return;
    state_file_error_ = now;
    try {
        emitPropertiesChangedSignal(ManagerIface::INTERFACE_NAME, {"StateFileError"});
    } catch (const std::exception& e) {
        spdlog::warn("cannot emit PropertiesChanged(StateFileError): {}", e.what());
    }
}

std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, uint64_t>>> ManagerObject::Interfaces() {
    std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, uint64_t>>> out;
    for (const auto* t : context_.rack.transports()) {
        const auto c = t->counters();
        const auto& i = context_.rack.interface_counters(*t);
        out.emplace_back(t->name(), std::string(transport::to_string(t->state())),
                         std::map<std::string, uint64_t>{{"rx", c.rx_frames},
                                                         {"tx", c.tx_frames},
                                                         {"tx_queued", c.tx_queued},
                                                         {"tx_dropped", c.tx_dropped},
                                                         {"tx_withdrawn", c.tx_withdrawn},
                                                         {"rx_overflow", c.rx_overflow},
                                                         {"error_frames", c.error_frames},
                                                         {"bus_off", c.bus_off},
                                                         {"reopened", c.reopened},
                                                         {"not_pcs", i.not_pcs},
                                                         {"other_controller", i.other_controller},
                                                         {"undiscovered", i.undiscovered}});
    }
    return out;
}

std::vector<sdbus::ObjectPath> ManagerObject::Modules() {
    std::vector<sdbus::ObjectPath> out;
    for (const auto* m : context_.rack.modules()) out.emplace_back(module_path(m->id().interface, m->id().address));
    return out;
}

std::map<std::string, uint64_t> ManagerObject::Heartbeat() {
    const auto& h = context_.rack.heartbeat_stats();
    auto us = [](runtime::Duration d) {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    };
    return {{"ticks", h.ticks},
            {"skipped", h.skipped},
            {"max_lateness_us", us(h.max_lateness)},
            {"p50_lateness_us", us(h.lateness_percentile(0.5))},
            {"p99_lateness_us", us(h.lateness_percentile(0.99))}};
}

std::vector<sdbus::Struct<std::string, std::string,
                          std::vector<sdbus::Struct<std::string, std::string, std::string, double, double, std::string>>>>
ManagerObject::Modes() {
    std::vector<sdbus::Struct<std::string, std::string,
                              std::vector<sdbus::Struct<std::string, std::string, std::string, double, double, std::string>>>>
        out;
    for (const auto& mode : protocol::kModes) {
        std::vector<sdbus::Struct<std::string, std::string, std::string, double, double, std::string>> params;
        for (const auto& p : mode.params)
            params.emplace_back(std::string(p.name), std::string(p.title), std::string(p.unit), p.range.min, p.range.max,
                                std::string(protocol::limit_rule_name(p.limit)));
        out.emplace_back(std::string(mode.name), std::string(mode.title), std::move(params));
    }
    return out;
}

std::vector<sdbus::Struct<std::string, std::string>> ManagerObject::HistorySignals() {
    std::vector<sdbus::Struct<std::string, std::string>> out;
    for (const auto& s : engine::kHistorySignals)
        out.emplace_back(std::string(s.property), std::string(protocol::find_frame(s.ref.pf)->signals[s.ref.index].unit));
    return out;
}

std::vector<sdbus::Struct<std::string, std::string, std::string>> ManagerObject::ValueProperties() {
    std::vector<sdbus::Struct<std::string, std::string, std::string>> out;
    for (const auto& f : protocol::kFrames)
        for (const auto& s : f.signals) {
            if (s.property.empty()) continue;
            out.emplace_back(std::string(s.property), std::string(s.unit),
                             std::string(s.description.empty() ? f.title : s.description));
            if (!s.text_property.empty())
                out.emplace_back(std::string(s.text_property), "", "text of " + std::string(s.property));
        }
    return out;
}

void ManagerObject::GetCallerAccess(sdbus::Result<bool, std::string>&& result) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        const sdbus::Message* msg = getObject().getCurrentlyProcessedMessage();
        context_.authorizer.credentials(msg ? msg->getSender() : "", [this, alive = alive_, r](
                                                                         std::optional<CallerCredentials> c, std::string error) {
            if (!*alive) return;
            if (!c) return answer(r, false, error);
            const auto why = context_.authorizer.refusal(*c, "changing a module");
            answer(r, !why.has_value(), why.value_or(""));
        });
    });
}

template <class... T>
void ManagerObject::control(const SharedResult<T...>& r, const char* action, std::function<void()> go) {
    guarded(r, [&] {
        const sdbus::Message* msg = getObject().getCurrentlyProcessedMessage();
        context_.authorizer.authorize(msg ? msg->getSender() : "", action,
                                      [alive = alive_, r, go = std::move(go)](std::optional<std::string> denied) {
                                          if (denied) return answer_error(r, access_denied(*denied));
                                          if (!*alive) return;
                                          guarded(r, go);
                                      });
    });
}

void ManagerObject::EmergencyStopAll(sdbus::Result<>&& result) {
    auto r = share(std::move(result));
    control(r, "EmergencyStopAll", [this, r] { context_.ops.emergency_stop_all(reply_void(r)); });
}

void ManagerObject::BroadcastStop(sdbus::Result<>&& result, std::string interface) {
    auto r = share(std::move(result));
    const sdbus::Message* msg = getObject().getCurrentlyProcessedMessage();
    const std::string sender = msg ? msg->getSender() : "";
    control(r, "BroadcastStop", [this, r, interface, sender] {
        for (auto* t : context_.rack.transports())
            if (t->name() == interface) {
                note_broadcast_stop(interface, sender);
                return context_.ops.broadcast_stop(*t, reply_void(r));
            }
        answer_error(r, invalid_argument("ystpcsd does not serve an interface '" + interface + "'"));
    });
}

// Who stopped the modules on `interface`, for their StopReason: "uid 1000 (broadcast stop on can0)"
// (the credentials are cached since the call was authorised), else the caller's bus name.
void ManagerObject::note_broadcast_stop(const std::string& interface, const std::string& sender) {
    auto note = [this, interface](const std::string& who) {
        for (auto* m : context_.rack.modules())
            if (m->id().interface == interface) m->note_stop_request(who + " (broadcast stop on " + interface + ")");
    };
    note(sender);
    context_.authorizer.credentials(sender, [alive = alive_, note](std::optional<CallerCredentials> c, const std::string&) {
        if (*alive && c) note("uid " + std::to_string(c->uid));
    });
}

namespace {

FrameFilter frame_filter(const std::map<std::string, sdbus::Variant>& filters) {
    FrameFilter f;
    for (const auto& [key, value] : filters) {
        const std::string t = value.peekValueType();
        if (key == "interface" && t == "s") {
            f.interface = value.get<std::string>();
        } else if (key == "address") {
            const auto n = number_of(value);
            if (!n || *n < 1 || *n > 254 || *n != static_cast<int>(*n))
                throw invalid_argument("filter address must be a PCS address 1-254");
            f.address = static_cast<std::uint8_t>(*n);
        } else if (key == "pfs" && t == "ay") {
            for (auto p : value.get<std::vector<std::uint8_t>>()) f.pfs.insert(p);
        } else if (key == "direction" && t == "s") {
            const auto d = value.get<std::string>();
            if (d == "rx") f.tx = false;
            else if (d == "tx") f.rx = false;
            else if (d != "both") throw invalid_argument("filter direction must be \"rx\", \"tx\" or \"both\"");
        } else {
            throw invalid_argument("unknown or mistyped filter '" + key + "' (" + t +
                                   "); known: interface s, address y, pfs ay, direction s");
        }
    }
    return f;
}

}  // namespace

void ManagerObject::OpenFrameStream(sdbus::Result<sdbus::UnixFd>&& result, std::map<std::string, sdbus::Variant> filters) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        const FrameFilter f = frame_filter(filters);
        const sdbus::Message* msg = getObject().getCurrentlyProcessedMessage();
        // Who asks decides the limits: the credentials come from the bus, asynchronously.
        context_.authorizer.credentials(msg ? msg->getSender() : "", [this, alive = alive_, r, f](
                                                                         std::optional<CallerCredentials> c, std::string error) {
            if (!*alive) return;
            if (!c) return answer_error(r, to_dbus_error(make_error(ErrorKind::io, error)));
            auto fd = streams_.open(f, c->uid, context_.authorizer.privileged(*c));
            if (!fd) return answer_error(r, to_dbus_error(fd.error()));
            guarded(r, [&] { answer(r, sdbus::UnixFd(fd.value(), sdbus::adopt_fd)); });
        });
    });
}

void ManagerObject::ForgetModule(sdbus::Result<>&& result, sdbus::ObjectPath module) {
    auto r = share(std::move(result));
    control(r, "ForgetModule", [this, r, module] {
        const auto ref = parse_module_path(module);
        if (!ref) return answer_error(r, invalid_argument("no module at " + std::string(module)));
        context_.ops.forget(ref->interface + "/" + std::to_string(ref->address), reply_void(r));
    });
}

}  // namespace ystpcs::dbus
