#include "generators/dbc.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "generators/table_text.h"
#include "protocol/can_id.h"
#include "protocol/codec.h"

namespace ystpcs::generators {

namespace {

using namespace protocol;

constexpr const char* kController = "Controller";
constexpr const char* kAnyNode = "Vector__XXX";  // DBC's "no node"

std::string hex_byte(unsigned v) {
    char b[4];
    std::snprintf(b, sizeof b, "%02X", v & 0xFFu);
    return b;
}

std::string pcs_node(std::uint8_t address) { return "PCS_" + hex_byte(address); }

// A DBC string: ASCII, no double quote (DBC has no escape for it).
std::string quoted(std::string_view text) { return "\"" + ascii(text) + "\""; }

std::uint32_t dbc_id(const FrameDef& f, std::uint8_t address) {
    const std::uint32_t id = f.direction == Direction::to_pcs ? to_pcs_id(f.pf, address) : from_pcs_id(f.pf, address);
    return id | 0x80000000u;  // DBC: bit 31 marks an extended identifier
}

// Motorola start bit: the most significant bit of the field's first byte.
int start_bit(const SignalDef& s) { return (s.first_byte - 1) * 8 + 7; }

std::string unit_of(const SignalDef& s) { return ascii(s.unit); }

std::string enumeration_note(const EnumDef& e, RawType type) {
    const auto runs = unlisted_runs(e, type);
    if (runs.empty()) return "";
    bool one_text = true;
    for (const auto& r : runs) one_text = one_text && r.text == runs.front().text;
    if (one_text) return " Other values: " + std::string(runs.front().text) + ".";
    std::string out = " Other values:";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (i > 0 && runs[i].text == runs[i - 1].text) continue;
        std::string_view text = runs[i].text;
        std::int64_t first = runs[i].first;
        // Name the text once, with the range of codes from the first run to the last one it covers.
        std::size_t j = i;
        while (j + 1 < runs.size() && runs[j + 1].text == text) ++j;
        out += " " + std::to_string(first) + "-" + std::to_string(runs[j].last) + " (where unlisted): " +
               std::string(text) + ";";
        i = j;
    }
    out.back() = '.';
    return out;
}

std::string signal_comment(const FrameDef& f, std::size_t index) {
    const SignalDef& s = f.signals[index];
    std::string out;
    if (f.mode_parameters) {
        out = "Working-mode parameter " + std::to_string(f.first_mode_param + index + 1) +
              ", raw i32. Its meaning and scale depend on the working mode, which travels in another frame (0x0B set, "
              "0x36 reported), so DBC cannot multiplex it: value = raw x scale of the mode (Appendix A).";
        for (const auto& m : mode_meanings(f, index))
            out += " " + std::string(m.mode->name) + " (" + hex2(m.mode->code) + "): " + std::string(m.param->name) +
                   " x" + decimal_scale(m.param->scale_exp) + (m.param->unit.empty() ? "" : " ") +
                   std::string(m.param->unit) + ";";
        out.back() = '.';
        return out;
    }
    out = s.description.empty() ? std::string(s.name) : std::string(s.description);
    out += " (" + std::string(raw_type_name(s.type)) + ", " + (byte_width(s.type) > 1 ? "bytes " : "byte ") +
           std::to_string(s.first_byte);
    if (byte_width(s.type) > 1) out += "-" + std::to_string(s.first_byte + byte_width(s.type) - 1);
    out += ").";
    if (s.range) out += " Valid range " + format_range(s) + ".";
    if (s.enumeration != nullptr) {
        out += " Values: " + std::string(s.enumeration->name) + " (table " + identifier(s.enumeration->name) + ").";
        out += enumeration_note(*s.enumeration, s.type);
    }
    if (!s.property.empty()) out += " D-Bus property " + std::string(s.property) + ".";
    return out;
}

std::string frame_comment(const FrameDef& f, std::uint8_t address) {
    std::string out = std::string(f.title) + " (PF " + hex2(f.pf) + ", reference section " + std::string(f.section) + "): ";
    if (f.direction == Direction::from_pcs) out += "sent by PCS " + hex2(address) + " to the controller";
    else if (address == kBroadcastAddress) out += "sent by the controller to every PCS (PS 0, batch setting)";
    else out += "sent by the controller to PCS " + hex2(address);
    switch (f.role) {
        case FrameRole::periodic: out += " every " + std::to_string(kFramePeriod_ms) + " ms"; break;
        case FrameRole::heartbeat:
            out += " every " + std::to_string(kFramePeriod_ms) + " ms; a PCS that hears nothing for " +
                   std::to_string(kHeartbeatTimeout_ms / 1000) + " s faults (0x800D) and shuts down";
            break;
        case FrameRole::result: out += ", the answer to a command"; break;
        case FrameRole::reading: out += ", the answer to a read command"; break;
        case FrameRole::command: break;
    }
    const std::string replies = replies_of(f);
    if (!replies.empty()) out += "; answered by " + replies;
    out += ". pcsctl decode names it " + std::string(f.name) + ".";
    if (f.mode_parameters)
        out += " Not multiplexed: the working mode that scales the parameters is in frame 0x0B/0x36.";
    return out;
}

void write_values(std::ostringstream& o, const EnumDef& e) {
    // Highest value first, as CANdb++ writes them.
    std::vector<EnumEntry> entries(e.entries.begin(), e.entries.end());
    std::sort(entries.begin(), entries.end(), [](const EnumEntry& a, const EnumEntry& b) { return a.value > b.value; });
    for (const auto& v : entries) o << " " << v.value << " " << quoted(v.name);
}

bool sent_to_address(const FrameDef& f, std::uint8_t address) {
    // Broadcast (PS 0) carries commands only: nothing is sent by address 0, and the heartbeat
    // goes to each PCS.
    return address != kBroadcastAddress || (f.direction == Direction::to_pcs && f.role == FrameRole::command);
}

}  // namespace

