// Commands that act on modules: start, stop, reset-faults, estop, set, self-start, limits,
// setting, clock, version; and the offline fault table.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <vector>

#include "dbus/names.h"
#include "pcsctl/client.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"
#include "pcsctl/units.h"
#include "pcsctl/values.h"
#include "protocol/codec.h"
#include "protocol/faults.h"
#include "protocol/modes.h"
#include "protocol/setting_values.h"
#include "protocol/settings.h"

namespace ystpcs::ctl {

namespace {

void no_args(std::span<const std::string> args, const char* command) {
    if (!args.empty())
        throw CommandFailure{exit_usage, std::string(command) + ": unexpected argument '" + args[0] + "' (see pcsctl " +
                                             command + " --help)"};
}

void done(const GlobalOptions& g, const std::string& module, const std::string& what) {
    if (g.json) std::cout << json{{"module", module}, {"ok", true}, {"action", what}}.dump() << '\n';
    else std::printf("%s: %s\n", module.c_str(), what.c_str());
}

std::pair<std::string, std::string> key_value(const std::string& arg, const char* command) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
        throw CommandFailure{exit_usage, std::string(command) + ": expected NAME=VALUE, got '" + arg + "'"};
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

double value_or_fail(const Result<double>& r) {
    if (!r) throw CommandFailure{exit_usage, r.error().message};
    return r.value();
}

// What a timed-out start or stop means: the frame went out, only the reply is missing.
[[noreturn]] void timed_out(const std::string& module, const char* doing, const sdbus::Error& e) {
    throw CommandFailure{exit_timeout,
                         std::string(doing) + " " + module + ": the module did not confirm in time (" + e.getMessage() +
                             "); the command was sent and may have taken effect: check with pcsctl -m " + module +
                             " get state power_stage_active (or pcsctl -m " + module + " status)"};
}

// Runs `act` on each chosen module (-m, repeatable, or -m all). With several, every module is
// tried, each failure is reported on its own line, and the first one gives the exit status.
int for_each_module(const GlobalOptions& g, Client& client, const std::function<void(ModuleProxy&)>& act) {
    auto modules = client.chosen_modules();
    if (modules.size() == 1) {
        act(*modules.front());
        return exit_ok;
    }
    std::optional<CommandFailure> first;
    for (auto& m : modules) {
        try {
            act(*m);
        } catch (const CommandFailure& f) {
            if (!first) first = f;
            if (g.json) std::cerr << json{{"module", m->name()}, {"error", f.message}, {"exit_status", f.exit_code}}.dump() << '\n';
            else std::fprintf(stderr, "pcsctl: %s\n", f.message.c_str());
        }
    }
    return first ? first->exit_code : exit_ok;
}

// A command without arguments that calls one method on each chosen module.
int run_module_action(const GlobalOptions& g, std::span<const std::string> args, const char* command,
                      const std::string& doing, void (ModuleProxy::*method)(), const char* result,
                      const std::function<void(ModuleProxy&)>& after = {}) {
    no_args(args, command);
    Client client(g);
    return for_each_module(g, client, [&](ModuleProxy& m) {
        try {
            (m.*method)();
        } catch (const sdbus::Error& e) {
            if (e.getName() == std::string(dbus::kErrorPrefix) + "Timeout" && (doing == "start" || doing == "stop"))
                timed_out(m.name(), doing.c_str(), e);
            fail_from(doing + " " + m.name(), e);
        }
        done(g, m.name(), result);
        if (after) after(m);
    });
}

}  // namespace

int run_start(const GlobalOptions& g, std::span<const std::string> args) {
    return run_module_action(g, args, "start", "start", &ModuleProxy::Start, "started", [](ModuleProxy& m) {
        // Standby and idle accept a start but run nothing: say so instead of a bare "started".
        const auto mode = call("read " + m.name(), [&] { return m.WorkingMode(); });
        if (mode == "standby" || mode == "idle")
            std::fprintf(stderr, "pcsctl: warning: %s is in %s mode: the start is accepted but no power flows; set a "
                                 "working mode first (pcsctl -m %s set cc 50A, ... --start)\n",
                         m.name().c_str(), mode.c_str(), m.name().c_str());
    });
}

int run_stop(const GlobalOptions& g, std::span<const std::string> args) {
    return run_module_action(g, args, "stop", "stop", &ModuleProxy::Stop, "stopped");
}

int run_reset_faults(const GlobalOptions& g, std::span<const std::string> args) {
    return run_module_action(g, args, "reset-faults", "reset faults of", &ModuleProxy::ClearFaults, "faults cleared");
}

int run_estop(const GlobalOptions& g, std::span<const std::string> args) {
    no_args(args, "estop");
    Client client(g);
    const bool all = g.modules.empty() || std::find(g.modules.begin(), g.modules.end(), "all") != g.modules.end();
    if (all) {
        call("emergency stop of all modules", [&] { client.manager().EmergencyStopAll(); });
        done(g, "all", "EMERGENCY STOP: heartbeat state 3 and stop sent to every module; clear with pcsctl -m all reset-faults");
        return exit_ok;
    }
    for (auto& m : client.chosen_modules()) {
        call("emergency stop of " + m->name(), [&] { m->EmergencyStop(); });
        done(g, m->name(), "EMERGENCY STOP: heartbeat state 3 and stop sent; clear with pcsctl -m " + m->name() + " reset-faults");
    }
    return exit_ok;
}

int run_self_start(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.size() != 1 || (args[0] != "on" && args[0] != "off"))
        throw CommandFailure{exit_usage, "self-start takes on or off"};
    Client client(g);
    auto m = client.module();
    const bool on = args[0] == "on";
    call("set self-start of " + m->name(), [&] { m->SetSelfStart(on); });
    done(g, m->name(), on ? "power-on self-start enabled" : "power-on self-start disabled");
    return exit_ok;
}

