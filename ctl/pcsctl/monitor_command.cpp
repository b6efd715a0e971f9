// `pcsctl monitor`: live values, redrawn in place as PropertiesChanged arrive (no full-screen
// clear, so no flicker); with --json one line per change for scripts. Reads from a
// ModuleFeed: the loss of ystpcsd shows at once (a banner, LINK "gone"), and after it comes
// back a fresh snapshot is shown (and printed under --json).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "pcsctl/client.h"
#include "pcsctl/client_loop.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/module_feed.h"
#include "pcsctl/output.h"
#include "pcsctl/values.h"

namespace ystpcs::ctl {

namespace {

// Every catalog value whose property is among `changed` (all of them when `changed` is null).
json values_of(const Properties& props, const Properties* changed) {
    json out = json::object();
    for (const auto& v : value_catalog())
        if (changed == nullptr || changed->count(v.property) != 0U || (v.reported && changed->count("Connected") != 0U))
            out[v.name] = value_json(v, props);
    return out;
}

std::string row(const ModuleFeed::Module& m, bool daemon_up) {
    const Properties& p = m.props;
    const bool known = daemon_up && m.fresh && flag(p, "Connected");
    std::string state = text(p, "RunningStateName");
    if (const std::string why = text(p, "StopReason"); !why.empty()) state += " (" + why + ")";
    auto val = [&](const char* name) { return known ? value_text(*find_value(name), p) : std::string("—"); };
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-10s %-5s %-26.26s %-30.30s %-8.8s %9s %9s %8s %8s %9s %6s %6s", m.name.c_str(),
                  !daemon_up ? "gone" : known ? "ok" : "LOST", known ? state.c_str() : "—",
                  known ? fault_description(p).c_str() : "—", text(p, "WorkingMode").c_str(), val("dc_voltage_v").c_str(),
                  val("dc_current_a").c_str(), val("dc_power_kw").c_str(), val("capacity_ah").c_str(),
                  val("energy_wh").c_str(), val("inlet_temperature_c").c_str(), val("outlet_temperature_c").c_str());
    return buf;
}

void print_json(const json& j) { std::cout << j.dump() << std::endl; }

}  // namespace

int run_monitor(const GlobalOptions& g, std::span<const std::string> args) {
    double duration_s = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if ((args[i] == "-d" || args[i] == "--duration") && i + 1 < args.size()) {
            char* end = nullptr;
            duration_s = std::strtod(args[++i].c_str(), &end);
            if (*end != '\0' || duration_s <= 0) throw CommandFailure{exit_usage, "monitor: -d takes seconds > 0"};
        } else {
            throw CommandFailure{exit_usage, "monitor: unexpected argument '" + args[i] + "' (monitor [-d SECONDS])"};
        }
    }
    Client client(g);
    ModuleFeed feed(client, client.chosen_paths(true));
    bool dirty = true;
    std::string lost_since;
    // The fault each module last reported: a FaultCleared without a fault before it is not news.
    std::map<std::string, std::uint16_t> fault_of;
    auto snapshot = [&](ModuleFeed::Module& m) {
        const double code = number(m.props, "FaultCode");
        fault_of[m.name] = std::isfinite(code) ? static_cast<std::uint16_t>(code) : 0;
        dirty = true;
        if (g.json) print_json({{"time", iso_utc_now()}, {"module", m.name}, {"event", "snapshot"}, {"values", values_of(m.props, nullptr)}});
    };
    feed.on_snapshot = snapshot;
    feed.on_change = [&](ModuleFeed::Module& m, const Properties& changed) {
        dirty = true;
        if (!g.json) return;
        const json values = values_of(m.props, &changed);
        if (!values.empty()) print_json({{"time", iso_utc_now()}, {"module", m.name}, {"event", "changed"}, {"values", values}});
    };
    feed.on_state = [&](ModuleFeed::Module& m, std::uint32_t state, const std::string& name) {
        if (g.json) print_json({{"time", iso_utc_now()}, {"module", m.name}, {"event", "state_changed"}, {"running_state", state}, {"state", name}});
    };
    feed.on_fault = [&](ModuleFeed::Module& m, std::uint16_t code, const std::string& fault_text) {
        const std::uint16_t before = fault_of[m.name];
        fault_of[m.name] = code;
        if (!g.json || (code == 0 && before == 0)) return;
        if (code == 0) print_json({{"time", iso_utc_now()}, {"module", m.name}, {"event", "fault_cleared"}});
        else
            print_json({{"time", iso_utc_now()}, {"module", m.name}, {"event", "fault_raised"}, {"fault_code", code},
                        {"fault_hex", fault_hex(code)}, {"fault_text", fault_text}});
    };
    feed.on_daemon = [&](bool up) {
        dirty = true;
        lost_since = up ? "" : iso_utc_now();
        if (g.json) print_json({{"time", iso_utc_now()}, {"event", up ? "daemon_back" : "daemon_lost"}});
    };
    for (auto& m : feed.modules()) snapshot(m);

    const bool tty = ::isatty(STDOUT_FILENO) != 0 && !g.json;
    if (tty) std::fputs("\x1b[?1049h\x1b[?25l", stdout);  // alternate screen, cursor hidden
    const auto start = std::chrono::steady_clock::now();
    auto last_plain = start - std::chrono::seconds(10);
    run_client_loop(&client.connection(), std::chrono::milliseconds(200), [&] {
        feed.refresh();
        const auto now = std::chrono::steady_clock::now();
        if (duration_s > 0 && now - start >= std::chrono::duration<double>(duration_s)) return false;
        if (g.json || !dirty) return true;
        if (!tty && now - last_plain < std::chrono::seconds(1)) return true;  // a log, not an animation
        dirty = false;
        last_plain = now;
        std::string screen = tty ? "\x1b[H" : "";
        const std::string eol = tty ? "\x1b[K\n" : "\n";
        screen += "ystpcs monitor  " + iso_utc_now() + "  " + std::to_string(feed.modules().size()) + " module(s)" +
                  (tty ? "  (Ctrl-C to quit)" : "") + eol;
        if (!feed.daemon_up())
            screen += (tty ? "\x1b[7m" : std::string()) + "DAEMON LOST since " + lost_since +
                      ": ystpcsd is not on the bus; the values below are unknown until it is back" +
                      (tty ? "\x1b[0m" : std::string()) + eol;
        char head[256];
        std::snprintf(head, sizeof head, "%-10s %-5s %-26s %-30s %-8s %9s %9s %8s %8s %9s %6s %6s", "MODULE", "LINK",
                      "STATE", "FAULT", "MODE", "V", "A", "kW", "Ah", "Wh", "IN °C", "OUT °C");
        screen += head + eol;
        for (const auto& m : feed.modules()) screen += row(m, feed.daemon_up()) + eol;
        if (tty) screen += "\x1b[J";
        std::fputs(screen.c_str(), stdout);
        std::fflush(stdout);
        return true;
    });
    if (tty) std::fputs("\x1b[?25h\x1b[?1049l", stdout);
    std::fflush(stdout);
    return exit_ok;
}

}  // namespace ystpcs::ctl
