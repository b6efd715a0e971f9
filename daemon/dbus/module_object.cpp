#include "daemon/dbus/module_object.h"

#include <cmath>
#include <limits>

#include "daemon/dbus/arguments.h"
#include "dbus/value_types.h"
#include "daemon/dbus/method_result.h"
#include "daemon/dbus/variants.h"
#include "dbus/names.h"
#include "protocol/faults.h"
#include "protocol/heartbeat.h"
#include "protocol/protection_limits.h"
#include "protocol/running_states.h"
#include "protocol/setting_values.h"

namespace ystpcs::dbus {

using namespace protocol;
using ModuleIface = org::ystpcs::pcs1::Module_adaptor;

namespace {

std::uint64_t micros(runtime::WallTime t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}

std::string version_text(const std::optional<FirmwareVersion>& v, std::size_t first) {
    return v ? protocol::version_text(*v, first) : "";
}

std::string version_line(const std::optional<FirmwareVersion>& v) {
    return v ? "hardware " + version_text(v, 0) + ", software " + version_text(v, 3) : "";
}

std::int64_t micros_arg(uint64_t us) {
    return us > static_cast<uint64_t>(std::numeric_limits<std::int64_t>::max()) ? std::numeric_limits<std::int64_t>::max()
                                                                                  : static_cast<std::int64_t>(us);
}

std::string params_text(const std::map<std::string, double>& params) {
    std::string out;
    for (const auto& [name, value] : params)
        out += (out.empty() ? "" : ", ") + name + " " + format_number(value, 3);
    return out;
}

std::string names_of(const SettingDef* = nullptr) {
    std::string out;
    for (const auto& s : kSettings) out += (out.empty() ? "" : ", ") + std::string(s.name);
    return out;
}

}  // namespace

ModuleObject::ModuleObject(sdbus::IConnection& connection, ServiceContext& context, engine::Module& module)
    : AdaptorInterfaces(connection, module_path(module.id().interface, module.id().address)),
      context_(context),
      module_(module) {
    registerAdaptor();
    emitInterfacesAddedSignal({ModuleIface::INTERFACE_NAME});
}

ModuleObject::~ModuleObject() {
    *alive_ = false;
    try {
        emitInterfacesRemovedSignal({ModuleIface::INTERFACE_NAME});
    } catch (const std::exception& e) {
        spdlog::debug("InterfacesRemoved for {}: {}", module_.name(), e.what());
    }
    unregisterAdaptor();
}

// ---- change tracking ------------------------------------------------------------------------

namespace {

// The properties a change touches, named once per flush (not per frame: a frame that moves a
// value would otherwise build and look up strings every time).
std::set<std::string> changed_properties(const engine::ModuleChange& c) {
    std::set<std::string> names;
    const auto slots = engine::value_slots();
    for (std::size_t i = 0; i < slots.size(); ++i) {
        if (!c.values.test(i)) continue;
        if (!slots[i].signal->property.empty()) names.insert(std::string(slots[i].signal->property));
        if (!slots[i].signal->text_property.empty()) names.insert(std::string(slots[i].signal->text_property));
    }
    if (c.link) names.insert("Connected");
    if (c.state) names.insert("PowerStageActive");
    if (c.stop_reason) names.insert({"StopReason", "StopReasonText"});
    if (c.fault) names.insert("FaultAction");
    if (c.mode) names.insert({"WorkingMode", "WorkingModeCode", "WorkingModeParameters", "WorkingModeReported"});
    if (c.versions) names.insert({"ArmVersion", "DspVersion"});
    if (c.commanded) names.insert({"SelfStart", "CommandedStart"});
    if (c.health) names.insert("HeartbeatState");
    if (c.external_data)
        names.insert({"ExternalDataSource", "ExternalDataFallback", "ExternalDataMaxAge", "ExternalDataOrigin",
                      "ExternalDataWarnings"});
    if (c.external_data_values) names.insert({"ExternalDataVoltage", "ExternalDataCurrent"});
    if (c.limits) names.insert("SetpointLimits");
    return names;
}

}  // namespace

void ModuleObject::changed(const engine::ModuleChange& c) {
    pending_.merge(c);
    // Signals are not batched: a client waiting for a state or a fault hears it at once.
    try {
        if (c.state && module_.running_state()) {
            const auto s = *module_.running_state();
            emitStateChanged(s, std::string(running_state_name(s)));
        }
        if (c.fault && module_.fault_code()) {
            const auto f = *module_.fault_code();
            if (f != 0) emitFaultRaised(f, std::string(fault_info(f).meaning));
            else if (c.fault_cleared) emitFaultCleared();  // not for the first "no fault" heard
        }
    } catch (const std::exception& e) {
        spdlog::warn("{}: cannot emit a signal: {}", module_.name(), e.what());
    }
}

void ModuleObject::flush() {
    if (!pending_.any()) return;
    const std::set<std::string> changed = changed_properties(pending_);
    pending_ = {};
    if (changed.empty()) return;
    const std::vector<std::string> names(changed.begin(), changed.end());
    try {
        emitPropertiesChangedSignal(ModuleIface::INTERFACE_NAME, names);
    } catch (const std::exception& e) {
        spdlog::warn("{}: cannot emit PropertiesChanged: {}", module_.name(), e.what());
    }
}

void ModuleObject::event(const engine::ModuleEvent& e) {
    try {
        emitEvent(e.sequence, micros(e.time), e.kind, e.text);
    } catch (const std::exception& x) {
        spdlog::warn("{}: cannot emit an Event signal: {}", module_.name(), x.what());
    }
}

// ---- properties -----------------------------------------------------------------------------

std::string ModuleObject::Interface() { return module_.id().interface; }
uint8_t ModuleObject::Address() { return module_.id().address; }
bool ModuleObject::Configured() { return module_.configured(); }
bool ModuleObject::Connected() { return module_.connected(); }
uint64_t ModuleObject::LastSeen() { return module_.last_seen() ? micros(*module_.last_seen()) : 0; }
bool ModuleObject::PowerStageActive() {
    return module_.running_state() && power_stage_active(*module_.running_state());
}
std::string ModuleObject::StopReason() {
    const auto& r = module_.stop_reason();
    return r ? std::string(engine::stop_cause_name(r->cause)) : "";
}
std::string ModuleObject::StopReasonText() {
    const auto& r = module_.stop_reason();
    return r ? r->text : "";
}
std::string ModuleObject::FaultAction() {
    if (!module_.fault_code()) return "unknown";
    return std::string(fault_info(*module_.fault_code()).action);
}
std::string ModuleObject::WorkingMode() {
    const auto& m = module_.working_mode();
    const ModeDef* def = m ? find_mode(m->code) : nullptr;
    return def ? std::string(def->name) : "";
}
uint8_t ModuleObject::WorkingModeCode() { return module_.working_mode() ? module_.working_mode()->code : 0; }
std::map<std::string, double> ModuleObject::WorkingModeParameters() {
    std::map<std::string, double> out;
    const auto& m = module_.working_mode();
    const ModeDef* def = m ? find_mode(m->code) : nullptr;
    if (def)
        for (std::size_t i = 0; i < def->params.size(); ++i)
            out[std::string(def->params[i].name)] = mode_param_from_raw(def->params[i], m->raw[i]);
    return out;
}
bool ModuleObject::WorkingModeReported() { return module_.working_mode() && module_.working_mode()->reported; }
bool ModuleObject::SelfStart() { return module_.commanded().self_start.value_or(false); }
std::string ModuleObject::CommandedStart() {
    const auto s = module_.confirmed_start();
    return s ? (*s ? "start" : "stop") : "unknown";
}
uint8_t ModuleObject::HeartbeatState() { return static_cast<uint8_t>(module_.health()); }
std::string ModuleObject::ArmVersion() { return version_line(module_.versions().arm); }
std::string ModuleObject::DspVersion() { return version_line(module_.versions().dsp); }
std::map<std::string, uint64_t> ModuleObject::Counters() { return engine::named_counters(module_.counters()); }
std::string ModuleObject::ExternalDataSource() { return std::string(engine::to_string(module_.external_data().policy().source)); }
std::string ModuleObject::ExternalDataFallback() {
    return std::string(engine::to_string(module_.external_data().policy().fallback));
}
double ModuleObject::ExternalDataMaxAge() { return runtime::seconds(module_.external_data().policy().max_age); }
double ModuleObject::ExternalDataVoltage() {
    const auto& e = module_.external_data();
    return e.sent_any() ? e.sent().values.dc_voltage_v : std::numeric_limits<double>::quiet_NaN();
}
double ModuleObject::ExternalDataCurrent() {
    const auto& e = module_.external_data();
    return e.sent_any() ? e.sent().values.dc_current_a : std::numeric_limits<double>::quiet_NaN();
}
std::string ModuleObject::ExternalDataOrigin() {
    const auto& e = module_.external_data();
    return e.sent_any() ? std::string(engine::to_string(e.sent().origin)) : "";
}
std::vector<std::string> ModuleObject::ExternalDataWarnings() { return module_.external_data().warnings(); }
std::map<std::string, std::string> ModuleObject::SetpointLimits() {
    std::map<std::string, std::string> out;
    for (const auto rule : kLimitRules)
        if (auto text = setpoint_limit_text(rule, module_.limits())) out[std::string(limit_rule_name(rule))] = *text;
    return out;
}

double ModuleObject::value_double(std::uint8_t pf, std::uint8_t index) {
    const auto slot = engine::slot_index(pf, index);
    if (!slot || !module_.values().at(*slot).known) return std::numeric_limits<double>::quiet_NaN();
    return module_.values().at(*slot).value;
}

std::uint64_t ModuleObject::value_integer(std::uint8_t pf, std::uint8_t index) {
    const auto slot = engine::slot_index(pf, index);
    if (!slot || !module_.values().at(*slot).known) return 0;
    return static_cast<std::uint64_t>(module_.values().at(*slot).raw);
}

std::string ModuleObject::value_text(std::uint8_t pf, std::uint8_t index) {
    const auto slot = engine::slot_index(pf, index);
    if (!slot || !module_.values().at(*slot).known) return "unknown";
    const auto& s = engine::value_slots()[*slot];
    return s.signal->enumeration ? std::string(enum_text(*s.signal->enumeration, module_.values().at(*slot).raw)) : "";
}

// ---- methods --------------------------------------------------------------------------------

std::string ModuleObject::caller() {
    const sdbus::Message* msg = getObject().getCurrentlyProcessedMessage();
    return msg ? msg->getSender() : "";
}

template <class... T>
void ModuleObject::read(const SharedResult<T...>& r, std::function<void(const engine::Caller&)> go) {
    guarded(r, [&] {
        // Root and the control group are not held back by other users' reads: who asks comes
        // from the bus (cached per connection), asynchronously. Not knowing means unprivileged.
        const std::string sender = caller();
        context_.authorizer.credentials(sender, [this, alive = alive_, r, go = std::move(go), sender](
                                                    std::optional<CallerCredentials> c, const std::string&) {
            if (!*alive) return answer_error(r, to_dbus_error(make_error(ErrorKind::cancelled, "the module was removed")));
            const engine::Caller who{sender, c && context_.authorizer.privileged(*c)};
            guarded(r, [&] { go(who); });
        });
    });
}

template <class... T>
void ModuleObject::control(const SharedResult<T...>& r, const char* action, std::function<void()> go) {
    guarded(r, [&] {
        const std::string sender = caller();
        const std::string what = std::string(action) + " on " + module_.name();
        context_.authorizer.authorize(sender, what, [alive = alive_, r, go = std::move(go), what](std::optional<std::string> denied) {
            if (denied) return answer_error(r, access_denied(*denied));
            if (!*alive) return answer_error(r, to_dbus_error(make_error(ErrorKind::not_connected, "the module was removed")));
            guarded(r, go);
        });
    });
}

void ModuleObject::command(const SharedResult<>& r, const char* action, std::string details,
                           std::function<void(std::function<void(ystpcs::Result<void>)>)> go) {
    const std::string sender = caller();
    control(r, action, [this, alive = alive_, r, sender, what = std::string(action) + details, go = std::move(go)] {
        // Cached by the authorisation just made: answers at once. A uid, not a name: looking
        // a name up (NSS) may block the loop.
        std::string who = "unknown user";
        context_.authorizer.credentials(sender, [&who](std::optional<CallerCredentials> c, const std::string&) {
            if (c) who = "uid " + std::to_string(c->uid);
        });
        go([this, alive, r, what = what + " by " + who](ystpcs::Result<void> res) {
            if (*alive) {
                if (res) context_.recorder.record(module_, "command", what + ": done");
                else {
                    const auto e = to_dbus_error(res.error());
                    context_.recorder.record(module_, "command", what + ": failed, " + e.getName() + ": " + e.getMessage());
                }
            }
            reply_void(r)(std::move(res));
        });
    });
}

void ModuleObject::Start(sdbus::Result<>&& result) {
    auto r = share(std::move(result));
    command(r, "Start", "", [this](auto done) { context_.ops.start(module_, std::move(done)); });
}

void ModuleObject::Stop(sdbus::Result<>&& result) {
    auto r = share(std::move(result));
    command(r, "Stop", "", [this, sender = caller()](auto done) {
        note_stop_request(sender);
        context_.ops.stop(module_, std::move(done));
    });
}

// Who asked for a stop, for StopReason: "uid 1000" (the credentials are cached since the call
// was authorised), else the caller's bus name.
void ModuleObject::note_stop_request(const std::string& sender) {
    module_.note_stop_request(sender);
    context_.authorizer.credentials(sender, [this, alive = alive_](std::optional<CallerCredentials> c, const std::string&) {
        if (*alive && c) module_.note_stop_request("uid " + std::to_string(c->uid));
    });
}

void ModuleObject::ClearFaults(sdbus::Result<>&& result) {
    auto r = share(std::move(result));
    command(r, "ClearFaults", "", [this](auto done) { context_.ops.clear_faults(module_, std::move(done)); });
}

void ModuleObject::SetSelfStart(sdbus::Result<>&& result, bool enabled) {
    auto r = share(std::move(result));
    command(r, "SetSelfStart", enabled ? " on" : " off",
            [this, enabled](auto done) { context_.ops.set_self_start(module_, enabled, std::move(done)); });
}

void ModuleObject::SetMode(sdbus::Result<>&& result, std::string mode, std::map<std::string, double> params,
                           std::map<std::string, sdbus::Variant> options) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        auto request = mode_request(mode, params, options);
        if (!request) throw to_dbus_error(request.error());
        std::string details = " " + mode + " (" + params_text(params) + ")";
        for (const auto& [k, v] : options)
            if (v.peekValueType() == "b" && v.get<bool>()) details += " " + k;
        command(r, "SetMode", std::move(details), [this, q = request.value(), sender = caller()](auto done) {
            if (q.options.stop_first) note_stop_request(sender);
            context_.ops.set_mode(module_, *q.mode, q.values, q.options, std::move(done));
        });
    });
}

