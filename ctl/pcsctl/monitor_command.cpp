// `pcsctl monitor`: live values, redrawn in place as PropertiesChanged arrive (no full-screen
// clear, so no flicker); with --json one line per change for scripts.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "pcsctl/client.h"
#include "pcsctl/client_loop.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"

namespace ystpcs::ctl {

namespace {

double now_unix() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Watched {
    std::unique_ptr<ModuleProxy> proxy;
    Properties props;
};

std::string row(const std::string& name, const Properties& p) {
    char buf[512];
    const auto fault = static_cast<int>(number(p, "FaultCode"));
    std::snprintf(buf, sizeof buf, "%-10s %-5s %-28.28s %-6s %-8.8s %9s %9s %8s %8s %9s %6s %6s", name.c_str(),
                  flag(p, "Connected") ? "ok" : "LOST", text(p, "RunningStateName").c_str(),
                  fault == 0 ? "-" : std::to_string(fault).c_str(), text(p, "WorkingMode").c_str(),
                  fixed(number(p, "DcVoltage"), 1).c_str(), fixed(number(p, "DcCurrent"), 1).c_str(),
                  fixed(number(p, "DcPower"), 1).c_str(), fixed(number(p, "Capacity"), 1).c_str(),
                  fixed(number(p, "Energy"), 1).c_str(), fixed(number(p, "InletTemperature"), 1).c_str(),
                  fixed(number(p, "OutletTemperature"), 1).c_str());
    return buf;
}

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
    std::vector<Watched> modules;
    for (auto& p : client.modules_or_all()) modules.push_back(Watched{std::move(p), {}});
    if (modules.empty()) throw CommandFailure{exit_not_connected, "ystpcsd serves no module yet"};
    bool dirty = true;
    for (auto& w : modules) {
        w.props = call("read " + w.proxy->name(), [&] { return w.proxy->properties(); });
        Watched* self = &w;
        const std::string name = w.proxy->name();
        w.proxy->on_properties = [self, &dirty, &g, name](const Properties& changed) {
            for (const auto& [k, v] : changed) self->props[k] = v;
            dirty = true;
            if (g.json) std::cout << json{{"t", now_unix()}, {"module", name}, {"changed", to_json(changed)}}.dump() << std::endl;
        };
        w.proxy->on_state = [&g, name](std::uint32_t state, const std::string& text_) {
            if (g.json)
                std::cout << json{{"t", now_unix()}, {"module", name}, {"signal", "StateChanged"}, {"state", state}, {"name", text_}}.dump()
                          << std::endl;
        };
        w.proxy->on_fault = [&g, name](std::uint16_t code, const std::string& text_) {
            if (g.json)
                std::cout << json{{"t", now_unix()}, {"module", name}, {"signal", code ? "FaultRaised" : "FaultCleared"},
                                  {"code", code}, {"text", text_}}.dump()
                          << std::endl;
        };
        if (g.json) std::cout << json{{"t", now_unix()}, {"module", name}, {"snapshot", to_json(w.props)}}.dump() << std::endl;
    }

    const bool tty = ::isatty(STDOUT_FILENO) != 0 && !g.json;
    if (tty) std::fputs("\x1b[?1049h\x1b[?25l", stdout);  // alternate screen, cursor hidden
    const auto start = std::chrono::steady_clock::now();
    auto last_plain = start - std::chrono::seconds(10);
    run_client_loop(&client.connection(), std::chrono::milliseconds(200), [&] {
        const auto now = std::chrono::steady_clock::now();
        if (duration_s > 0 && now - start >= std::chrono::duration<double>(duration_s)) return false;
        if (g.json || !dirty) return true;
        if (!tty && now - last_plain < std::chrono::seconds(1)) return true;  // a log, not an animation
        dirty = false;
        last_plain = now;
        const std::time_t t = std::time(nullptr);
        char clock_text[32];
        std::strftime(clock_text, sizeof clock_text, "%H:%M:%S", std::localtime(&t));
        std::string screen = tty ? "\x1b[H" : "";
        const std::string eol = tty ? "\x1b[K\n" : "\n";
        screen += std::string("ystpcs monitor  ") + clock_text + "  " + std::to_string(modules.size()) +
                  " module(s)" + (tty ? "  (Ctrl-C to quit)" : "") + eol;
        char head[256];
        std::snprintf(head, sizeof head, "%-10s %-5s %-28s %-6s %-8s %9s %9s %8s %8s %9s %6s %6s", "MODULE", "LINK",
                      "STATE", "FAULT", "MODE", "V", "A", "kW", "Ah", "Wh", "IN °C", "OUT °C");
        screen += head + eol;
        for (const auto& w : modules) screen += row(w.proxy->name(), w.props) + eol;
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
