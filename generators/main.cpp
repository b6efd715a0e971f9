// ystpcs-generate: writes the artefacts that derive from the protocol table, or checks that
// the committed copies are current.
//   ystpcs-generate protocol-doc [--check FILE | --write FILE]
//   ystpcs-generate dbus-properties (--check | --write) dbus/org.ystpcs.pcs1.Module.xml
//   ystpcs-generate dbus-doc (--check | --write) docs/dbus-api.md
//   ystpcs-generate dbus-mixin ADAPTOR_HEADER OUTPUT
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "generators/dbc.h"
#include "generators/dbus_properties.h"
#include "generators/protocol_doc.h"
#include "generators/wireshark_dissector.h"
#include "protocol/can_id.h"

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool write_all(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    return static_cast<bool>(out);
}

int emit(const std::string& text, const std::string& mode, const std::string& path) {
    if (mode.empty()) {
        std::cout << text;
        return 0;
    }
    if (mode == "--write") return write_all(path, text) ? 0 : 1;
    if (read_all(path) == text) return 0;
    std::fprintf(stderr, "%s is out of date with the protocol table: run `ninja -C build update-docs`\n", path.c_str());
    return 1;
}

int usage() {
    std::fprintf(stderr,
                 "usage: ystpcs-generate (protocol-doc | dbc | wireshark) [--check FILE | --write FILE]\n"
                 "       ystpcs-generate dbus-properties (--check | --write) MODULE_XML\n"
                 "       ystpcs-generate dbus-doc (--check | --write) DBUS_API_MD\n"
                 "       ystpcs-generate dbus-mixin ADAPTOR_HEADER OUTPUT\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ystpcs::generators;
    if (argc < 2) return usage();
    const std::string what = argv[1];
    if (what == "protocol-doc" || what == "dbc" || what == "wireshark") {
        if (argc != 2 && argc != 4) return usage();
        const std::string mode = argc == 4 ? argv[2] : "";
        if (!mode.empty() && mode != "--check" && mode != "--write") return usage();
        const std::uint8_t address[] = {ystpcs::protocol::kDefaultPcsAddress};
        const std::string text = what == "protocol-doc" ? protocol_table_markdown()
                                 : what == "dbc"        ? dbc_file(address)
                                                        : wireshark_dissector_lua();
        return emit(text, mode, argc == 4 ? argv[3] : "");
    }
    if (what == "dbus-properties" || what == "dbus-doc") {
        if (argc != 4) return usage();
        const std::string mode = argv[2], path = argv[3];
        if (mode != "--check" && mode != "--write") return usage();
        const std::string current = read_all(path);
        const std::string block = what == "dbus-doc" ? module_value_properties_markdown() : module_value_properties_xml();
        const std::string updated = with_generated_block(current, block);
        if (updated.empty()) {
            std::fprintf(stderr, "%s: the BEGIN/END markers of the generated block are missing\n", path.c_str());
            return 1;
        }
        return emit(updated, mode, path);
    }
    if (what == "dbus-mixin") {
        if (argc != 4) return usage();
        return write_all(argv[3], module_value_mixin_header(argv[2])) ? 0 : 1;
    }
    std::fprintf(stderr, "ystpcs-generate: unknown artefact '%s'\n", what.c_str());
    return usage();
}