void ModuleObject::ReadWorkingMode(sdbus::Result<std::string, std::map<std::string, double>>&& result) {
    auto r = share(std::move(result));
    read(r, [this, r](const engine::Caller& who) {
        context_.ops.read_mode(module_, who, [r](ystpcs::Result<engine::WorkingMode> m) {
            if (!m) return answer_error(r, to_dbus_error(m.error()));
            const ModeDef* def = find_mode(m.value().code);
            std::map<std::string, double> params;
            if (def)
                for (std::size_t i = 0; i < def->params.size(); ++i)
                    params[std::string(def->params[i].name)] = mode_param_from_raw(def->params[i], m.value().raw[i]);
            answer(r, def ? std::string(def->name) : "unknown", params);
        });
    });
}

namespace {
std::map<std::string, double> limits_map(const ProtectionLimits& l) {
    std::map<std::string, double> out;
    auto put = [&out](std::uint8_t pf_code, const std::array<double, 4>& values) {
        const FrameDef* f = find_frame(pf_code);
        for (std::size_t i = 0; i < 4; ++i) out[std::string(f->signals[i].name)] = values[i];
    };
    if (l.set1) put(pf::protection_1, values_of(*l.set1));
    if (l.set2) put(pf::protection_2, values_of(*l.set2));
    if (l.set3) put(pf::protection_3, values_of(*l.set3));
    return out;
}
}  // namespace

