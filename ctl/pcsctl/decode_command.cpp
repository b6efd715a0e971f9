// `pcsctl decode`: offline decoding of candump captures, no daemon needed.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "pcsctl/client.h"
#include "pcsctl/command.h"
#include "pcsctl/exit_codes.h"
#include "protocol/capture_decoder.h"
#include "protocol/running_states.h"

namespace ystpcs::ctl {

namespace {

using protocol::CaptureDecoder;
using protocol::CaptureEntry;

enum class Format { json, table };

std::string format_fields(const CaptureEntry& e) {
    std::string out;
    const auto& f = *e.decoded;
    auto add = [&out](const std::string& s) {
        if (!out.empty()) out += "  ";
        out += s;
    };
    for (std::size_t i = 0; i < f.def->signals.size(); ++i) {
        const auto& sig = f.def->signals[i];
        std::string item = std::string(sig.name) + "=" + protocol::format_value(sig, f.value[i]);
        if (sig.enumeration != nullptr) item += " (" + std::string(protocol::enum_text(*sig.enumeration, f.raw[i])) + ")";
        add(item);
    }
    if (f.def->mode_parameters && e.mode != nullptr) {
        add("mode=" + std::string(e.mode->name));
        for (const auto& p : protocol::scale_mode_params(f, *e.mode))
            add(std::string(p.def->name) + "=" +
                protocol::format_value(protocol::mode_param_signal(*p.def), p.value));
    }
    return out;
}

void print_table_header() {
    std::printf("%-18s %-8s %-9s %-3s %-9s %-24s %s\n", "TIME", "IFACE", "ID", "DIR", "SRC>DST", "FRAME", "FIELDS");
}

void print_table_row(const CaptureEntry& e, std::size_t line_number, const std::string& file) {
    char t[32] = "-";
    if (e.captured && e.captured->timestamp_s) std::snprintf(t, sizeof t, "%.6f", *e.captured->timestamp_s);
    if (!e.decoded) {
        std::printf("%-18s %-8s %-9s %-3s %-9s %-24s %s%s line %zu: %s\n", t,
                    e.captured ? e.captured->iface.c_str() : "-",
                    e.captured ? protocol::format_can_id(e.captured->frame).c_str() : "-", "-", "-", "(error)",
                    file.empty() ? "" : file.c_str(), file.empty() ? "" : ":", line_number, e.error.c_str());
        return;
    }
    const auto& f = *e.decoded;
    char route[16];
    std::snprintf(route, sizeof route, "%u>%u", f.owner.id.sa, f.owner.id.ps);
    std::printf("%-18s %-8s %-9s %-3s %-9s %-24s %s\n", t, e.captured->iface.c_str(),
                protocol::format_can_id(e.captured->frame).c_str(),
                f.owner.traffic == protocol::Traffic::from_pcs ? "rx" : "tx", route, std::string(f.def->name).c_str(),
                format_fields(e).c_str());
}

void decode_stream(std::istream& in, const std::string& file, Format format, CaptureDecoder& decoder) {
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        const CaptureEntry e = decoder.decode(line);
        if (e.skipped) continue;
        if (format == Format::table) {
            print_table_row(e, number, file);
            continue;
        }
        auto j = decoder.to_json(e, number);
        if (!e.decoded && !file.empty()) j["file"] = file;
        std::cout << j.dump() << '\n';
    }
    std::cout.flush();
}

}  // namespace

int run_decode(const GlobalOptions& global, std::span<const std::string> args) {
    (void)global;  // decode prints JSON unless --format table
    Format format = Format::json;
    std::vector<std::string> files;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--format" || a.rfind("--format=", 0) == 0) {
            std::string v;
            if (a == "--format") {
                if (i + 1 >= args.size()) {
                    std::fprintf(stderr, "pcsctl decode: --format needs a value (json or table)\n");
                    return exit_usage;
                }
                v = args[++i];
            } else {
                v = a.substr(9);
            }
            if (v == "json") format = Format::json;
            else if (v == "table") format = Format::table;
            else {
                std::fprintf(stderr, "pcsctl decode: unknown format '%s' (use json or table)\n", v.c_str());
                return exit_usage;
            }
        } else if (a == "-") {
            files.emplace_back("-");
        } else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "pcsctl decode: unknown option '%s' (see pcsctl decode --help)\n", a.c_str());
            return exit_usage;
        } else {
            files.push_back(a);
        }
    }
    CaptureDecoder decoder;
    if (format == Format::table) print_table_header();
    if (files.empty()) files.emplace_back("-");
    int status = exit_ok;
    for (const auto& file : files) {
        if (file == "-") {
            decode_stream(std::cin, "", format, decoder);
            continue;
        }
        std::ifstream in(file);
        if (!in) {
            std::fprintf(stderr, "pcsctl decode: cannot read %s: %s\n", file.c_str(), std::strerror(errno));
            status = exit_failure;
            continue;
        }
        decode_stream(in, files.size() > 1 ? file : "", format, decoder);
    }
    return status;
}

}  // namespace ystpcs::ctl
