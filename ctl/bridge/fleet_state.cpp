#include "bridge/fleet_state.h"

#include <cmath>

#include "protocol/frames.h"

namespace ystpcs::bridge {

namespace {

// Every value property of org.ystpcs.pcs1.Module that a module reports, and the text
// properties with the number each describes: from the protocol table, as the daemon's are.
struct ReportedProperties {
    std::set<std::string> values;
    std::map<std::string, std::string> texts;  // text property -> its number's property
};

const ReportedProperties& reported_properties() {
    static const ReportedProperties table = [] {
        ReportedProperties t;
        for (const auto& frame : protocol::kFrames) {
            if (frame.direction != protocol::Direction::from_pcs) continue;
            for (const auto& sig : frame.signals) {
                if (sig.property.empty()) continue;
                t.values.emplace(sig.property);
                if (!sig.text_property.empty()) t.texts.emplace(std::string(sig.text_property), std::string(sig.property));
            }
        }
        return t;
    }();
    return table;
}

// Derived by the daemon from what the module reported: as stale as their source.
const std::map<std::string, std::string>& module_derived() {
    static const std::map<std::string, std::string> derived{{"PowerStageActive", "RunningState"},
                                                            {"FaultAction", "FaultCode"}};
    return derived;
}

bool is_nan(const json& v) { return v.is_number_float() && std::isnan(v.get<double>()); }

}  // namespace

PropertyKind property_kind(const std::string& property) {
    const auto& t = reported_properties();
    if (t.values.count(property) || t.texts.count(property)) return PropertyKind::reported;
    if (module_derived().count(property)) return PropertyKind::module_derived;
    return PropertyKind::daemon;
}

std::optional<std::string> described_property(const std::string& text_property) {
    const auto& texts = reported_properties().texts;
    const auto it = texts.find(text_property);
    if (it == texts.end()) return std::nullopt;
    return it->second;
}

std::string ModuleState::name() const { return ref_.interface + "/" + std::to_string(ref_.address); }
std::string ModuleState::instance() const { return ref_.interface + "_" + std::to_string(ref_.address); }

std::vector<std::string> ModuleState::update(const std::map<std::string, json>& props, bool carried_by_signal) {
    std::vector<std::string> changed;
    for (const auto& [name, v] : props) {
        const json before = value(name);
        props_[name] = v;
        if (carried_by_signal && reported_properties().values.count(name)) reported_.insert(name);
        if (value(name) != before) changed.push_back(name);
    }
    // The link decides whether every module value is valid: they all change with it.
    if (props.count("Connected")) {
        for (const auto& [name, v] : props_)
            if (property_kind(name) != PropertyKind::daemon && !props.count(name)) changed.push_back(name);
    }
    return changed;
}

std::vector<std::string> ModuleState::mark_reported(const std::set<std::string>& names) {
    std::vector<std::string> changed;
    for (const auto& name : names) {
        if (!reported_properties().values.count(name) || reported_.count(name)) continue;
        reported_.insert(name);
        changed.push_back(name);
        for (const auto& [text, number] : reported_properties().texts)
            if (number == name) changed.push_back(text);
        for (const auto& [derived, source] : module_derived())
            if (source == name) changed.push_back(derived);
    }
    return changed;
}

bool ModuleState::connected() const {
    const auto* c = raw("Connected");
    return c && c->is_boolean() && c->get<bool>();
}

const json* ModuleState::raw(const std::string& property) const {
    const auto it = props_.find(property);
    return it == props_.end() ? nullptr : &it->second;
}

bool ModuleState::reported(const std::string& property) const {
    if (reported_.count(property)) return true;
    if (const auto number = described_property(property)) return reported_.count(*number) > 0;
    const auto it = module_derived().find(property);
    return it != module_derived().end() && reported_.count(it->second) > 0;
}

json ModuleState::value(const std::string& property) const {
    const json* v = raw(property);
    if (!v || is_nan(*v)) return nullptr;
    if (property_kind(property) != PropertyKind::daemon) return reported(property) && connected() ? *v : json(nullptr);
    // The daemon's own properties say "not known" with an empty text, 0 or an empty map.
    if (v->is_string() && v->get<std::string>().empty()) return nullptr;
    if ((property == "LastSeen" || property == "WorkingModeCode") && v->is_number() && v->get<double>() == 0) return nullptr;
    if (property == "WorkingModeParameters" && !text("WorkingMode")) return nullptr;
    return *v;
}

std::optional<double> ModuleState::number(const std::string& property) const {
    const json v = value(property);
    if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
    if (!v.is_number()) return std::nullopt;
    return v.get<double>();
}

std::optional<std::string> ModuleState::text(const std::string& property) const {
    const json v = value(property);
    if (!v.is_string()) return std::nullopt;
    return v.get<std::string>();
}

void FleetState::set_daemon_up(bool up) {
    daemon_up_ = up;
    if (!up) {
        modules_.clear();
        manager_.clear();
    }
}

ModuleState* FleetState::module(const std::string& path) {
    const auto it = modules_.find(path);
    return it == modules_.end() ? nullptr : &it->second;
}

const ModuleState* FleetState::module(const std::string& path) const {
    const auto it = modules_.find(path);
    return it == modules_.end() ? nullptr : &it->second;
}

const ModuleState* FleetState::module_by_instance(const std::string& instance) const {
    for (const auto& [path, m] : modules_)
        if (m.instance() == instance) return &m;
    return nullptr;
}

ModuleState& FleetState::add_module(const std::string& path, const dbus::ModuleRef& ref) {
    return modules_.try_emplace(path, path, ref).first->second;
}

void FleetState::remove_module(const std::string& path) { modules_.erase(path); }

std::vector<std::string> FleetState::update_manager(const std::map<std::string, json>& props) {
    std::vector<std::string> changed;
    for (const auto& [name, v] : props) {
        auto& slot = manager_[name];
        if (slot != v) {
            slot = v;
            changed.push_back(name);
        }
    }
    return changed;
}

}  // namespace ystpcs::bridge