void ModuleObject::ReadProtectionLimits(sdbus::Result<std::map<std::string, double>>&& result) {
    auto r = share(std::move(result));
    read(r, [this, r](const engine::Caller& who) {
        context_.ops.read_protection(module_, who, [r](ystpcs::Result<ProtectionLimits> l) {
            if (!l) return answer_error(r, to_dbus_error(l.error()));
            answer(r, limits_map(l.value()));
        });
    });
}

void ModuleObject::SetProtectionLimits(sdbus::Result<>&& result, std::map<std::string, double> limits) {
    auto r = share(std::move(result));
    if (auto valid = protection_request(limits); !valid) return answer_error(r, to_dbus_error(valid.error()));
    command(r, "SetProtectionLimits", " (" + params_text(limits) + ")", [this, limits](auto done) {
        context_.ops.write_protection(module_, limits, [done](ystpcs::Result<ProtectionLimits> l) {
            if (!l) return done(l.error());
            done({});
        });
    });
}

void ModuleObject::ReadSetting(sdbus::Result<sdbus::Variant>&& result, std::string name) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        const SettingDef* s = find_setting(std::string_view(name));
        if (s == nullptr) throw invalid_argument("unknown setting '" + name + "' (known: " + names_of() + ")");
        read(r, [this, r, s](const engine::Caller& who) {
            context_.ops.read_setting(module_, who, *s, [r, s](ystpcs::Result<engine::Replies> replies) {
                if (!replies) return answer_error(r, to_dbus_error(replies.error()));
                std::map<std::string, double> out;
                for (auto& v : setting_values(*s, replies.value())) out[std::move(v.key)] = v.value;
                answer(r, sdbus::Variant(out));
            });
        });
    });
}

