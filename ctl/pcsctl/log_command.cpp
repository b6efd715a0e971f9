// `pcsctl log`: a time series of one or several modules for long tests, as CSV. It reads
// from a ModuleFeed, so a restart of ystpcsd is a gap in the file (rows with empty values,
// marked in the event column), not the end of the log.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "pcsctl/client.h"
#include "pcsctl/client_loop.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/module_feed.h"
#include "pcsctl/output.h"
#include "pcsctl/values.h"

namespace ystpcs::ctl {

namespace {

constexpr const char* kDefaultFields =
    "state,stop_reason,mode,fault_code,dc_voltage_v,dc_current_a,dc_power_kw,capacity_ah,energy_wh,inlet_temperature_c,"
    "outlet_temperature_c";

std::vector<const ValueDef*> parse_fields(const std::string& list) {
    std::vector<const ValueDef*> out;
    if (list == "all") {
        for (const auto& v : value_catalog()) out.push_back(&v);
        return out;
    }
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto comma = list.find(',', start);
        const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!name.empty()) {
            const ValueDef* v = find_value(name);
            if (v == nullptr) throw CommandFailure{exit_usage, "log --fields: " + unknown_value_message(name)};
            out.push_back(v);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (out.empty()) throw CommandFailure{exit_usage, "log --fields takes NAME,NAME,... or all"};
    return out;
}

// One output: standard output or a file, flushed after every row (a crash loses nothing).
class Sink {
public:
    explicit Sink(const std::string& path) : path_(path) {
        if (path == "-") return;
        file_.open(path, std::ios::trunc);
        if (!file_) throw CommandFailure{exit_failure, "cannot write " + path + ": " + std::strerror(errno)};
    }
    std::ostream& out() { return path_ == "-" ? std::cout : file_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::ofstream file_;
};

// "log-%m.csv" with sim/1 -> "log-sim-1.csv".
std::string per_module_path(const std::string& pattern, const std::string& module) {
    std::string name = module;
    for (char& c : name)
        if (c == '/') c = '-';
    std::string out = pattern;
    for (auto at = out.find("%m"); at != std::string::npos; at = out.find("%m", at + name.size())) out.replace(at, 2, name);
    return out;
}

}  // namespace

int run_log(const GlobalOptions& g, std::span<const std::string> args) {
    double interval_s = 1, duration_s = 0;
    std::string output, fields_arg = kDefaultFields;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "-i" || a == "--interval") && i + 1 < args.size()) interval_s = positive_seconds(args[++i], "log -i");
        else if ((a == "-d" || a == "--duration") && i + 1 < args.size()) duration_s = positive_seconds(args[++i], "log -d");
        else if ((a == "-o" || a == "--output") && i + 1 < args.size()) output = args[++i];
        else if (a == "--fields" && i + 1 < args.size()) fields_arg = args[++i];
        else throw CommandFailure{exit_usage, "log: unexpected argument '" + a + "' (see pcsctl log --help)"};
    }
    if (output.empty()) throw CommandFailure{exit_usage, "log needs -o FILE.csv (or -o - for standard output)"};
    if (interval_s < 0.05) throw CommandFailure{exit_usage, "log -i must be at least 0.05 s"};
    const auto fields = parse_fields(fields_arg);
    Client client(g);
    ModuleFeed feed(client, client.chosen_paths(false));
    const bool split = output.find("%m") != std::string::npos;
    if (split && output == "-") throw CommandFailure{exit_usage, "log -o: %m needs a file name"};

    std::map<std::string, std::unique_ptr<Sink>> sinks;  // by module name; one shared under "" when not split
    std::string header = "time,elapsed_s,module";
    for (const auto* f : fields) header += "," + f->name;
    header += ",event\n";
    auto open_sink = [&](const std::string& key, const std::string& path) {
        auto& s = sinks[key] = std::make_unique<Sink>(path);
        s->out() << header;
        s->out().flush();
    };
    if (split)
        for (const auto& m : feed.modules()) open_sink(m.name, per_module_path(output, m.name));
    else open_sink("", output);

    // Events are written on the next row of the module they concern.
    std::map<std::string, std::string> pending;
    auto note = [&](const std::string& module, const std::string& event) {
        auto& p = pending[module];
        p += (p.empty() ? "" : " ") + event;
    };
    std::map<std::string, bool> linked;
    for (const auto& m : feed.modules()) linked[m.name] = flag(m.props, "Connected");
    feed.on_daemon = [&](bool up) {
        for (const auto& m : feed.modules()) note(m.name, up ? "daemon_back" : "daemon_lost");
        std::fprintf(stderr, "pcsctl: %s %s\n", iso_utc_now().c_str(),
                     up ? "ystpcsd is back; logging goes on" : "ystpcsd is gone; the log marks the gap and waits for it");
    };

    const auto start = std::chrono::steady_clock::now();
    std::size_t rows = 0;
    run_client_loop(&client.connection(), std::chrono::milliseconds(static_cast<long>(interval_s * 1000)), [&] {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed_s = std::chrono::duration<double>(now - start).count();
        if (duration_s > 0 && elapsed_s >= duration_s + 1e-3) return false;
        feed.refresh();
        const std::string stamp = iso_utc_now();
        for (auto& m : feed.modules()) {
            const bool link = feed.daemon_up() && m.fresh && flag(m.props, "Connected");
            if (feed.daemon_up() && m.fresh && link != linked[m.name]) note(m.name, link ? "link_back" : "link_lost");
            if (feed.daemon_up() && m.fresh) linked[m.name] = link;
            std::string row = stamp + "," + fixed(elapsed_s, 3) + "," + m.name;
            for (const auto* f : fields) row += "," + (m.fresh ? csv_cell(value_text(*f, m.props)) : std::string());
            row += "," + pending[m.name] + "\n";
            pending[m.name].clear();
            auto& sink = *sinks[split ? m.name : ""];
            sink.out() << row;
            sink.out().flush();
        }
        ++rows;
        return true;
    });
    if (output != "-")
        std::fprintf(stderr, "pcsctl: logged %zu samples of %zu module(s) to %s\n", rows, feed.modules().size(),
                     output.c_str());
    return exit_ok;
}

}  // namespace ystpcs::ctl
