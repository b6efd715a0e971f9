#include "bridge/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "protocol/running_states.h"

namespace ystpcs::bridge {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The exposition, family by family: HELP and TYPE once, then every sample of the family
// together, as the format requires. Families without a sample are left out.
class Exposition {
public:
    void sample(const std::string& name, std::string_view type, std::string_view help, const Labels& labels, double value) {
        auto it = index_.find(name);
        if (it == index_.end()) {
            it = index_.emplace(name, families_.size()).first;
            families_.push_back({name, std::string(type), std::string(help), {}});
        }
        std::string line = name;
        if (!labels.empty()) {
            line += '{';
            for (std::size_t i = 0; i < labels.size(); ++i)
                line += (i ? "," : "") + labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
            line += '}';
        }
        families_[it->second].lines.push_back(line + ' ' + format_sample_value(value));
    }
    std::string text() const {
        std::string out;
        for (const auto& f : families_) {
            out += "# HELP " + f.name + ' ' + f.help + '\n';
            out += "# TYPE " + f.name + ' ' + f.type + '\n';
            for (const auto& l : f.lines) out += l + '\n';
        }
        return out;
    }

private:
    struct Family {
        std::string name, type, help;
        std::vector<std::string> lines;
    };
    std::vector<Family> families_;
    std::map<std::string, std::size_t> index_;
};

constexpr std::string_view gauge = "gauge", counter = "counter", summary = "summary";

Labels with(Labels labels, std::string key, std::string value) {
    labels.emplace_back(std::move(key), std::move(value));
    return labels;
}

// Counters of Module.Counters and of each CAN interface: the daemon's key, the metric, its help.
struct CounterMetric {
    std::string_view key, name, help;
};
constexpr CounterMetric kModuleCounters[] = {
    {"rx", "ystpcs_module_frames_received_total", "Frames received from the module."},
    {"tx", "ystpcs_module_frames_sent_total", "Frames sent to the module (commands and heartbeats)."},
    {"heartbeats", "ystpcs_module_heartbeats_sent_total", "Heartbeat frames sent to the module."},
    {"decode_errors", "ystpcs_module_decode_errors_total", "Frames from the module that could not be decoded."},
    {"unknown_frames", "ystpcs_module_unknown_frames_total", "Frames from the module of no known kind."},
    {"replies", "ystpcs_module_command_replies_total", "Replies to commands."},
    {"late_replies", "ystpcs_module_command_late_replies_total", "Replies that came after their command had ended."},
    {"timeouts", "ystpcs_module_command_timeouts_total", "Commands without a reply in time."},
    {"retries", "ystpcs_module_command_retries_total", "Commands sent again after a timeout."},
    {"rejected", "ystpcs_module_commands_rejected_total", "Commands the module answered with failure."},
    {"withdrawn", "ystpcs_module_commands_withdrawn_total", "Command frames taken back from the transmit queue unsent."},
    {"links_lost", "ystpcs_module_links_lost_total", "Times the module fell silent for the link timeout."},
};
constexpr CounterMetric kInterfaceCounters[] = {
    {"rx", "ystpcs_can_frames_received_total", "Frames received on the CAN interface."},
    {"tx", "ystpcs_can_frames_sent_total", "Frames sent on the CAN interface."},
    {"tx_queued", "ystpcs_can_frames_queued_total", "Frames that had to wait in the user-space transmit queue."},
    {"tx_dropped", "ystpcs_can_frames_dropped_total", "Frames dropped because a transmit queue was full."},
    {"tx_withdrawn", "ystpcs_can_frames_withdrawn_total", "Frames of ended commands taken back unsent."},
    {"rx_overflow", "ystpcs_can_rx_overflow_frames_total", "Frames the kernel dropped because a socket buffer was full."},
    {"error_frames", "ystpcs_can_error_frames_total", "CAN error frames."},
    {"bus_off", "ystpcs_can_bus_off_total", "Times the controller went bus-off."},
    {"reopened", "ystpcs_can_reopened_total", "Times the interface's socket was opened again."},
    {"not_pcs", "ystpcs_can_not_pcs_frames_total", "Frames that are not PCS traffic for this controller."},
    {"other_controller", "ystpcs_can_other_controller_frames_total", "Frames of another controller on the bus."},
    {"undiscovered", "ystpcs_can_undiscovered_frames_total", "Frames of a PCS that is not served (discovery off)."},
};

void counters(Exposition& x, const json* map, const CounterMetric* table, std::size_t n, std::string_view prefix,
              const Labels& labels) {
    if (!map || !map->is_object()) return;
    for (const auto& [key, v] : map->items()) {
        if (!v.is_number()) continue;
        const CounterMetric* known = nullptr;
        for (std::size_t i = 0; i < n; ++i)
            if (table[i].key == key) known = &table[i];
        // A counter the daemon added later still shows, named after its key.
        const std::string name = known ? std::string(known->name) : std::string(prefix) + key + "_total";
        const std::string help = known ? std::string(known->help) : "Counter '" + key + "' of ystpcsd.";
        x.sample(name, counter, help, labels, v.get<double>());
    }
}

// Set-points by the unit suffix of their names (WorkingModeParameters), in base units.
struct SetPointUnit {
    std::string_view suffix, metric;
    double scale;
};
constexpr SetPointUnit kSetPointUnits[] = {
    {"_v", "ystpcs_module_set_point_volts", 1},        {"_a", "ystpcs_module_set_point_amperes", 1},
    {"_w", "ystpcs_module_set_point_watts", 1},        {"_var", "ystpcs_module_set_point_volt_amperes_reactive", 1},
    {"_ohm", "ystpcs_module_set_point_ohms", 1},       {"_s", "ystpcs_module_set_point_seconds", 1},
    {"_pct", "ystpcs_module_set_point_ratio", 0.01},   {"_hz", "ystpcs_module_set_point_hertz", 1},
};

const SetPointUnit* set_point_unit(const std::string& name) {
    const SetPointUnit* best = nullptr;
    for (const auto& u : kSetPointUnits)
        if (name.size() > u.suffix.size() && name.compare(name.size() - u.suffix.size(), u.suffix.size(), u.suffix) == 0 &&
            (!best || u.suffix.size() > best->suffix.size()))
            best = &u;
    return best;
}

void module_metrics(Exposition& x, const ModuleState& m) {
    const Labels labels{{"interface", m.ref().interface}, {"address", std::to_string(m.ref().address)}};
    x.sample("ystpcs_module_link_up", gauge, "1 while frames arrive from the module within the link timeout; 0: its values are stale and not exposed.",
             labels, m.connected() ? 1 : 0);
    if (const auto t = m.number("LastSeen"))
        x.sample("ystpcs_module_last_seen_timestamp_seconds", gauge, "When the last frame of the module arrived (Unix time).", labels, *t / 1e6);
    if (const auto state = m.number("RunningState")) {
        const auto code = static_cast<std::int64_t>(*state);
        const auto* def = protocol::find_running_state(code);
        for (const auto& s : protocol::kRunningStates)
            x.sample("ystpcs_module_running_state", gauge, "Running state of the module (Appendix B): 1 for the current one.",
                     with(with(labels, "state", std::string(s.name)), "code", std::to_string(s.code)), s.code == code ? 1 : 0);
        if (!def)
            x.sample("ystpcs_module_running_state", gauge, "", with(with(labels, "state", m.text("RunningStateName").value_or("unknown")), "code", std::to_string(code)), 1);
        x.sample("ystpcs_module_running_state_code", gauge, "Running state of the module as its code (Appendix B).", labels, *state);
    }
    if (const auto v = m.number("PowerStageActive"))
        x.sample("ystpcs_module_power_stage_active", gauge, "1 while the power stage delivers or absorbs power (states 7, 10, 11, 12, 14).", labels, *v);
    if (const auto f = m.number("FaultCode")) {
        x.sample("ystpcs_module_fault_code", gauge, "Fault code the module reports (Appendix C); 0: none.", labels, *f);
        if (*f != 0) {
            char code[8];
            std::snprintf(code, sizeof code, "0x%04X", static_cast<unsigned>(*f));
            x.sample("ystpcs_module_fault_info", gauge, "The module's fault, with its code and text; only while it has one.",
                     with(with(labels, "code", code), "text", m.text("FaultText").value_or("")), 1);
        }
    }
    if (const auto h = m.number("HeartbeatState")) {
        x.sample("ystpcs_module_heartbeat_state", gauge, "Controller state in the heartbeat: 1 shutdown, 2 running, 3 emergency stop.", labels, *h);
        x.sample("ystpcs_module_emergency_stop", gauge, "1 while an emergency stop is latched for the module (until a successful ClearFaults).",
                 labels, *h == 3 ? 1 : 0);
    }
    if (const auto mode = m.text("WorkingMode")) {
        x.sample("ystpcs_module_working_mode_info", gauge, "The module's working mode (Appendix A).", with(labels, "mode", *mode), 1);
        const json params = m.value("WorkingModeParameters");
        if (params.is_object())
            for (const auto& [name, v] : params.items()) {
                const auto* unit = set_point_unit(name);
                if (!unit || !v.is_number() || std::isnan(v.get<double>())) continue;
                x.sample(std::string(unit->metric), gauge, "A parameter of the working mode, in base units.",
                         with(labels, "parameter", name), v.get<double>() * unit->scale);
            }
    }
    for (const auto& vm : value_metrics()) {
        const auto v = m.number(std::string(vm.property));
        if (!v) continue;
        x.sample(std::string(vm.name), gauge, vm.help, vm.label.empty() ? labels : with(labels, std::string(vm.label), std::string(vm.label_value)),
                 *v * vm.scale);
    }
    counters(x, m.raw("Counters"), kModuleCounters, std::size(kModuleCounters), "ystpcs_module_", labels);
}

}  // namespace