void ModuleObject::WriteSetting(sdbus::Result<>&& result, std::string name, sdbus::Variant value) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        auto request = setting_request(name, value);
        if (!request) throw to_dbus_error(request.error());
        command(r, "WriteSetting", " " + name, [this, q = request.value()](auto done) {
            context_.ops.write_setting(module_, *q.setting, q.values, std::move(done));
        });
    });
}

void ModuleObject::SetClock(sdbus::Result<>&& result, uint64_t time) {
    auto r = share(std::move(result));
    auto clock = clock_request(time, context_.rack.loop().wall_now());
    if (!clock) return answer_error(r, to_dbus_error(clock.error()));
    command(r, "SetClock", "", [this, c = clock.value()](auto done) { context_.ops.set_clock(module_, c, std::move(done)); });
}

void ModuleObject::ReadVersions(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) {
    auto r = share(std::move(result));
    read(r, [this, r](const engine::Caller& who) {
        context_.ops.read_versions(module_, who, [r](ystpcs::Result<engine::FirmwareVersions> v) {
            if (!v) return answer_error(r, to_dbus_error(v.error()));
            std::map<std::string, sdbus::Variant> out;
            out["arm_hardware"] = sdbus::Variant(version_text(v.value().arm, 0));
            out["arm_software"] = sdbus::Variant(version_text(v.value().arm, 3));
            out["dsp_hardware"] = sdbus::Variant(version_text(v.value().dsp, 0));
            out["dsp_software"] = sdbus::Variant(version_text(v.value().dsp, 3));
            answer(r, out);
        });
    });
}

