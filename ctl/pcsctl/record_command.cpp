// `pcsctl record`: raw frames through the daemon's frame stream, as candump -L lines
// (canplayer replays them), or decoded as CSV or JSON lines.
// `pcsctl history`: the time series ystpcsd kept of one module (ReadHistory), as CSV or JSON.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

#include "dbus/names.h"
#include "pcsctl/client.h"
#include "pcsctl/client_loop.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"
#include "protocol/capture_decoder.h"

namespace ystpcs::ctl {

namespace {

struct Output {
    std::ofstream file;
    std::ostream* out = &std::cout;
    explicit Output(const std::string& path) {
        if (path == "-") return;
        file.open(path, std::ios::trunc);
        if (!file) throw CommandFailure{exit_failure, "cannot write " + path + ": " + std::strerror(errno)};
        out = &file;
    }
};

}  // namespace

int run_record(const GlobalOptions& g, std::span<const std::string> args) {
    double duration_s = 0;
    std::string output, format = "candump";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "-d" || a == "--duration") && i + 1 < args.size()) duration_s = positive_seconds(args[++i], "record -d");
        else if ((a == "-o" || a == "--output") && i + 1 < args.size()) output = args[++i];
        else if (a == "--format" && i + 1 < args.size()) format = args[++i];
        else throw CommandFailure{exit_usage, "record: unexpected argument '" + a + "' (see pcsctl record --help)"};
    }
    if (output.empty()) throw CommandFailure{exit_usage, "record needs -o FILE (or -o - for standard output)"};
    if (duration_s <= 0) throw CommandFailure{exit_usage, "record needs -d SECONDS"};
    if (format != "candump" && format != "csv" && format != "jsonl")
        throw CommandFailure{exit_usage, "record --format takes candump, csv or jsonl"};

    Client client(g);
    std::map<std::string, sdbus::Variant> filters;
    if (!g.modules.empty()) {
        auto m = client.module();
        const auto ref = dbus::parse_module_path(m->path());
        filters["interface"] = sdbus::Variant(ref->interface);
        filters["address"] = sdbus::Variant(ref->address);
    }
    sdbus::UnixFd stream = call("open the frame stream", [&] { return client.manager().OpenFrameStream(filters); });
    Output out(output);
    protocol::CaptureDecoder decoder;
    if (format == "csv") *out.out << "t,iface,id,dir,src,dst,frame,field,value\n";
    std::string buffer;
    std::size_t lines = 0;
    auto emit = [&](const std::string& line) {
        ++lines;
        if (format == "candump") {
            *out.out << line << '\n';
            return;
        }
        const auto entry = decoder.decode(line);
        if (format == "jsonl") {
            const auto j = decoder.to_json(entry, lines);
            if (!j.is_null()) *out.out << j.dump() << '\n';
            return;
        }
        if (!entry.decoded) return;
        const auto j = decoder.to_json(entry, lines);
        const std::string head = fixed(j.value("t", 0.0), 6) + "," + j["iface"].get<std::string>() + "," +
                                 j["id"].get<std::string>() + "," + j["dir"].get<std::string>() + "," +
                                 std::to_string(j["src"].get<int>()) + "," + std::to_string(j["dst"].get<int>()) + "," +
                                 j["frame"].get<std::string>() + ",";
        for (const auto& [k, v] : j["fields"].items())
            *out.out << head << k << "," << csv_cell(v.is_string() ? v.get<std::string>() : v.dump()) << '\n';
    };
    const auto start = std::chrono::steady_clock::now();
    const int fd = stream.get();
    bool eof = false;
    run_client_loop(&client.connection(), std::chrono::milliseconds(100),
                    [&] { return std::chrono::steady_clock::now() - start < std::chrono::duration<double>(duration_s); },
                    {WatchedFd{fd, [&] {
                                   char buf[65536];
                                   const ssize_t r = ::read(fd, buf, sizeof buf);
                                   if (r <= 0) {
                                       eof = true;
                                       return false;
                                   }
                                   buffer.append(buf, static_cast<std::size_t>(r));
                                   for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
                                       emit(buffer.substr(0, nl));
                                       buffer.erase(0, nl + 1);
                                   }
                                   // A pipe's reader (a console) sees the frames as they come.
                                   if (output == "-") out.out->flush();
                                   return true;
                               }}});
    out.out->flush();
    if (eof) throw CommandFailure{exit_unreachable, "the daemon closed the frame stream (did ystpcsd stop?)"};
    if (output != "-") std::fprintf(stderr, "pcsctl: recorded %zu frames in %.1f s to %s\n", lines, duration_s, output.c_str());
    return exit_ok;
}

