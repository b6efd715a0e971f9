// `pcsctl export`: the protocol table as a DBC file or a Wireshark dissector (no daemon needed).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "generators/dbc.h"
#include "generators/wireshark_dissector.h"
#include "pcsctl/client.h"
#include "pcsctl/command.h"
#include "pcsctl/exit_codes.h"
#include "protocol/can_id.h"

namespace ystpcs::ctl {

int run_export(const GlobalOptions& global, std::span<const std::string> args) {
    (void)global;
    if (args.empty() || (args[0] != "dbc" && args[0] != "wireshark"))
        throw CommandFailure{exit_usage, "usage: export dbc [--address ADDRESSES] [-o FILE] | export wireshark [-o FILE]"};
    const std::string& what = args[0];
    std::string output = "-";
    std::vector<std::uint8_t> addresses{protocol::kDefaultPcsAddress};
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "-o" || a == "--output") && i + 1 < args.size()) {
            output = args[++i];
        } else if (what == "dbc" && (a == "-a" || a == "--address") && i + 1 < args.size()) {
            auto parsed = generators::parse_pcs_addresses(args[++i]);
            if (!parsed) throw CommandFailure{exit_usage, "export dbc --address: " + parsed.error().message};
            addresses = parsed.value();
        } else {
            throw CommandFailure{exit_usage, "export " + what + ": unexpected argument '" + a + "' (see pcsctl export --help)"};
        }
    }
    const std::string text = what == "dbc" ? generators::dbc_file(addresses) : generators::wireshark_dissector_lua();
    if (output == "-") {
        std::cout << text;
        std::cout.flush();
        return std::cout ? exit_ok : exit_failure;
    }
    std::ofstream out(output, std::ios::trunc);
    if (out) out << text;
    if (!out) throw CommandFailure{exit_failure, "cannot write " + output + ": " + std::strerror(errno)};
    return exit_ok;
}

}  // namespace ystpcs::ctl