void ModuleObject::SetPhasePower(sdbus::Result<>&& result, std::string kind, double phase_a, double phase_b,
                                 double phase_c) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        if (kind != "active" && kind != "reactive") throw invalid_argument("kind must be \"active\" or \"reactive\"");
        const auto which = kind == "active" ? engine::PhasePower::active : engine::PhasePower::reactive;
        const std::array<double, 3> v{phase_a, phase_b, phase_c};
        command(r, "SetPhasePower", " " + kind, [this, which, v](auto done) {
            context_.ops.set_phase_power(module_, which, v, std::move(done));
        });
    });
}

void ModuleObject::EmergencyStop(sdbus::Result<>&& result) {
    auto r = share(std::move(result));
    command(r, "EmergencyStop", "", [this](auto done) { context_.ops.emergency_stop(module_, std::move(done)); });
}

// Not operations on the module's queue (engine/external_data.h): they change what the next
// heartbeat carries and answer at once, once the caller is authorised.
void ModuleObject::SetExternalDataSource(sdbus::Result<>&& result, std::string source,
                                         std::map<std::string, sdbus::Variant> options) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        // Checked before authorisation too: a malformed call is answered InvalidArgument by
        // anyone; the options left out are taken from the policy when it is applied.
        if (auto ok = external_data_request(source, options, module_.external_data().policy()); !ok)
            throw to_dbus_error(ok.error());
        control(r, "SetExternalDataSource", [this, r, source, options] {
            auto request = external_data_request(source, options, module_.external_data().policy());
            if (!request) return answer_error(r, to_dbus_error(request.error()));
            if (auto ok = module_.set_external_data_policy(request.value()); !ok)
                return answer_error(r, to_dbus_error(ok.error()));
            answer(r);
        });
    });
}

