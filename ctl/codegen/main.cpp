// ystpcs-codegen: writes the artefacts that derive from the protocol table, or checks that
// the committed copies are current.
//   ystpcs-codegen protocol-doc [--check FILE | --write FILE]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "codegen/protocol_doc.h"

namespace {

int emit(const std::string& text, const std::string& mode, const std::string& path) {
    if (mode.empty()) {
        std::cout << text;
        return 0;
    }
    if (mode == "--write") {
        std::ofstream out(path);
        out << text;
        return out ? 0 : 1;
    }
    std::ifstream in(path);
    std::stringstream current;
    current << in.rdbuf();
    if (current.str() == text) return 0;
    std::fprintf(stderr, "%s is out of date with the protocol table: run `ninja -C build update-docs`\n", path.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || (argc != 2 && argc != 4)) {
        std::fprintf(stderr, "usage: ystpcs-codegen protocol-doc [--check FILE | --write FILE]\n");
        return 2;
    }
    const std::string what = argv[1];
    const std::string mode = argc == 4 ? argv[2] : "";
    const std::string path = argc == 4 ? argv[3] : "";
    if (!mode.empty() && mode != "--check" && mode != "--write") return 2;
    if (what == "protocol-doc") return emit(ystpcs::codegen::protocol_table_markdown(), mode, path);
    std::fprintf(stderr, "ystpcs-codegen: unknown artefact '%s'\n", what.c_str());
    return 2;
}