namespace {
// History columns keep the property names of ReadHistory with an ASCII unit: DcVoltage_V.
std::string history_unit_suffix(const std::string& unit) {
    if (unit == "°C") return "C";
    if (unit == "%") return "pct";
    if (unit == "Ω") return "ohm";
    return unit;
}

std::uint64_t unix_arg_us(const std::string& s, const char* what) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0' || !(v > 0))
        throw CommandFailure{exit_usage, std::string(what) + " takes seconds since the Unix epoch, not '" + s + "'"};
    return static_cast<std::uint64_t>(v * 1e6);
}
}  // namespace

int run_history(const GlobalOptions& g, std::span<const std::string> args) {
    std::vector<std::string> signals;
    std::uint64_t from_us = 0, to_us = 0;
    double last_s = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "-s" || a == "--signals") && i + 1 < args.size()) {
            std::string list = args[++i];
            for (std::size_t start = 0; start <= list.size();) {
                const auto comma = std::min(list.find(',', start), list.size());
                if (comma > start) signals.push_back(list.substr(start, comma - start));
                start = comma + 1;
            }
        } else if (a == "--last" && i + 1 < args.size()) {
            last_s = positive_seconds(args[++i], "history --last");
        } else if (a == "--from" && i + 1 < args.size()) {
            from_us = unix_arg_us(args[++i], "history --from");
        } else if (a == "--to" && i + 1 < args.size()) {
            to_us = unix_arg_us(args[++i], "history --to");
        } else {
            throw CommandFailure{exit_usage, "history: unexpected argument '" + a + "' (see pcsctl history --help)"};
        }
    }
    if (last_s > 0) {
        if (from_us != 0) throw CommandFailure{exit_usage, "history: --last and --from exclude each other"};
        const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
        from_us = static_cast<std::uint64_t>(now_us - static_cast<std::int64_t>(last_s * 1e6));
    }
    Client client(g);
    auto m = client.module();
    const auto [times, columns] = call("ReadHistory on " + m->name(), [&] { return m->ReadHistory(signals, from_us, to_us); });
    // The columns in the order asked for, or the daemon's order of HistorySignals.
    std::vector<std::pair<std::string, std::string>> order;  // property, unit
    auto& manager = client.manager();
    for (const auto& s : call("HistorySignals", [&] { return manager.HistorySignals(); }))
        if (columns.count(s.get<0>()) != 0) order.emplace_back(s.get<0>(), s.get<1>());
    if (!signals.empty()) {
        std::vector<std::pair<std::string, std::string>> asked;
        for (const auto& name : signals)
            for (const auto& o : order)
                if (o.first == name) asked.push_back(o);
        order = asked;
    }
    if (g.json) {
        json j;
        j["module"] = m->name();
        j["units"] = json::object();
        for (const auto& [name, unit] : order) j["units"][name] = unit;
        j["times_us"] = times;
        j["columns"] = json::object();
        for (const auto& [name, unit] : order) {
            json col = json::array();
            for (double v : columns.at(name)) col.push_back(std::isfinite(v) ? json(v) : json(nullptr));
            j["columns"][name] = col;
        }
        std::cout << j.dump() << "\n";
        return exit_ok;
    }
    std::cout << "time,unix_time";
    for (const auto& [name, unit] : order) std::cout << "," << name << (unit.empty() ? "" : "_" + history_unit_suffix(unit));
    std::cout << "\n";
    for (std::size_t r = 0; r < times.size(); ++r) {
        const std::time_t t = static_cast<std::time_t>(times[r] / 1'000'000);
        char iso[40];
        std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", std::localtime(&t));
        char frac[8];
        std::snprintf(frac, sizeof frac, ".%03u", static_cast<unsigned>((times[r] / 1000) % 1000));
        std::cout << iso << frac << "," << fixed(static_cast<double>(times[r]) / 1e6, 3);
        for (const auto& [name, unit] : order) {
            const double v = columns.at(name)[r];
            std::cout << "," << (std::isfinite(v) ? fixed(v, decimals_of(name)) : "");
        }
        std::cout << "\n";
    }
    return exit_ok;
}

}  // namespace ystpcs::ctl
