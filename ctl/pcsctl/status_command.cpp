// `pcsctl status [MODULE]` and `pcsctl list`: one-shot views of the modules.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include "pcsctl/client.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"
#include "pcsctl/values.h"
#include "protocol/faults.h"
#include "protocol/running_states.h"

namespace ystpcs::ctl {

namespace {

std::string v(const Properties& p, const std::string& name) {
    return with_unit(number(p, name), decimals_of(name), unit_of(name));
}

std::string age(std::uint64_t last_seen_us) {
    if (last_seen_us == 0) return "never heard";
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const double s = static_cast<double>(now - static_cast<long long>(last_seen_us)) / 1e6;
    char buf[64];
    std::snprintf(buf, sizeof buf, "last frame %.1f s ago", s < 0 ? 0.0 : s);
    return buf;
}

// What the module reports against what was commanded (seen on a real module: commanded cc,
// reporting constant-voltage operation at +50 A). Only where the mode fixes the regulation.
std::string contradiction(const Properties& p) {
    namespace rs = protocol::running_state;
    const std::string mode = text(p, "WorkingMode");
    const double code = number(p, "RunningState");
    if (mode.empty() || !std::isfinite(code) || !flag(p, "Connected")) return "";
    const auto state = static_cast<std::uint8_t>(code);
    std::vector<std::uint8_t> expected;
    if (mode == "cc") expected = {rs::constant_current};
    else if (mode == "cv") expected = {rs::constant_voltage};
    else if (mode == "cv_limited" || mode == "cccv") expected = {rs::constant_voltage, rs::constant_current};
    else if (mode == "ac_power") expected = {rs::ac_constant_power};
    else if (mode == "off_grid") expected = {rs::off_grid_inverter};
    else return "";
    if (!protocol::power_stage_active(state) || state == rs::soft_start) return "";
    for (auto e : expected)
        if (e == state) return "";
    return "the module reports " + text(p, "RunningStateName") + " at " + v(p, "DcCurrent") + " while the mode is " + mode +
           (flag(p, "WorkingModeReported") ? "" : " (as commanded; not read back)") +
           ": its regulation contradicts the mode; check pcsctl setting get working_mode";
}

// Everything status warns about: the contradiction above, then the external data's warnings.
std::vector<std::string> warnings(const Properties& p) {
    std::vector<std::string> out;
    if (std::string odd = contradiction(p); !odd.empty()) out.push_back(std::move(odd));
    if (const auto it = p.find("ExternalDataWarnings"); it != p.end())
        for (auto& w : it->second.get<std::vector<std::string>>()) out.push_back(std::move(w));
    return out;
}

void print_human(const std::string& name, const Properties& p) {
    const bool connected = flag(p, "Connected");
    std::printf("%s  %s, %s%s\n", name.c_str(), connected ? "connected" : "COMMUNICATION LOST",
                age(static_cast<std::uint64_t>(number(p, "LastSeen"))).c_str(),
                flag(p, "Configured") ? "" : " (discovered)");
    const auto state = static_cast<int>(number(p, "RunningState"));
    std::printf("  State       %d %s%s\n", state, text(p, "RunningStateName").c_str(),
                flag(p, "PowerStageActive") ? "  (power stage active)" : "");
    if (const std::string why = text(p, "StopReasonText"); !why.empty())
        std::printf("  Stopped     %s (%s)\n", why.c_str(), text(p, "StopReason").c_str());
    if (const std::string odd = contradiction(p); !odd.empty()) std::printf("  WARNING     %s\n", odd.c_str());
    const auto fault = static_cast<int>(number(p, "FaultCode"));
    if (fault != 0)
        std::printf("  Fault       %s\n              action: %s\n              to clear: remove the cause, then "
                    "pcsctl -m %s reset-faults, then start again\n",
                    fault_description(p).c_str(), text(p, "FaultAction").c_str(), name.c_str());
    else
        std::printf("  Fault       none\n");
    std::string params;
    if (const auto it = p.find("WorkingModeParameters"); it != p.end())
        for (const auto& [k, val] : it->second.get<std::map<std::string, double>>()) params += "  " + k + "=" + fixed(val, 3);
    const std::string mode = text(p, "WorkingMode");
    std::printf("  Mode        %s%s%s\n", mode.empty() ? "unknown" : mode.c_str(), params.c_str(),
                mode.empty() ? "" : (flag(p, "WorkingModeReported") ? "  (read from the module)" : "  (as commanded)"));
    std::printf("  Commanded   %s, self-start %s, heartbeat %s\n", text(p, "CommandedStart").c_str(),
                flag(p, "SelfStart") ? "on" : "off",
                number(p, "HeartbeatState") == 3   ? "EMERGENCY STOP (3)"
                : number(p, "HeartbeatState") == 1 ? "shutdown (1)"
                                                    : "running (2)");
    std::printf("  Ext. data   %s  %s (%s; source %s, fallback %s, max age %s s)\n",
                with_unit(number(p, "ExternalDataVoltage"), 1, "V").c_str(),
                with_unit(number(p, "ExternalDataCurrent"), 1, "A").c_str(), text(p, "ExternalDataOrigin").c_str(),
                text(p, "ExternalDataSource").c_str(), text(p, "ExternalDataFallback").c_str(),
                fixed(number(p, "ExternalDataMaxAge"), 1).c_str());
    if (const auto it = p.find("ExternalDataWarnings"); it != p.end())
        for (const auto& w : it->second.get<std::vector<std::string>>()) std::printf("  WARNING     %s\n", w.c_str());
    std::printf("  DC          %s  %s  %s   capacity %s  energy %s\n", v(p, "DcVoltage").c_str(), v(p, "DcCurrent").c_str(),
                v(p, "DcPower").c_str(), v(p, "Capacity").c_str(), v(p, "Energy").c_str());
    std::printf("              precise %s  %s\n", v(p, "PreciseDcVoltage").c_str(), v(p, "PreciseDcCurrent").c_str());
    std::printf("  Temperature inlet %s  outlet %s\n", v(p, "InletTemperature").c_str(), v(p, "OutletTemperature").c_str());
    std::printf("  Grid        U %s  V %s  W %s   I %s  %s  %s   PF %s   %s\n", v(p, "GridVoltageU").c_str(),
                v(p, "GridVoltageV").c_str(), v(p, "GridVoltageW").c_str(), v(p, "GridCurrentU").c_str(),
                v(p, "GridCurrentV").c_str(), v(p, "GridCurrentW").c_str(), v(p, "GridPowerFactor").c_str(),
                v(p, "GridFrequency").c_str());
    std::printf("              P %s  Q %s  S %s\n", v(p, "SystemActivePower").c_str(), v(p, "SystemReactivePower").c_str(),
                v(p, "SystemApparentPower").c_str());
    for (const char* ph : {"A", "B", "C"}) {
        const std::string b = std::string("Phase") + ph;
        std::printf("  Phase %s     P %s  Q %s  S %s\n", ph, v(p, b + "ActivePower").c_str(), v(p, b + "ReactivePower").c_str(),
                    v(p, b + "ApparentPower").c_str());
    }
    std::printf("  Load        U %s  V %s  W %s   I %s  %s  %s   P %s  Q %s  S %s\n", v(p, "LoadVoltageU").c_str(),
                v(p, "LoadVoltageV").c_str(), v(p, "LoadVoltageW").c_str(), v(p, "LoadCurrentU").c_str(),
                v(p, "LoadCurrentV").c_str(), v(p, "LoadCurrentW").c_str(), v(p, "LoadActivePower").c_str(),
                v(p, "LoadReactivePower").c_str(), v(p, "LoadApparentPower").c_str());
    std::printf("  Limits      output %s … %s, charge %s / discharge %s, charge %s / discharge %s\n",
                v(p, "MinOutputVoltage").c_str(), v(p, "MaxOutputVoltage").c_str(), v(p, "MaxChargeCurrent").c_str(),
                v(p, "MaxDischargeCurrent").c_str(), v(p, "MaxChargePower").c_str(), v(p, "MaxDischargePower").c_str());
    std::printf("              AC %s … %s, AC frequency %s … %s, charge ≥ %s, discharge ≤ %s\n",
                v(p, "AcVoltageLowerLimit").c_str(), v(p, "AcVoltageUpperLimit").c_str(), v(p, "AcFrequencyLowerLimit").c_str(),
                v(p, "AcFrequencyUpperLimit").c_str(), v(p, "ChargeFrequencyLowerLimit").c_str(),
                v(p, "DischargeFrequencyUpperLimit").c_str());
    const std::string arm = text(p, "ArmVersion"), dsp = text(p, "DspVersion");
    std::printf("  Firmware    ARM %s; DSP %s\n", arm.empty() ? "unknown" : arm.c_str(), dsp.empty() ? "unknown" : dsp.c_str());
    if (const auto it = p.find("Counters"); it != p.end()) {
        const auto c = it->second.get<std::map<std::string, std::uint64_t>>();
        auto n = [&c](const char* k) { const auto f = c.find(k); return f == c.end() ? 0ULL : static_cast<unsigned long long>(f->second); };
        std::printf("  Link        rx %llu  tx %llu  replies %llu  timeouts %llu  retries %llu  rejected %llu  "
                    "decode errors %llu  unknown %llu  links lost %llu\n",
                    n("rx"), n("tx"), n("replies"), n("timeouts"), n("retries"), n("rejected"), n("decode_errors"),
                    n("unknown_frames"), n("links_lost"));
    }
}

}  // namespace

int run_status(const GlobalOptions& global, std::span<const std::string> args) {
    GlobalOptions options = global;
    if (args.size() > 1) throw CommandFailure{exit_usage, "status takes at most one MODULE (see pcsctl status --help)"};
    if (args.size() == 1) options.modules = {args[0]};
    Client client(options);
    auto modules = client.modules_or_all();
    if (modules.empty()) throw CommandFailure{exit_not_connected, "ystpcsd serves no module yet"};
    json all = json::array();
    bool first = true;
    for (auto& m : modules) {
        const auto props = call("status of " + m->name(), [&] { return m->properties(); });
        if (global.json) {
            json values = json::object();
            for (const auto& v : value_catalog()) values[v.name] = value_json(v, props);
            all.push_back({{"module", m->name()},
                           {"path", m->path()},
                           {"values", values},
                           {"fault_hex", fault_hex_json(values["fault_code"])},
                           {"warnings", warnings(props)},
                           {"properties", to_json(props)}});
            continue;
        }
        if (!first) std::printf("\n");
        first = false;
        print_human(m->name(), props);
    }
    if (global.json) std::cout << (all.size() == 1 && options.modules.size() == 1 && options.modules[0] != "all" ? all[0] : all).dump() << '\n';
    return exit_ok;
}

int run_list(const GlobalOptions& global, std::span<const std::string> args) {
    if (!args.empty()) throw CommandFailure{exit_usage, "list takes no arguments"};
    Client client(global);
    json out = json::array();
    for (const auto& path : client.module_paths()) {
        ModuleProxy m(client.connection(), path);
        const auto p = call("list", [&] { return m.properties(); });
        if (global.json) {
            const json fault = value_json(*find_value("fault_code"), p);
            out.push_back({{"module", m.name()},
                           {"path", path},
                           {"connected", flag(p, "Connected")},
                           {"running_state", value_json(*find_value("running_state"), p)},
                           {"state", value_json(*find_value("state"), p)},
                           {"fault_code", fault},
                           {"fault_hex", fault_hex_json(fault)}});
        } else {
            std::printf("%-12s %-14s %-30s fault %s\n", m.name().c_str(), flag(p, "Connected") ? "connected" : "LOST",
                        text(p, "RunningStateName").c_str(), fault_hex(static_cast<long long>(number(p, "FaultCode"))).c_str());
        }
    }
    if (global.json) std::cout << out.dump() << '\n';
    return exit_ok;
}

}  // namespace ystpcs::ctl