void ModuleObject::SetExternalData(sdbus::Result<>&& result, double voltage_v, double current_a) {
    auto r = share(std::move(result));
    const ExternalDeviceData values{voltage_v, current_a};
    if (auto ok = check_external_device_data(values); !ok) return answer_error(r, to_dbus_error(ok.error()));
    control(r, "SetExternalData", [this, r, values] {
        if (auto ok = module_.set_external_data_values(values); !ok) return answer_error(r, to_dbus_error(ok.error()));
        answer(r);
    });
}

// Each value with the type of its property (RunningState y, DcVoltage d), and the texts of
// the enumerations (RunningStateName, FaultText, ...) beside them.
std::map<std::string, sdbus::Struct<sdbus::Variant, uint64_t>> ModuleObject::GetValues() {
    std::map<std::string, sdbus::Struct<sdbus::Variant, uint64_t>> out;
    const auto slots = engine::value_slots();
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto& v = module_.values().at(i);
        const auto& sig = *slots[i].signal;
        if (!v.known || sig.property.empty()) continue;
        const auto at = micros(v.timestamp);
        switch (dbus_value_type(sig)) {
            case 'y': out[std::string(sig.property)] = {sdbus::Variant(static_cast<uint8_t>(v.raw)), at}; break;
            case 'q': out[std::string(sig.property)] = {sdbus::Variant(static_cast<uint16_t>(v.raw)), at}; break;
            case 'u': out[std::string(sig.property)] = {sdbus::Variant(static_cast<uint32_t>(v.raw)), at}; break;
            default: out[std::string(sig.property)] = {sdbus::Variant(v.value), at}; break;
        }
        if (!sig.text_property.empty() && sig.enumeration)
            out[std::string(sig.text_property)] = {sdbus::Variant(std::string(enum_text(*sig.enumeration, v.raw))), at};
    }
    return out;
}

// From the daemon's memory: no frame is sent, so not an operation on the module's queue.
std::tuple<std::vector<uint64_t>, std::map<std::string, std::vector<double>>> ModuleObject::ReadHistory(
    const std::vector<std::string>& signals, const uint64_t& from_us, const uint64_t& to_us) {
    std::vector<std::size_t> columns;
    if (signals.empty())
        for (std::size_t i = 0; i < engine::kHistoryWidth; ++i) columns.push_back(i);
    for (const auto& name : signals) {
        const auto i = engine::history_signal(name);
        if (!i) {
            std::string known;
            for (const auto& s : engine::kHistorySignals) known += (known.empty() ? "" : ", ") + std::string(s.property);
            throw invalid_argument("the history keeps no signal '" + name + "' (kept: " + known + ")");
        }
        columns.push_back(*i);
    }
    if (to_us != 0 && to_us < from_us) throw invalid_argument("to_us lies before from_us");
    const auto* history = context_.recorder.history(module_);
    std::vector<uint64_t> times;
    std::map<std::string, std::vector<double>> out;
    if (history == nullptr) return {times, out};
    auto slice = history->read(micros_arg(from_us), to_us == 0 ? std::numeric_limits<std::int64_t>::max() : micros_arg(to_us),
                               columns);
    times.reserve(slice.times_us.size());
    for (auto t : slice.times_us) times.push_back(t < 0 ? 0 : static_cast<uint64_t>(t));
    for (std::size_t c = 0; c < columns.size(); ++c)
        out[std::string(engine::kHistorySignals[columns[c]].property)] = std::move(slice.columns[c]);
    return {times, out};
}

std::vector<sdbus::Struct<uint64_t, uint64_t, std::string, std::string>> ModuleObject::ReadEvents(const uint64_t& after) {
    std::vector<sdbus::Struct<uint64_t, uint64_t, std::string, std::string>> out;
    if (const auto* journal = context_.recorder.journal(module_))
        for (const auto& e : journal->since(after)) out.emplace_back(e.sequence, micros(e.time), e.kind, e.text);
    return out;
}

}  // namespace ystpcs::dbus