// set cv V | cc A | cp W | cccv V A A_END | cr OHM | mode NAME P1..P4  [--stop-first] [--start]
int run_set(const GlobalOptions& g, std::span<const std::string> args) {
    std::vector<std::string> words;
    std::map<std::string, sdbus::Variant> options;
    for (const auto& a : args) {
        if (a == "--stop-first") options["stop_first"] = sdbus::Variant(true);
        else if (a == "--start") options["start"] = sdbus::Variant(true);
        else words.push_back(a);
    }
    if (words.empty()) throw CommandFailure{exit_usage, "set needs a mode (cv, cc, cp, cccv, cr, or mode NAME ...)"};
    std::string name = words[0];
    std::vector<std::string> values(words.begin() + 1, words.end());
    if (name == "mode") {
        if (values.empty()) throw CommandFailure{exit_usage, "set mode needs a mode NAME"};
        name = values[0];
        values.erase(values.begin());
    }
    const protocol::ModeDef* mode = protocol::find_mode(std::string_view(name));
    if (mode == nullptr) {
        std::string known;
        for (const auto& m : protocol::kModes) known += (known.empty() ? "" : ", ") + std::string(m.name);
        throw CommandFailure{exit_usage, "unknown mode '" + name + "' (" + known + ")"};
    }
    if (values.size() != mode->params.size()) {
        std::string expected;
        for (const auto& p : mode->params) expected += " " + std::string(p.name);
        throw CommandFailure{exit_usage, "set " + name + " takes " + std::to_string(mode->params.size()) +
                                             " value(s):" + (expected.empty() ? " none" : expected)};
    }
    std::map<std::string, double> params;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto& p = mode->params[i];
        const std::string what = std::string(mode->name) + " " + std::string(p.title);
        // A bare number in W would be a thousand times less than the kW status shows: a power
        // needs its unit.
        if ((p.unit == "W" || p.unit == "var") && !values[i].empty() &&
            std::isdigit(static_cast<unsigned char>(values[i].back())))
            throw CommandFailure{exit_usage, what + ": '" + values[i] + "' needs a unit: " + values[i] + "k" +
                                                 std::string(p.unit) + ", or " + values[i] + std::string(p.unit) +
                                                 " if you mean " + std::string(p.unit) + " (status shows power in k" +
                                                 std::string(p.unit) + ")"};
        params[std::string(p.name)] = value_or_fail(parse_quantity(values[i], p.unit, what));
    }
    Client client(g);
    std::string summary = "mode " + std::string(mode->name);
    for (const auto& [k, val] : params) summary += " " + k + "=" + protocol::format_number(val, 3);
    if (options.count("start")) summary += ", started";
    return for_each_module(g, client, [&](ModuleProxy& m) {
        call("set mode " + name + " on " + m.name(), [&] { m.SetMode(std::string(mode->name), params, options); });
        done(g, m.name(), summary);
    });
}