std::string dbc_message_name(std::string_view frame_name, std::uint8_t address) {
    return std::string(frame_name) + "_" + (address == kBroadcastAddress ? std::string("all") : hex_byte(address));
}

Result<std::vector<std::uint8_t>> parse_pcs_addresses(std::string_view text) {
    std::vector<std::uint8_t> out;
    if (text == "all") {
        out.push_back(kBroadcastAddress);
        for (unsigned a = 1; a <= 254; ++a)
            if (is_valid_pcs_address(a)) out.push_back(static_cast<std::uint8_t>(a));
        return out;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string item(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        char* end = nullptr;
        // Decimal, or hexadecimal with 0x; never octal ("010" is ten).
        const bool hex = item.size() > 2 && item[0] == '0' && (item[1] == 'x' || item[1] == 'X');
        const long v = item.empty() ? -1 : std::strtol(item.c_str() + (hex ? 2 : 0), &end, hex ? 16 : 10);
        if (item.empty() || *end != '\0' || (v != kBroadcastAddress && !is_valid_pcs_address(static_cast<unsigned>(v))) ||
            v > 254)
            return make_error(ErrorKind::invalid_argument,
                              "PCS address '" + item + "' is not 1 … 254 without 180 (0xB4), nor 0 (broadcast) or all");
        out.push_back(static_cast<std::uint8_t>(v));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string dbc_file(std::span<const std::uint8_t> addresses) {
    std::ostringstream o;
    o << "VERSION \"YSTECH PCS CAN protocol v1.11\"\n\n\n";
    o << "NS_ :\n";
    for (const char* ns : {"NS_DESC_", "CM_", "BA_DEF_", "BA_", "VAL_", "CAT_DEF_", "CAT_", "FILTER", "BA_DEF_DEF_",
                           "EV_DATA_", "ENVVAR_DATA_", "SGTYPE_", "SGTYPE_VAL_", "BA_DEF_SGTYPE_", "BA_SGTYPE_",
                           "SIG_TYPE_REF_", "VAL_TABLE_", "SIG_GROUP_", "SIG_VALTYPE_", "SIGTYPE_VALTYPE_", "BO_TX_BU_",
                           "BA_DEF_REL_", "BA_REL_", "BA_DEF_DEF_REL_", "BU_SG_REL_", "BU_EV_REL_", "BU_BO_REL_",
                           "SG_MUL_VAL_"})
        o << "\t" << ns << "\n";
    o << "\nBS_:\n\nBU_: " << kController;
    for (const auto a : addresses)
        if (a != kBroadcastAddress) o << " " << pcs_node(a);
    o << "\n\n";

    for (const EnumDef* e : enumerations_in_table()) {
        o << "VAL_TABLE_ " << identifier(e->name);
        write_values(o, *e);
        o << " ;\n";
    }
    o << "\n";

    for (const auto a : addresses)
        for (const auto& f : kFrames) {
            if (!sent_to_address(f, a)) continue;
            const bool from_pcs = f.direction == Direction::from_pcs;
            const std::string receiver = from_pcs ? kController : a == kBroadcastAddress ? kAnyNode : pcs_node(a);
            o << "BO_ " << dbc_id(f, a) << " " << dbc_message_name(f.name, a) << ": " << int(kPayloadBytes) << " "
              << (from_pcs ? pcs_node(a) : kController) << "\n";
            for (const auto& s : f.signals) {
                const Range r = valid_range(s);
                o << " SG_ " << s.name << " : " << start_bit(s) << "|" << byte_width(s.type) * 8 << "@0"
                  << (is_signed(s.type) ? "-" : "+") << " (" << decimal_scale(s.scale_exp) << ","
                  << format_number(s.offset, 6) << ") [" << format_number(r.min, decimals(s)) << "|"
                  << format_number(r.max, decimals(s)) << "] " << quoted(unit_of(s)) << " " << receiver << "\n";
            }
            o << "\n";
        }

    o << "\nCM_ "
      << quoted("YSTECH PCS CAN protocol v1.11 (docs/reference/ystech-pcs-can.md), generated from the protocol "
                "table of ystpcs (lib/protocol/frames.h); do not edit, regenerate with pcsctl export dbc. Priority 6, "
                "29-bit J1939-style identifiers 0x18 PF PS SA, the controller at 0xB4, 250 kbit/s, DLC 8, big-endian. "
                "Signal names are the field names of pcsctl decode.")
      << ";\n";
    o << "CM_ BU_ " << kController << " " << quoted("the controller (\"other devices\", address 0xB4): ystpcsd") << ";\n";
    for (const auto a : addresses)
        if (a != kBroadcastAddress)
            o << "CM_ BU_ " << pcs_node(a) << " " << quoted("PCS module at address " + hex2(a)) << ";\n";
    // A signal's comment is the same at every address: written once per signal of the table.
    std::vector<std::vector<std::string>> signal_comments;
    for (const auto& f : kFrames) {
        signal_comments.emplace_back();
        for (std::size_t i = 0; i < f.signals.size(); ++i) signal_comments.back().push_back(quoted(signal_comment(f, i)));
    }
    for (const auto a : addresses)
        for (std::size_t n = 0; n < std::size(kFrames); ++n) {
            const FrameDef& f = kFrames[n];
            if (!sent_to_address(f, a)) continue;
            o << "CM_ BO_ " << dbc_id(f, a) << " " << quoted(frame_comment(f, a)) << ";\n";
            for (std::size_t i = 0; i < f.signals.size(); ++i)
                o << "CM_ SG_ " << dbc_id(f, a) << " " << f.signals[i].name << " " << signal_comments[n][i] << ";\n";
        }

    o << "BA_DEF_  \"BusType\" STRING ;\n"
         "BA_DEF_  \"DBName\" STRING ;\n"
         "BA_DEF_  \"Baudrate\" INT 0 1000000;\n"
         "BA_DEF_ BO_  \"GenMsgCycleTime\" INT 0 65535;\n"
         "BA_DEF_ BO_  \"VFrameFormat\" ENUM  \"StandardCAN\",\"ExtendedCAN\",\"reserved\",\"J1939PG\";\n"
         "BA_DEF_DEF_  \"BusType\" \"CAN\";\n"
         "BA_DEF_DEF_  \"DBName\" \"\";\n"
         "BA_DEF_DEF_  \"Baudrate\" 0;\n"
         "BA_DEF_DEF_  \"GenMsgCycleTime\" 0;\n"
         "BA_DEF_DEF_  \"VFrameFormat\" \"ExtendedCAN\";\n"
         "BA_ \"BusType\" \"CAN\";\n"
         "BA_ \"DBName\" \"ystech_pcs\";\n"
      << "BA_ \"Baudrate\" " << kBitRate_bps << ";\n";
    for (const auto a : addresses)
        for (const auto& f : kFrames) {
            if (!sent_to_address(f, a)) continue;
            if (f.role == FrameRole::periodic || f.role == FrameRole::heartbeat)
                o << "BA_ \"GenMsgCycleTime\" BO_ " << dbc_id(f, a) << " " << kFramePeriod_ms << ";\n";
        }

    for (const auto a : addresses)
        for (const auto& f : kFrames) {
            if (!sent_to_address(f, a)) continue;
            for (const auto& s : f.signals) {
                if (s.enumeration == nullptr || s.enumeration->entries.empty()) continue;
                o << "VAL_ " << dbc_id(f, a) << " " << s.name;
                write_values(o, *s.enumeration);
                o << " ;\n";
            }
        }
    return o.str();
}

}  // namespace ystpcs::generators
