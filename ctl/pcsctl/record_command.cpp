// `pcsctl record`: raw frames through the daemon's frame stream, as candump -L lines
// (canplayer replays them), or decoded as CSV or JSON lines.
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
                                   return true;
                               }}});
    out.out->flush();
    if (eof) throw CommandFailure{exit_unreachable, "the daemon closed the frame stream (did ystpcsd stop?)"};
    if (output != "-") std::fprintf(stderr, "pcsctl: recorded %zu frames in %.1f s to %s\n", lines, duration_s, output.c_str());
    return exit_ok;
}

}  // namespace ystpcs::ctl