int run_limits(const GlobalOptions& g, std::span<const std::string> args) {
    std::map<std::string, double> changes;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] != "--set" || i + 1 >= args.size())
            throw CommandFailure{exit_usage, "limits takes --set NAME=VALUE (repeatable), e.g. --set max_charge_current_a=150"};
        const auto [k, val] = key_value(args[++i], "limits");
        std::string unit;
        for (std::uint8_t pf : {protocol::pf::protection_1, protocol::pf::protection_2, protocol::pf::protection_3})
            for (const auto& s : protocol::find_frame(pf)->signals)
                if (s.name == k) unit = std::string(s.unit);
        changes[k] = value_or_fail(parse_quantity(val, unit, k));
    }
    Client client(g);
    auto m = client.module();
    if (!changes.empty()) call("set protection limits of " + m->name(), [&] { m->SetProtectionLimits(changes); });
    const auto limits = call("read protection limits of " + m->name(), [&] { return m->ReadProtectionLimits(); });
    if (g.json) {
        // In the order of the frames, each at its field's resolution; null for one not read.
        json o = json::object();
        for (std::uint8_t pf : {protocol::pf::protection_1, protocol::pf::protection_2, protocol::pf::protection_3})
            for (const auto& s : protocol::find_frame(pf)->signals) {
                const auto it = limits.find(std::string(s.name));
                o[std::string(s.name)] = it == limits.end() ? json(nullptr) : signal_json(s, it->second);
            }
        std::cout << json{{"module", m->name()}, {"limits", o}}.dump() << '\n';
        return exit_ok;
    }
    std::printf("%s protection limits%s:\n", m->name().c_str(), changes.empty() ? "" : " (after the change)");
    for (std::uint8_t pf : {protocol::pf::protection_1, protocol::pf::protection_2, protocol::pf::protection_3}) {
        for (const auto& s : protocol::find_frame(pf)->signals) {
            const auto it = limits.find(std::string(s.name));
            std::printf("  %-30s %s\n", std::string(s.name).c_str(),
                        it == limits.end() ? "—" : with_unit(it->second, protocol::decimals(s), std::string(s.unit)).c_str());
        }
    }
    return exit_ok;
}

// setting get NAME | setting set NAME VALUE  (VALUE: a number, on/off, or k=v,k=v)
namespace {

// A setting's fields in the order of the frames, each with its field in the protocol table
// (none for a key the table does not know); the working_mode parameters with the mode's own
// scales (the daemon scaled them).
struct SettingRow {
    std::size_t position;
    std::string key;
    double value;
    std::optional<protocol::SignalDef> signal;
};

std::vector<SettingRow> setting_rows(const std::string& name, const std::map<std::string, double>& values) {
    const protocol::SettingDef* setting = protocol::find_setting(std::string_view(name));
    const protocol::ModeDef* mode = nullptr;
    if (const auto it = values.find("mode_reading.mode"); it != values.end())
        mode = protocol::find_mode(std::llround(it->second));
    std::vector<SettingRow> rows;
    for (const auto& [k, val] : values) {
        SettingRow row{SIZE_MAX, k, val, std::nullopt};
        if (setting != nullptr)
            if (const auto field = protocol::find_setting_field(*setting, k, mode)) {
                row.position = field->position;
                row.signal = field->signal;
            }
        rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const SettingRow& a, const SettingRow& b) { return a.position < b.position; });
    return rows;
}

