// pcsctl: the command-line client of ystpcs. Everything but `decode`, `faults` and
// `list-interfaces` goes through ystpcsd's D-Bus API.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sdbus-c++/Error.h>

#include "pcsctl/client.h"
#include "pcsctl/command.h"
#include "pcsctl/exit_codes.h"

namespace ystpcs::ctl {
namespace {

constexpr const char* kModuleHelp =
    "The module is chosen with -m IFACE/ADDRESS (e.g. -m can0/250) or -m ADDRESS when the\n"
    "address is unique; without -m, the only module served.\n";

constexpr Command kCommands[] = {
    {"status", "", "one-shot status of one or all modules",
     "usage: pcsctl [-m MODULE] status [MODULE]\n\n"
     "DC and AC values per phase, temperatures, running state, fault with its text and\n"
     "recommended action, working mode and parameters, protection limits, firmware, link health.\n"
     "Without a module: every module. --json prints the D-Bus properties.\n",
     run_status},
    {"list", "", "the modules served, one line each", "usage: pcsctl list\n", run_list},
    {"monitor", "", "live values, redrawn as they change",
     "usage: pcsctl [-m MODULE] monitor [-d SECONDS]\n\n"
     "A table of every module (or the one chosen) redrawn in place when values change (at most\n"
     "every 200 ms); on a terminal it uses the alternate screen, Ctrl-C quits. --json prints a\n"
     "snapshot per module, then one JSON line per change (PropertiesChanged) and per\n"
     "StateChanged/FaultRaised/FaultCleared signal. -d stops after SECONDS.\n",
     run_monitor},
    {"start", "enable", "start the module (0x0F byte 1 = 1)",
     "usage: pcsctl [-m MODULE] start\n\nStarts the power stage in the module's working mode; bytes 2 and 3 of 0x0F\n"
     "repeat what was last commanded. Refused while the module is in fault or an emergency stop\n"
     "is active.\n",
     run_start},
    {"stop", "disable", "stop the module", "usage: pcsctl [-m MODULE] stop\n\nNever refused.\n", run_stop},
    {"reset-faults", "", "clear faults (0x0F byte 2), ends an emergency stop",
     "usage: pcsctl [-m MODULE] reset-faults\n\nRemove the cause first. Bytes 1 and 3 of 0x0F repeat what was last\n"
     "commanded, so a running module keeps running and a stopped one stays stopped.\n",
     run_reset_faults},
    {"estop", "", "emergency stop (heartbeat state 3 and stop)",
     "usage: pcsctl [-m MODULE] estop\n\nWithout -m: every module. The heartbeat to the module says 3 (the PCS shuts\n"
     "down with a fault) until pcsctl reset-faults.\n",
     run_estop},
    {"set", "", "set the working mode and its set-points",
     "usage: pcsctl [-m MODULE] set cv V | cc A | cp W | cccv V A A_END | cr OHM | mode NAME P1..P4\n"
     "                              [--stop-first] [--start]\n\n"
     "Values accept unit suffixes with prefixes m, k, M: 400V, -50A, 500mA, 10kW, 2.5ohm.\n"
     "Negative current, power or resistance means charging (Appendix A). The set-points are\n"
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
    {"log", "", "log a module's values at an interval (CSV)",
     "usage: pcsctl [-m MODULE] log -i SECONDS -o FILE.csv [-d SECONDS]\n\n"
     "One row per interval with time, state, fault, mode and every value the module reports\n"
     "(columns named after the D-Bus properties with the unit, e.g. DcVoltage_V). Until Ctrl-C\n"
     "or -d SECONDS.\n",
     run_log},
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
        "  -m, --module MODULE   the module: IFACE/ADDRESS (can0/250) or ADDRESS when unique\n"
        "  --json                machine-readable output\n"
        "  --bus system|session  the bus ystpcsd is on (default system)\n"
        "  --bus-address ADDRESS a D-Bus address instead (tests, demos)\n"
        "  --timeout SECONDS     per request (default 30)\n"
        "  --help, -h            this help; 'pcsctl COMMAND --help' for a command\n"
        "  --version             pcsctl's version\n"
        "\n%s"
        "\n"
        "Exit status: 0 success; 1 other failure; 2 usage error, unknown module, invalid or\n"
        "out-of-range value; 3 ystpcsd unreachable; 4 access denied (not root nor in group ystpcs);\n"
        "5 rejected by the PCS; 6 timeout; 7 refused by a safety interlock; 8 module not\n"
        "communicating or daemon busy. Errors are one line on standard error.\n",
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
    else if (a == "-m" || a == "--module") g.module = value("-m");
    else if (a.rfind("--module=", 0) == 0) g.module = a.substr(9);
    else if (a == "--bus") {
        g.bus = value("--bus");
        if (g.bus != "system" && g.bus != "session") throw CommandFailure{exit_usage, "--bus takes system or session"};
    } else if (a == "--bus-address") g.bus_address = value("--bus-address");
    else if (a == "--timeout") {
        const std::string v = value("--timeout");
        char* end = nullptr;
        g.timeout_s = std::strtod(v.c_str(), &end);
        if (*end != '\0' || g.timeout_s <= 0) throw CommandFailure{exit_usage, "--timeout takes seconds > 0"};
    } else return false;
    return true;
}

}  // namespace
}  // namespace ystpcs::ctl

int main(int argc, char** argv) {
    using namespace ystpcs::ctl;
    std::vector<std::string> all(argv + 1, argv + argc);
    try {
        GlobalOptions global;
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
        std::fprintf(stderr, "pcsctl: %s\n", f.message.c_str());
        return f.exit_code;
    } catch (const sdbus::Error& e) {
        std::fprintf(stderr, "pcsctl: %s (%s)\n", e.getMessage().c_str(), e.getName().c_str());
        return exit_code_for_error(e.getName());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pcsctl: %s\n", e.what());
        return exit_failure;
    }
}