const std::vector<ValueMetric>& value_metrics() {
    // kW, kvar, kVA -> W, var, VA; Ah -> C and Wh -> J (x 3600).
    static const std::vector<ValueMetric> table{
        {"DcVoltage", "ystpcs_module_dc_voltage_volts", "DC output voltage."},
        {"DcCurrent", "ystpcs_module_dc_current_amperes", "DC output current (negative: charging)."},
        {"DcPower", "ystpcs_module_dc_power_watts", "DC output power (negative: charging).", 1000},
        {"PreciseDcVoltage", "ystpcs_module_precise_dc_voltage_volts", "DC output voltage, 1 mV resolution."},
        {"PreciseDcCurrent", "ystpcs_module_precise_dc_current_amperes", "DC output current, 1 mA resolution (negative: charging)."},
        {"Capacity", "ystpcs_module_step_charge_coulombs", "Charge counted in the current step (Ah x 3600).", 3600},
        {"Energy", "ystpcs_module_step_energy_joules", "Energy counted in the current step (Wh x 3600).", 3600},
        {"InletTemperature", "ystpcs_module_temperature_celsius", "Air temperature.", 1, "sensor", "inlet"},
        {"OutletTemperature", "ystpcs_module_temperature_celsius", "Air temperature.", 1, "sensor", "outlet"},
        {"GridVoltageU", "ystpcs_module_grid_voltage_volts", "Grid voltage per phase.", 1, "phase", "u"},
        {"GridVoltageV", "ystpcs_module_grid_voltage_volts", "Grid voltage per phase.", 1, "phase", "v"},
        {"GridVoltageW", "ystpcs_module_grid_voltage_volts", "Grid voltage per phase.", 1, "phase", "w"},
        {"GridCurrentU", "ystpcs_module_grid_current_amperes", "Grid current per phase.", 1, "phase", "u"},
        {"GridCurrentV", "ystpcs_module_grid_current_amperes", "Grid current per phase.", 1, "phase", "v"},
        {"GridCurrentW", "ystpcs_module_grid_current_amperes", "Grid current per phase.", 1, "phase", "w"},
        {"GridPowerFactor", "ystpcs_module_grid_power_factor_ratio", "Grid power factor."},
        {"GridFrequency", "ystpcs_module_grid_frequency_hertz", "Grid frequency."},
        {"SystemActivePower", "ystpcs_module_ac_active_power_watts", "AC active power of the system.", 1000},
        {"SystemReactivePower", "ystpcs_module_ac_reactive_power_volt_amperes_reactive", "AC reactive power of the system.", 1000},
        {"SystemApparentPower", "ystpcs_module_ac_apparent_power_volt_amperes", "AC apparent power of the system.", 1000},
        {"LoadVoltageU", "ystpcs_module_load_voltage_volts", "Load voltage per phase.", 1, "phase", "u"},
        {"LoadVoltageV", "ystpcs_module_load_voltage_volts", "Load voltage per phase.", 1, "phase", "v"},
        {"LoadVoltageW", "ystpcs_module_load_voltage_volts", "Load voltage per phase.", 1, "phase", "w"},
        {"LoadCurrentU", "ystpcs_module_load_current_amperes", "Load current per phase.", 1, "phase", "u"},
        {"LoadCurrentV", "ystpcs_module_load_current_amperes", "Load current per phase.", 1, "phase", "v"},
        {"LoadCurrentW", "ystpcs_module_load_current_amperes", "Load current per phase.", 1, "phase", "w"},
        {"LoadActivePower", "ystpcs_module_load_active_power_watts", "Active power of the load.", 1000},
        {"LoadReactivePower", "ystpcs_module_load_reactive_power_volt_amperes_reactive", "Reactive power of the load.", 1000},
        {"LoadApparentPower", "ystpcs_module_load_apparent_power_volt_amperes", "Apparent power of the load.", 1000},
        {"PhaseAActivePower", "ystpcs_module_phase_active_power_watts", "Active power per phase.", 1000, "phase", "a"},
        {"PhaseBActivePower", "ystpcs_module_phase_active_power_watts", "Active power per phase.", 1000, "phase", "b"},
        {"PhaseCActivePower", "ystpcs_module_phase_active_power_watts", "Active power per phase.", 1000, "phase", "c"},
        {"PhaseAReactivePower", "ystpcs_module_phase_reactive_power_volt_amperes_reactive", "Reactive power per phase.", 1000, "phase", "a"},
        {"PhaseBReactivePower", "ystpcs_module_phase_reactive_power_volt_amperes_reactive", "Reactive power per phase.", 1000, "phase", "b"},
        {"PhaseCReactivePower", "ystpcs_module_phase_reactive_power_volt_amperes_reactive", "Reactive power per phase.", 1000, "phase", "c"},
        {"PhaseAApparentPower", "ystpcs_module_phase_apparent_power_volt_amperes", "Apparent power per phase.", 1000, "phase", "a"},
        {"PhaseBApparentPower", "ystpcs_module_phase_apparent_power_volt_amperes", "Apparent power per phase.", 1000, "phase", "b"},
        {"PhaseCApparentPower", "ystpcs_module_phase_apparent_power_volt_amperes", "Apparent power per phase.", 1000, "phase", "c"},
        {"BusVoltage", "ystpcs_module_bus_voltage_volts", "Internal DC bus voltage (when read)."},
        {"MaxOutputVoltage", "ystpcs_module_limit_max_output_voltage_volts", "Protection limit: maximum DC output voltage."},
        {"MinOutputVoltage", "ystpcs_module_limit_min_output_voltage_volts", "Protection limit: minimum DC output voltage."},
        {"MaxChargeCurrent", "ystpcs_module_limit_max_charge_current_amperes", "Protection limit: maximum charge current."},
        {"MaxDischargeCurrent", "ystpcs_module_limit_max_discharge_current_amperes", "Protection limit: maximum discharge current."},
        {"MaxChargePower", "ystpcs_module_limit_max_charge_power_watts", "Protection limit: maximum charge power.", 1000},
        {"MaxDischargePower", "ystpcs_module_limit_max_discharge_power_watts", "Protection limit: maximum discharge power.", 1000},
    };
    return table;
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_sample_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Shortest round-trip digits; plain decimals where people read them (0.00007,
    // 1700000000.123456), exponents beyond (1e+21).
    const double magnitude = std::fabs(v);
    const auto format = v == 0 || (magnitude >= 1e-6 && magnitude < 1e15) ? std::chars_format::fixed : std::chars_format::general;
    const auto r = std::to_chars(buf, buf + sizeof buf, v, format);
    return std::string(buf, r.ptr);
}

std::string render_metrics(const FleetState& state, const BridgeStats& stats) {
    Exposition x;
    x.sample("ystpcs_bridge_info", gauge, "The bridge: its version and MQTT site id.",
             {{"version", stats.version}, {"site", stats.site}}, 1);
    if (stats.mqtt_enabled) {
        x.sample("ystpcs_bridge_mqtt_connected", gauge, "1 while the bridge is connected to its MQTT broker.", {}, stats.mqtt_connected ? 1 : 0);
        x.sample("ystpcs_bridge_mqtt_connects_total", counter, "Connections made to the MQTT broker.", {}, static_cast<double>(stats.mqtt_connects));
        x.sample("ystpcs_bridge_mqtt_messages_published_total", counter, "MQTT messages published.", {}, static_cast<double>(stats.mqtt_published));
        for (const char* result : {"ok", "error", "refused"}) {
            const auto it = stats.writes.find(result);
            x.sample("ystpcs_bridge_mqtt_writes_total", counter, "Writes received on W/ topics, by result.", {{"result", result}},
                     it == stats.writes.end() ? 0 : static_cast<double>(it->second));
        }
    }
    x.sample("ystpcs_daemon_up", gauge, "1 while ystpcsd is on the bus and its modules were read.", {}, state.daemon_up() ? 1 : 0);
    if (!state.daemon_up()) return x.text();

    const auto& manager = state.manager();
    if (const auto it = manager.find("Version"); it != manager.end() && it->second.is_string())
        x.sample("ystpcs_daemon_info", gauge, "ystpcsd's version.", {{"version", it->second.get<std::string>()}}, 1);
    if (const auto it = manager.find("StateFileError"); it != manager.end() && it->second.is_string())
        x.sample("ystpcs_daemon_state_file_ok", gauge, "1 while ystpcsd saves its commanded-state file; 0: the last write failed.", {},
                 it->second.get<std::string>().empty() ? 1 : 0);
    x.sample("ystpcs_daemon_modules", gauge, "Modules ystpcsd serves.", {}, static_cast<double>(state.modules().size()));
    if (const auto it = manager.find("Heartbeat"); it != manager.end() && it->second.is_object()) {
        const auto& hb = it->second;
        if (hb.contains("ticks") && hb["ticks"].is_number())
            x.sample("ystpcs_heartbeat_rounds_total", counter, "Heartbeat rounds sent.", {}, hb["ticks"].get<double>());
        if (hb.contains("skipped") && hb["skipped"].is_number())
            x.sample("ystpcs_heartbeat_rounds_skipped_total", counter, "Heartbeat deadlines missed by more than a period (skipped).", {},
                     hb["skipped"].get<double>());
        // Since ystpcsd started. Its percentiles are upper bounds of 10 µs buckets, which can
        // pass the exact maximum by a bucket: bounded by it here, as they truly are.
        const double max_us = hb.contains("max_lateness_us") && hb["max_lateness_us"].is_number() ? hb["max_lateness_us"].get<double>() : INFINITY;
        for (const auto& [key, quantile] : {std::pair{"p50_lateness_us", "0.5"}, {"p99_lateness_us", "0.99"}, {"max_lateness_us", "1"}})
            if (hb.contains(key) && hb[key].is_number())
                x.sample("ystpcs_heartbeat_lateness_seconds", summary,
                         "How late heartbeat rounds ran behind their deadlines since ystpcsd started (quantile 1: the maximum).",
                         {{"quantile", quantile}}, std::min(hb[key].get<double>(), max_us) / 1e6);
    }
    if (const auto it = manager.find("Interfaces"); it != manager.end() && it->second.is_array()) {
        for (const auto& i : it->second) {
            if (!i.contains("name") || !i["name"].is_string()) continue;
            const Labels labels{{"interface", i["name"].get<std::string>()}};
            const std::string bus_state = i.value("state", "");
            for (const char* s : {"up", "error-passive", "bus-off", "down"})
                x.sample("ystpcs_can_interface_state", gauge, "Bus state of the CAN interface: 1 for the current one.", with(labels, "state", s),
                         bus_state == s ? 1 : 0);
            const json* c = i.contains("counters") ? &i["counters"] : nullptr;
            counters(x, c, kInterfaceCounters, std::size(kInterfaceCounters), "ystpcs_can_", labels);
        }
    }
    for (const auto& [path, m] : state.modules()) module_metrics(x, m);
    return x.text();
}

}  // namespace ystpcs::bridge