// Engineering values with their units and enumeration texts.
void print_setting(const std::string& module, const std::string& name, const std::vector<SettingRow>& rows) {
    std::printf("%s %s:\n", module.c_str(), name.c_str());
    for (const auto& r : rows)
        std::printf("  %-36s %s\n", r.key.c_str(),
                    r.signal ? protocol::format_setting_value(*r.signal, r.value).c_str() : fixed(r.value, 3).c_str());
}

// {"mode_reading.mode": 40, "mode_reading.mode_name": "DC pulse current", ...}: numbers at their
// resolution, integers as integers, an enumeration's text beside its number (as decode does).
json setting_json(const std::vector<SettingRow>& rows) {
    json out = json::object();
    for (const auto& r : rows) {
        if (!r.signal) {
            out[r.key] = r.value;
            continue;
        }
        out[r.key] = signal_json(*r.signal, r.value);
        if (r.signal->enumeration != nullptr) {
            const auto dot = r.key.rfind('.');
            const std::string prefix = dot == std::string::npos ? "" : r.key.substr(0, dot + 1);
            const std::string text_key = r.signal->text_key.empty() ? std::string(r.signal->name) + "_name"
                                                                    : std::string(r.signal->text_key);
            out[prefix + text_key] = std::string(protocol::enum_text(*r.signal->enumeration, std::llround(r.value)));
        }
    }
    return out;
}

}  // namespace

int run_setting(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.size() < 2 || (args[0] != "get" && args[0] != "set") || (args[0] == "get" && args.size() != 2) ||
        (args[0] == "set" && args.size() != 3)) {
        std::string known;
        for (const auto& s : protocol::kSettings) known += (known.empty() ? "" : ", ") + std::string(s.name);
        throw CommandFailure{exit_usage, "usage: setting get NAME | setting set NAME VALUE (names: " + known + ")"};
    }
    Client client(g);
    auto m = client.module();
    const std::string& name = args[1];
    if (args[0] == "get") {
        const auto value = call("read setting " + name + " of " + m->name(), [&] { return m->ReadSetting(name); });
        const auto rows = setting_rows(name, value.get<std::map<std::string, double>>());
        if (g.json) std::cout << json{{"module", m->name()}, {"setting", name}, {"values", setting_json(rows)}}.dump() << '\n';
        else print_setting(m->name(), name, rows);
        return exit_ok;
    }
    const std::string& text_value = args[2];
    // Units come from the setting's frame in the protocol table ("bus_voltage_v=720V").
    const protocol::SettingDef* setting = protocol::find_setting(std::string_view(name));
    const protocol::FrameDef* frame = setting && setting->write_pf ? protocol::find_frame(setting->write_pf) : nullptr;
    auto unit_of_field = [frame](const std::string& field) -> std::string {
        if (frame)
            for (const auto& s : frame->signals)
                if (s.name == field) return std::string(s.unit);
        return "";
    };
    sdbus::Variant value;
    if (text_value.find('=') != std::string::npos) {
        std::map<std::string, double> fields;
        std::size_t start = 0;
        while (start <= text_value.size()) {
            const auto comma = text_value.find(',', start);
            const std::string item = text_value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            const auto [k, val] = key_value(item, "setting set");
            fields[k] = val == "on" || val == "true"    ? 1.0
                        : val == "off" || val == "false" ? 0.0
                                                         : value_or_fail(parse_quantity(val, unit_of_field(k), k));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        value = sdbus::Variant(fields);
    } else if (text_value == "on" || text_value == "true" || text_value == "off" || text_value == "false") {
        value = sdbus::Variant(text_value == "on" || text_value == "true" ? 1.0 : 0.0);
    } else {
        const std::string unit = frame && frame->signals.size() == 1 ? std::string(frame->signals[0].unit) : "";
        value = sdbus::Variant(value_or_fail(parse_quantity(text_value, unit, name)));
    }
    call("write setting " + name + " of " + m->name(), [&] { m->WriteSetting(name, value); });
    done(g, m->name(), "setting " + name + " written");
    return exit_ok;
}

