// pcsctl: the command-line client of ystpcs. Everything but `decode`, `export`, `faults` and
// `list-interfaces` goes through ystpcsd's D-Bus API.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sdbus-c++/Error.h>

#include "pcsctl/client.h"
#include "pcsctl/command.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"

namespace ystpcs::ctl {
namespace {

constexpr const char* kModuleHelp =
    "The module is chosen with -m IFACE/ADDRESS (e.g. -m can0/250) or -m ADDRESS when the\n"
    "address is unique; without -m, the only module served. -m is repeatable and -m all means\n"
    "every module for start, stop, reset-faults, set, status, monitor, log, estop.\n";

constexpr Command kCommands[] = {
    {"status", "", "one-shot status of one or all modules",
     "usage: pcsctl [-m MODULE] status [MODULE]\n\n"
     "DC and AC values per phase, temperatures, running state, fault with its text and\n"
     "recommended action, working mode and parameters, protection limits, firmware, link health.\n"
     "Without a module: every module. --json: {\"module\", \"path\", \"values\" (the names of pcsctl\n"
     "get), \"properties\" (the D-Bus properties as they are)}; an array for several modules.\n",
     run_status},
    {"list", "", "the modules served, one line each", "usage: pcsctl list\n", run_list},
    {"monitor", "", "live values, redrawn as they change",
     "usage: pcsctl [-m MODULE]... monitor [-d SECONDS]\n\n"
     "A table of every module (or the ones chosen) redrawn in place when values change (at most\n"
     "every 200 ms); on a terminal it uses the alternate screen, Ctrl-C quits. LINK is ok, LOST\n"
     "(the module is silent) or gone (ystpcsd is not on the bus: a DAEMON LOST banner; monitor\n"
     "waits for it). FAULT shows the code in hex and its text.\n"
     "--json: one JSON object a line, each with \"time\" and \"event\": snapshot (module, values),\n"
     "changed (module, values that changed), state_changed, fault_raised, fault_cleared,\n"
     "daemon_lost, daemon_back (then a snapshot per module). Values by the names of pcsctl get.\n"
     "-d stops after SECONDS.\n",
     run_monitor},
    {"start", "enable", "start the module (0x0F byte 1 = 1)",
     "usage: pcsctl [-m MODULE]... start\n\nStarts the power stage in the module's working mode; bytes 2 and 3 of 0x0F\n"
     "repeat what was last commanded. Refused while the module is in fault or an emergency stop\n"
     "is active. In standby or idle mode it warns: the start is accepted but no power flows.\n"
     "A start whose confirmation times out (exit 6) was sent and may have taken effect.\n",
     run_start},
    {"stop", "disable", "stop the module", "usage: pcsctl [-m MODULE]... stop\n\nNever refused. -m all: every module.\n", run_stop},
    {"reset-faults", "", "clear faults (0x0F byte 2), ends an emergency stop",
     "usage: pcsctl [-m MODULE]... reset-faults\n\nRemove the cause first. Bytes 1 and 3 of 0x0F repeat what was last\n"
     "commanded, so a running module keeps running and a stopped one stays stopped.\n",
     run_reset_faults},
    {"estop", "", "emergency stop (heartbeat state 3 and stop)",
     "usage: pcsctl [-m MODULE]... estop\n\nWithout -m (or -m all): every module. The heartbeat to the module says 3 (the\n"
     "PCS shuts down with a fault, which status shows as a software emergency stop) until\n"
     "pcsctl reset-faults (-m all after an estop of every module).\n",
     run_estop},
    {"set", "", "set the working mode and its set-points",
     "usage: pcsctl [-m MODULE]... set cv V | cc A | cp kW | cccv V A A_END | cr OHM | mode NAME P1..P4\n"
     "                              [--stop-first] [--start]\n\n"
     "Values accept unit suffixes with prefixes m, k, M: 400V, -50A, 500mA, 10kW, 2.5ohm.\n"
     "A power needs its unit (10kW or 10000W; a bare 10 is refused). Negative current, power or\n"
     "resistance means charging (Appendix A); cccv's end current has the current's sign. The set-points are\n"
     "checked against the mode and the module's protection limits; nothing is sent otherwise.\n"
     "The mode can change only while the module is stopped: --stop-first stops it first,\n"
     "--start starts it afterwards. New set-points for the mode it runs in need no stop.\n"
     "Modes: cv cv_limited cc cp cr ramp_current ramp_power magnification ramp_voltage\n"
     "pulse_current cccv pulse_resistance pulse_power dcr_test ac_power off_grid pulse_voltage\n"
     "idle standby (pcsctl set mode NAME ... for the ones without a shortcut).\n"
     "Example: pcsctl set cccv 700V -100A -5A --start\n",
     run_set},
    {"self-start", "", "power-on self-start on or off (0x0F byte 3)",
     "usage: pcsctl [-m MODULE] self-start on|off\n", run_self_start},
    {"external-data", "", "the heartbeat's external-device data (DC voltage and current)",
     "usage: pcsctl [-m MODULE] external-data\n"
     "       pcsctl [-m MODULE] external-data source zero|mirror|client [--fallback zero|mirror] [--max-age S]\n"
     "       pcsctl [-m MODULE] external-data set VOLTAGE CURRENT\n\n"
     "The heartbeat (0x1A) carries a DC voltage and current measured by the controller. zero:\n"
     "0 V and 0 A (no measurement; only ARM firmware newer than 2.1.38 accepts it); mirror: the\n"
     "module's own last DC voltage and current; client: values set with 'external-data set' (a\n"
     "BMS bridge), which older than --max-age (0.5-60 s) give way to --fallback. Without\n"
     "arguments: what the last heartbeat carried and the warnings about it.\n"
     "Example: pcsctl -m can0/250 external-data source mirror\n",
     run_external_data},
    {"limits", "", "read (and set) the protection limits",
     "usage: pcsctl [-m MODULE] limits [--set NAME=VALUE]...\n\n"
     "Names: max_output_voltage_v min_output_voltage_v max_charge_current_a max_discharge_current_a\n"
     "max_charge_power_kw max_discharge_power_kw ac_voltage_upper_v ac_voltage_lower_v\n"
     "discharge_frequency_upper_hz charge_frequency_lower_hz ac_frequency_upper_hz ac_frequency_lower_hz.\n"
     "A set is written whole, its other values read fresh from the module; then all are read back.\n",
     run_limits},
    {"setting", "", "read or write a special setting",
     "usage: pcsctl [-m MODULE] setting get NAME\n       pcsctl [-m MODULE] setting set NAME VALUE\n\n"
     "NAME: bus_voltage io split_phase inverter_phase reactive_control grid_switching module_parallel\n"
     "channel_parallel bus_parallel (read and write), versions working_mode (read only).\n"
     "VALUE: FIELD=V,FIELD=V (every field of the setting), or one number/on/off for one-field settings.\n"
     "Example: pcsctl setting set bus_voltage bus_voltage_v=750,reactive_power_kvar=0\n",
     run_setting},
    {"version", "", "versions of pcsctl, ystpcsd and the module firmware", "usage: pcsctl [-m MODULE] version\n",
     run_version},
    {"clock", "", "set the module clock to this computer's time", "usage: pcsctl [-m MODULE] clock sync\n", run_clock},
    {"profile", "", "test profiles: compile, validate, simulate, start, pause, resume, abort, status, results",
     "usage: pcsctl profile compile FILE|-          text form (\"Charge at 50 A until 700 V\") to JSON\n"
     "       pcsctl profile validate FILE|-         check a profile (JSON or text form), offline\n"
     "       pcsctl profile simulate FILE [--capacity-ah AH] [--voltage-v V] [--resistance-ohm OHM]\n"
     "                               [--soc 0..1] [--model PMA120] [--output DIR]\n"
     "                                              dry run on a simulated module, fake clock\n"
     "       pcsctl [-m MODULE] profile start FILE|-  run it in ystpcsd (survives pcsctl)\n"
     "       pcsctl profile pause|resume|restart-step|abort RUN\n"
     "       pcsctl profile status [RUN]             a run, or every run not finished\n"
     "       pcsctl profile list                     every run, one line each\n"
     "       pcsctl profile results RUN [DIR]        copy its .bdf.csv and .metadata.json to DIR\n"
     "\nThe format: docs/profiles.md. A run interrupted by a restart, a lost link or a Stop\n"
     "stays stopped until resume (validated again), restart-step or abort.\n",
     run_profile},
    {"record", "", "record raw frames to a file",
     "usage: pcsctl [-m MODULE] record -d SECONDS -o FILE [--format candump|csv|jsonl]\n\n"
     "Frames from the daemon's frame stream (the CAN socket stays the daemon's): with -m only\n"
     "that module's traffic. candump: candump -L lines (canplayer replays them, pcsctl decode\n"
     "reads them); csv: one row per decoded field (t,iface,id,dir,src,dst,frame,field,value);\n"
     "jsonl: one JSON object per frame as pcsctl decode prints. -o - writes to standard output.\n",
     run_record},
    {"log", "", "log modules' values for long tests (CSV), through daemon restarts",
     "usage: pcsctl [-m MODULE]... log -i SECONDS -o FILE.csv [-d SECONDS] [--fields NAME,...|all]\n\n"
     "One row per module per interval: time (ISO 8601 UTC with milliseconds), elapsed_s (since the\n"
     "log began), module, the fields, event. Default fields: state, stop_reason, mode, fault_code,\n"
     "dc_voltage_v, dc_current_a, dc_power_kw, capacity_ah, energy_wh, inlet_temperature_c,\n"
     "outlet_temperature_c\n"
     "(--fields all: every value of pcsctl get). Values at their resolution; a value that is not\n"
     "known (link lost, daemon gone) is an empty cell. When ystpcsd restarts the log goes on: the\n"
     "rows of the gap have empty values, the event column says daemon_lost, then daemon_back\n"
     "(and link_lost / link_back for a module). Several modules (-m 1 -m 2, -m all) share one\n"
     "file, or one file each when FILE contains %m (log-%m.csv: log-can0-250.csv). Until Ctrl-C or\n"
     "-d SECONDS.\n"
     "Example: pcsctl -m all log -i 1 -o /var/tmp/test-%m.csv --fields state,dc_voltage_v,dc_current_a\n",
     run_log},
    {"history", "", "the values ystpcsd kept of a module (CSV, or JSON with --json)",
     "usage: pcsctl [-m MODULE] history [-s SIGNAL[,SIGNAL...]] [--last SECONDS] [--from UNIX_TIME] [--to UNIX_TIME]\n\n"
     "The module's history kept by ystpcsd: a row per 200 ms for the last 10 minutes, before that\n"
     "1 s averages for the last 4 hours. CSV columns: time, unix_time, then each signal with its\n"
     "unit (DcVoltage_V, DcCurrent_A, ...); an empty cell where the value was not known or the\n"
     "link was lost. -s picks signals (default: all kept: DcVoltage, DcCurrent, DcPower,\n"
     "InletTemperature, OutletTemperature, Capacity, Energy, SystemActivePower). --last SECONDS\n"
     "or --from/--to (seconds since the Unix epoch) bound the time. --json: one object with\n"
     "module, units, times_us and columns (null for not known).\n",
     run_history},
    {"get", "", "print values, one a line, for shell scripts",
     "usage: pcsctl get MODULE [VALUE...]      (or pcsctl -m MODULE get VALUE...)\n\n"
     "Each VALUE on its own line as plain text, at its resolution (no unit); an empty line for a\n"
     "value not known. Without VALUE: every value as NAME=VALUE. Exit status 8 when the module\n"
     "is not communicating (its measured values are unknown). Names are snake_case with the unit,\n"
     "as in pcsctl decode: state, stop_reason, fault_code (hex), fault_text, mode, connected,\n"
     "power_stage_active, "
     "dc_voltage_v, dc_current_a, dc_power_kw, capacity_ah, energy_wh, inlet_temperature_c, ...\n"
     "--json: {\"module\": ..., \"values\": {NAME: VALUE}}.\n"
     "Example: v=$(pcsctl get can0/250 dc_voltage_v)\n",
     run_get},
    {"wait", "", "wait for a state, a fault or a condition (for scripts)",
     "usage: pcsctl [-m MODULE]... wait CONDITION... [--timeout SECONDS]\n\n"
     "Returns as soon as one CONDITION holds on one of the modules, printing which. CONDITION:\n"
     "NAME<V, NAME<=V, NAME>V, NAME>=V, NAME=V, NAME!=V with the names of pcsctl get (values may\n"
     "carry units: dc_voltage_v<685V), or 'fault' (any fault). Texts compare with = and !=\n"
     "(state=stop, mode=cccv). Waits through restarts of ystpcsd. --timeout bounds the wait.\n"
     "Exit status: 0 the condition holds; 9 --timeout passed first; 10 the module faulted or lost\n"
     "its link first (unless the condition is about the fault, the state or the link); 2 a bad\n"
     "condition.\n"
     "Example: pcsctl -m 1 wait 'dc_voltage_v<685' --timeout 7200 && pcsctl -m 1 stop\n",
     run_wait},
    {"phase-power", "", "per-phase active or reactive power",
     "usage: pcsctl [-m MODULE] phase-power active|reactive A B C\n\n"
     "Per-phase power for the AC modes (0x21 active, kW; 0x22 reactive, kvar). The values need a\n"
     "unit (10kW, 500W, 2kvar). The sum stays within the module's power limits.\n"
     "Example: pcsctl -m 1 phase-power active 10kW 10kW 5kW\n",
     run_phase_power},
    {"forget", "", "stop serving a module found by discovery",
     "usage: pcsctl forget MODULE\n\nNo more heartbeats to it (it faults after 5 s, as a module whose controller went away).\n",
     run_forget},
    {"broadcast-stop", "", "stop every PCS on an interface (broadcast 0x0F)",
     "usage: pcsctl broadcast-stop INTERFACE\n\nA broadcast (PS = 0) 0x0F stop on INTERFACE: also the modules ystpcsd does not serve.\n",
     run_broadcast_stop},
    {"list-interfaces", "", "CAN interfaces with state and bit rate (no daemon needed)",
     "usage: pcsctl list-interfaces\n\nFrom the kernel over rtnetlink: kind, up, operstate, bit rate, controller\n"
     "state (error-active/-warning/-passive, bus-off), packets and errors.\n",
     run_list_interfaces},
    {"decode", "", "decode a candump capture offline (no daemon needed)",
     "usage: pcsctl decode [--format json|table] [FILE...]\n"
     "\n"
     "Decodes CAN traffic captured with candump into engineering values. Reads each FILE\n"
     "(or standard input when none is given, or for '-') in any of candump's layouts:\n"
     "  candump -L          (1700000000.123456) can0 1811B4FA#0FA0251CFF380352\n"
     "  candump             can0  1811B4FA   [8]  0F A0 25 1C FF 38 03 52\n"
     "  candump -ta/-td/-tz/-tA, -x, -a\n"
     "\n"
     "--format json   one JSON object per input line (default):\n"
     "                {\"t\", \"iface\", \"id\", \"pf\", \"src\", \"dst\", \"dir\", \"frame\", \"fields\"}\n"
     "                a line that cannot be decoded gives {\"error\", \"line\"} and decoding goes on\n"
     "--format table  an aligned table for people\n"
     "\n"
     "Mode parameter frames (0x0C/0x0D, 0x37/0x38) show raw values, and scaled ones once the\n"
     "mode is known from an earlier 0x0B/0x36 of the same PCS in the stream.\n"
     "Exit status: 0, or 1 when a file cannot be read.\n",
     run_decode},
    {"export", "", "the protocol as a DBC file or a Wireshark dissector (no daemon needed)",
     "usage: pcsctl export dbc [--address ADDRESSES] [-o FILE]\n"
     "       pcsctl export wireshark [-o FILE]\n"
     "\n"
     "Both are generated from the protocol table that pcsctl decode and ystpcsd use; the copies\n"
     "for PCS 0xFA are docs/ystech-pcs.dbc and docs/ystech-pcs.lua (installed in /usr/share/ystpcs).\n"
     "\n"
     "dbc        every frame in both directions as a DBC file (SavvyCAN, BusMaster, CANdb++,\n"
     "           canmatrix, cantools). --address: the PCS addresses (default 250 = 0xFA), e.g.\n"
     "           1,2,0xFA; 0 adds the broadcast commands; all: every address and broadcast.\n"
     "           Mode-parameter frames (0x0C/0x0D/0x37/0x38) are raw i32 with each mode's scale\n"
     "           in their comments: the mode is in another frame, which DBC cannot multiplex on.\n"
     "wireshark  a Lua dissector for Wireshark and tshark (any address; SocketCAN pcap and candump\n"
     "           logs): tshark -X lua_script:ystech-pcs.lua -r capture.log -V\n"
     "\n"
     "-o FILE writes to FILE instead of standard output.\n",
     run_export},
    {"faults", "", "the fault table of the protocol (no daemon needed)",
     "usage: pcsctl faults [CODE]\n\nEvery fault code with its meaning and recommended action, or one (decimal or 0x...).\n",
     run_faults},
};

void print_overview() {
    std::printf(
        "usage: pcsctl [OPTIONS] COMMAND [ARGS...]\n"
        "\n"
        "Controls YSTECH PCS modules through the ystpcsd daemon (D-Bus org.ystpcs.pcs1).\n"
        "\n"
        "Commands:\n");
    for (const auto& c : kCommands) {
        std::string name(c.name);
        if (!c.alias.empty()) name += " (" + std::string(c.alias) + ")";
        std::printf("  %-22s %s\n", name.c_str(), std::string(c.summary).c_str());
    }
    std::printf(
        "\n"
        "Options:\n"
        "  -m, --module MODULE   the module: IFACE/ADDRESS (can0/250) or ADDRESS when unique;\n"
        "                        repeatable, or -m all, for start, stop, reset-faults, set, status,\n"
        "                        monitor, log, estop, clock, version\n"
        "  --json                machine-readable output (errors too: a JSON object on stderr)\n"
        "  --bus system|session  the bus ystpcsd is on (default system, or PCSCTL_BUS)\n"
        "  --bus-address ADDRESS a D-Bus address instead (tests, demos; or PCSCTL_BUS=ADDRESS)\n"
        "  --timeout SECONDS     per request (default 30)\n"
        "  --help, -h            this help; 'pcsctl COMMAND --help' for a command\n"
        "  --version             pcsctl's version\n"
        "\n%s"
        "\n"
        "Exit status: 0 success; 1 other failure; 2 usage error, unknown module, invalid or\n"
        "out-of-range value; 3 ystpcsd unreachable; 4 access denied (not root nor in group ystpcs);\n"
        "5 rejected by the PCS; 6 timeout; 7 refused by a safety interlock; 8 module not\n"
        "communicating or daemon busy; 9 wait: --timeout passed first; 10 wait: the module faulted\n"
        "first. Errors are one line on standard error.\n"
        "\nEnvironment: PCSCTL_BUS=system|session|ADDRESS, the bus when --bus/--bus-address are not given.\n",
        kModuleHelp);
}

const Command* find_command(std::string_view name) {
    for (const auto& c : kCommands)
        if (c.name == name || (!c.alias.empty() && c.alias == name)) return &c;
    return nullptr;
}

// Global options may come before or after the command.
bool take_global(std::vector<std::string>& args, std::size_t& i, GlobalOptions& g) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::string {
        if (i + 1 >= args.size()) throw CommandFailure{exit_usage, std::string(name) + " needs a value"};
        return args[++i];
    };
    if (a == "--json") g.json = true;
    else if (a == "-m" || a == "--module") g.modules.push_back(value("-m"));
    else if (a.rfind("--module=", 0) == 0) g.modules.push_back(a.substr(9));
    else if (a == "--bus") {
        g.bus = value("--bus");
        g.bus_address.clear();  // the command line wins over PCSCTL_BUS
        if (g.bus != "system" && g.bus != "session") throw CommandFailure{exit_usage, "--bus takes system or session"};
    } else if (a == "--bus-address") g.bus_address = value("--bus-address");
    else if (a == "--timeout") {
        const std::string v = value("--timeout");
        char* end = nullptr;
        g.timeout_s = std::strtod(v.c_str(), &end);
        if (*end != '\0' || g.timeout_s <= 0) throw CommandFailure{exit_usage, "--timeout takes seconds > 0"};
        g.timeout_given = true;
    } else return false;
    return true;
}

// PCSCTL_BUS: system, session, or a D-Bus address (unix:path=...); the command line wins.
void take_environment(GlobalOptions& g) {
    const char* bus = std::getenv("PCSCTL_BUS");
    if (bus == nullptr || *bus == '\0') return;
    const std::string b(bus);
    if (b == "system" || b == "session") g.bus = b;
    else if (b.find(':') != std::string::npos) g.bus_address = b;
    else throw CommandFailure{exit_usage, "PCSCTL_BUS='" + b + "' is neither system, session nor a D-Bus address (unix:path=...)"};
}

// Under --json an error is a JSON object on standard error, for scripts that parse both.
int report_error(bool json_errors, int exit_code, const std::string& message) {
    if (json_errors)
        std::fprintf(stderr, "%s\n", json{{"error", message}, {"exit_status", exit_code}}.dump().c_str());
    else
        std::fprintf(stderr, "pcsctl: %s\n", message.c_str());
    return exit_code;
}

}  // namespace
}  // namespace ystpcs::ctl

