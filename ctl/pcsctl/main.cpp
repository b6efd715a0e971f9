// pcsctl: the command-line client of ystpcs.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pcsctl/command.h"
#include "pcsctl/exit_codes.h"

namespace ystpcs::ctl {
namespace {

constexpr Command kCommands[] = {
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
};

void print_overview() {
    std::printf(
        "usage: pcsctl [--json] COMMAND [ARGS...]\n"
        "\n"
        "Controls YSTECH PCS modules through the ystpcsd daemon.\n"
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
        "  --json        machine-readable output\n"
        "  --help, -h    this help; 'pcsctl COMMAND --help' for a command's help\n"
        "  --version     print the version\n");
}

const Command* find_command(std::string_view name) {
    for (const auto& c : kCommands)
        if (c.name == name || (!c.alias.empty() && c.alias == name)) return &c;
    return nullptr;
}

}  // namespace
}  // namespace ystpcs::ctl

int main(int argc, char** argv) {
    using namespace ystpcs::ctl;
    GlobalOptions global;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; ++i) {
        const std::string a = argv[i];
        if (a == "--json") global.json = true;
        else if (a == "--help" || a == "-h") { print_overview(); return exit_ok; }
        else if (a == "--version") { std::printf("pcsctl %s\n", YSTPCS_VERSION); return exit_ok; }
        else {
            std::fprintf(stderr, "pcsctl: unknown option '%s' (see pcsctl --help)\n", a.c_str());
            return exit_usage;
        }
    }
    if (i >= argc) {
        print_overview();
        return exit_usage;
    }
    const Command* cmd = find_command(argv[i]);
    if (cmd == nullptr) {
        std::fprintf(stderr, "pcsctl: unknown command '%s' (see pcsctl --help)\n", argv[i]);
        return exit_usage;
    }
    std::vector<std::string> args(argv + i + 1, argv + argc);
    for (const auto& a : args) {
        if (a == "--help" || a == "-h") {
            std::fputs(std::string(cmd->usage).c_str(), stdout);
            return exit_ok;
        }
    }
    for (auto it = args.begin(); it != args.end();) {  // --json is accepted after the command too
        if (*it == "--json") { global.json = true; it = args.erase(it); }
        else ++it;
    }
    return cmd->run(global, args);
}