int run_clock(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.size() != 1 || args[0] != "sync") throw CommandFailure{exit_usage, "usage: clock sync"};
    Client client(g);
    for (auto& m : client.modules_or_all()) {
        call("set the clock of " + m->name(), [&] { m->SetClock(0); });
        done(g, m->name(), "clock set to this computer's local time");
    }
    return exit_ok;
}

int run_version(const GlobalOptions& g, std::span<const std::string> args) {
    no_args(args, "version");
    Client client(g);
    const std::string daemon = call("read the daemon version", [&] { return client.manager().Version(); });
    json out{{"pcsctl", YSTPCS_VERSION}, {"ystpcsd", daemon}, {"modules", json::array()}};
    if (!g.json) std::printf("pcsctl %s\nystpcsd %s\n", YSTPCS_VERSION, daemon.c_str());
    for (auto& m : client.modules_or_all()) {
        const auto v = call("read the firmware versions of " + m->name(), [&] { return m->ReadVersions(); });
        json j = to_json(sdbus::Variant(v));
        out["modules"].push_back(json{{"module", m->name()}});
        for (const auto& [k, val] : j.items()) out["modules"].back()[k] = val;
        if (!g.json)
            std::printf("%s  ARM hardware %s software %s, DSP hardware %s software %s\n", m->name().c_str(),
                        j["arm_hardware"].get<std::string>().c_str(), j["arm_software"].get<std::string>().c_str(),
                        j["dsp_hardware"].get<std::string>().c_str(), j["dsp_software"].get<std::string>().c_str());
    }
    if (g.json) std::cout << out.dump() << '\n';
    return exit_ok;
}

// Offline: the fault table of Appendix C, or one code.
int run_faults(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.size() > 1) throw CommandFailure{exit_usage, "faults takes at most one CODE"};
    auto row = [&](std::uint16_t code, std::uint16_t last) {
        const auto info = protocol::fault_info(code);
        if (g.json) {
            json j{{"code", code}, {"hex", fault_hex(code)}, {"meaning", std::string(info.meaning)},
                   {"action", std::string(info.action)}, {"listed", info.listed}};
            if (last != code) j["last_code"] = last, j["last_hex"] = fault_hex(last);
            std::cout << j.dump() << '\n';
            return;
        }
        // Hex, as status, monitor, get and the log write them.
        const std::string range = last != code ? fault_hex(code) + "-" + fault_hex(last) : fault_hex(code);
        std::printf("%-13s %-62s %s\n", range.c_str(), std::string(info.meaning).c_str(), std::string(info.action).c_str());
    };
    if (args.size() == 1) {
        char* end = nullptr;
        const unsigned long code = std::strtoul(args[0].c_str(), &end, 0);
        if (end == args[0].c_str() || *end != '\0' || code > 0xFFFF)
            throw CommandFailure{exit_usage, "fault code '" + args[0] + "' is not 0-65535 (decimal or 0x...)"};
        row(static_cast<std::uint16_t>(code), static_cast<std::uint16_t>(code));
        return exit_ok;
    }
    if (!g.json) std::printf("%-13s %-62s %s\n", "CODE", "MEANING", "ACTION");
    for (const auto& f : protocol::kFaults) row(f.first, f.last);
    if (!g.json)
        std::printf("\nother codes: 0x8000 and above: internal failure; below: reserved / internal failure — contact "
                    "the manufacturer.\nclearing: %s.\n",
                    std::string(protocol::kFaultClearingProcedure).c_str());
    return exit_ok;
}