int main(int argc, char** argv) {
    using namespace ystpcs::ctl;
    std::vector<std::string> all(argv + 1, argv + argc);
    bool json_errors = std::find(all.begin(), all.end(), "--json") != all.end();
    try {
        GlobalOptions global;
        take_environment(global);
        const Command* cmd = nullptr;
        std::vector<std::string> args;
        bool help = false;
        for (std::size_t i = 0; i < all.size(); ++i) {
            const std::string& a = all[i];
            if (take_global(all, i, global)) continue;
            if (a == "--help" || a == "-h") {
                help = true;
                continue;
            }
            if (cmd == nullptr && a == "--version") {
                std::printf("pcsctl %s\n", YSTPCS_VERSION);
                return exit_ok;
            }
            if (cmd == nullptr) {
                if (!a.empty() && a[0] == '-') throw CommandFailure{exit_usage, "unknown option '" + a + "' (see pcsctl --help)"};
                cmd = find_command(a);
                if (cmd == nullptr) throw CommandFailure{exit_usage, "unknown command '" + a + "' (see pcsctl --help)"};
                continue;
            }
            args.push_back(a);
        }
        if (help) {
            if (cmd) std::fputs((std::string(cmd->usage) + "\n" + kModuleHelp).c_str(), stdout);
            else print_overview();
            return exit_ok;
        }
        if (cmd == nullptr) {
            print_overview();
            return exit_usage;
        }
        return cmd->run(global, args);
    } catch (const CommandFailure& f) {
        return report_error(json_errors, f.exit_code, f.message);
    } catch (const sdbus::Error& e) {
        return report_error(json_errors, exit_code_for_error(e.getName()), e.getMessage() + " (" + e.getName() + ")");
    } catch (const std::exception& e) {
        return report_error(json_errors, exit_failure, e.what());
    }
}
