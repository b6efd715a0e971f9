#include "generators/protocol_doc.h"

#include <cstdio>
#include <sstream>

#include "generators/table_text.h"
#include "protocol/codec.h"

namespace ystpcs::generators {

namespace {

using namespace protocol;

std::string scale_text(const SignalDef& s) {
    std::string out = decimal_scale(s.scale_exp);
    if (s.offset != 0) {
        char b[32];
        std::snprintf(b, sizeof b, ", offset %g", s.offset);
        out += b;
    }
    return out;
}

std::string enum_values(const EnumDef& e) {
    if (e.entries.empty()) return std::string(e.name);
    if (e.entries.size() > 8) return std::string(e.name) + " (" + std::to_string(e.entries.size()) + " values)";
    std::string out;
    for (const auto& x : e.entries) {
        if (!out.empty()) out += ", ";
        out += std::to_string(x.value) + " " + std::string(x.name);
    }
    if (!e.closed) out += ", other: " + std::string(e.fallback ? e.fallback(-1) : "unknown");
    return out;
}

}  // namespace

std::string protocol_table_markdown() {
    std::ostringstream o;
    o << "# Protocol table\n\n"
         "Generated from `lib/protocol/frames.h` by `ystpcs-generate protocol-doc`; do not edit by hand\n"
         "(`ninja -C build update-docs` rewrites it, and a test fails when it is out of date).\n\n"
         "`value = raw × scale + offset`, big-endian, bytes numbered 1–8. TX = controller → PCS,\n"
         "RX = PCS → controller. Field names are the JSON keys of `pcsctl decode`; D-Bus names are\n"
         "properties of `org.ystpcs.pcs1.Module`.\n\n";
    for (const auto& f : kFrames) {
        o << "## " << hex2(f.pf) << " " << f.name << " — " << f.title << "\n\n";
        o << (f.direction == Direction::to_pcs ? "TX" : "RX") << ", spec §" << f.section;
        const std::string r = replies_of(f);
        if (!r.empty()) o << ", answered by " << r;
        if (f.mode_parameters) o << ", parameters scaled per working mode (Appendix A)";
        o << ".\n\n";
        o << "| bytes | field | type | scale | unit | range | values | D-Bus |\n|---|---|---|---|---|---|---|---|\n";
        for (const auto& s : f.signals) {
            const int w = byte_width(s.type);
            o << "| " << int(s.first_byte);
            if (w > 1) o << "-" << int(s.first_byte) + w - 1;
            o << " | `" << s.name << "` | " << raw_type_name(s.type) << " | " << scale_text(s) << " | " << s.unit
              << " | " << format_range(s) << " | " << (s.enumeration ? enum_values(*s.enumeration) : "") << " | "
              << s.property;
            if (!s.text_property.empty()) o << ", " << s.text_property;
            o << " |\n";
        }
        o << "\n";
    }
    o << "## Working modes (Appendix A)\n\n| code | name | title | parameters |\n|---|---|---|---|\n";
    for (const auto& m : kModes) {
        o << "| " << hex2(m.code) << " | `" << m.name << "` | " << m.title << " | ";
        for (std::size_t i = 0; i < m.params.size(); ++i) {
            if (i) o << "; ";
            o << "p" << i + 1 << " `" << m.params[i].name << "` " << format_param_range(m.params[i]);
        }
        o << " |\n";
    }
    o << "\n## Running states (Appendix B)\n\n| code | state | power stage active |\n|---|---|---|\n";
    for (const auto& s : kRunningStates) o << "| " << int(s.code) << " | " << s.name << " | " << (s.power_stage_active ? "yes" : "") << " |\n";
    o << "\n## Special settings (3.5, 3.6)\n\n| type | name | write | read replies |\n|---|---|---|---|\n";
    for (const auto& s : kSettings) {
        o << "| " << hex2(s.type) << " | `" << s.name << "` | " << (s.write_pf ? hex2(s.write_pf) : "read-only") << " | ";
        for (std::size_t i = 0; i < s.read_count; ++i) o << (i ? " + " : "") << hex2(s.read_pfs[i]);
        o << " |\n";
    }
    o << "\n## Fault codes (Appendix C)\n\n| code | meaning | action |\n|---|---|---|\n";
    for (const auto& f : kFaults) {
        o << "| " << f.first;
        if (f.last != f.first) o << "–" << f.last;
        if (f.first >= 0x8000) o << " (" << hex2(f.first >> 8) << hex2(f.first & 0xFF).substr(2) << ")";
        o << " | " << f.meaning << " | " << f.action << " |\n";
    }
    return o.str();
}

}  // namespace ystpcs::generators