// external-data                                     what the heartbeat carries, and why
// external-data source zero|mirror|client [--fallback zero|mirror] [--max-age SECONDS]
// external-data set VOLTAGE CURRENT
int run_external_data(const GlobalOptions& g, std::span<const std::string> args) {
    Client client(g);
    auto m = client.module();
    if (args.empty()) {
        const auto p = call("external-device data of " + m->name(), [&] { return m->properties(); });
        const double voltage = number(p, "ExternalDataVoltage"), current = number(p, "ExternalDataCurrent");
        const auto warnings = p.count("ExternalDataWarnings") != 0U
                                  ? p.at("ExternalDataWarnings").get<std::vector<std::string>>()
                                  : std::vector<std::string>{};
        if (g.json) {
            // The values at the heartbeat fields' resolution.
            const auto& heartbeat = protocol::find_frame(protocol::pf::heartbeat)->signals;
            constexpr auto voltage_field = protocol::signal_ref(protocol::pf::heartbeat, "dc_voltage_v");
            constexpr auto current_field = protocol::signal_ref(protocol::pf::heartbeat, "dc_current_a");
            const double max_age = number(p, "ExternalDataMaxAge");
            std::cout << json{{"module", m->name()},
                              {"source", text(p, "ExternalDataSource")},
                              {"fallback", text(p, "ExternalDataFallback")},
                              {"max_age_s", std::isfinite(max_age) ? json(at_resolution(max_age, 3)) : json(nullptr)},
                              {"sent", {{"voltage_v", signal_json(heartbeat[voltage_field.index], voltage)},
                                        {"current_a", signal_json(heartbeat[current_field.index], current)},
                                        {"origin", text(p, "ExternalDataOrigin")}}},
                              {"warnings", warnings}}
                             .dump()
                      << '\n';
            return exit_ok;
        }
        std::printf("%s: source %s, fallback %s, max age %s s\n  heartbeat carries %s  %s (%s)\n", m->name().c_str(),
                    text(p, "ExternalDataSource").c_str(), text(p, "ExternalDataFallback").c_str(),
                    fixed(number(p, "ExternalDataMaxAge"), 1).c_str(), with_unit(voltage, 1, "V").c_str(),
                    with_unit(current, 1, "A").c_str(), text(p, "ExternalDataOrigin").c_str());
        for (const auto& w : warnings) std::printf("  WARNING: %s\n", w.c_str());
        return exit_ok;
    }
    if (args[0] == "source") {
        if (args.size() < 2) throw CommandFailure{exit_usage, "external-data source takes zero, mirror or client"};
        std::map<std::string, sdbus::Variant> options;
        for (std::size_t i = 2; i < args.size(); ++i) {
            if (i + 1 >= args.size()) throw CommandFailure{exit_usage, "external-data: " + args[i] + " needs a value"};
            if (args[i] == "--fallback") options["fallback"] = sdbus::Variant(args[++i]);
            else if (args[i] == "--max-age")
                options["max_age_s"] = sdbus::Variant(value_or_fail(parse_quantity(args[++i], "s", "max age")));
            else throw CommandFailure{exit_usage, "external-data source: unknown option '" + args[i] + "'"};
        }
        call("set the external-data source of " + m->name(), [&] { m->SetExternalDataSource(args[1], options); });
        done(g, m->name(), "heartbeat external-device data: " + args[1]);
        return exit_ok;
    }
    if (args[0] == "set") {
        if (args.size() != 3) throw CommandFailure{exit_usage, "external-data set takes VOLTAGE CURRENT (e.g. 652.3V -20A)"};
        const double v = value_or_fail(parse_quantity(args[1], "V", "external-data voltage"));
        const double a = value_or_fail(parse_quantity(args[2], "A", "external-data current"));
        call("set the external-device data of " + m->name(), [&] { m->SetExternalData(v, a); });
        done(g, m->name(), "heartbeat external-device data set to " + fixed(v, 1) + " V, " + fixed(a, 1) + " A");
        return exit_ok;
    }
    throw CommandFailure{exit_usage, "external-data: unknown sub-command '" + args[0] + "' (source, set)"};
}

}  // namespace ystpcs::ctl
