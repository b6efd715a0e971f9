#include "generators/table_text.h"

#include <algorithm>
#include <cstdio>

#include "protocol/replies.h"

namespace ystpcs::generators {

using namespace protocol;

std::string hex2(unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "0x%02X", v & 0xFFu);
    return b;
}

std::string decimal_scale(int exp) {
    if (exp >= 0) return "1" + std::string(static_cast<std::size_t>(exp), '0');
    return "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + "1";
}

std::string ascii(std::string_view utf8) {
    static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
        {"°", "deg"}, {"Ω", "Ohm"}, {"–", "-"}, {"—", "-"}, {"…", "..."}, {"×", "x"}, {"→", "->"},
        {"≤", "<="}, {"≥", ">="}, {"±", "+/-"}, {"µ", "u"}, {"§", "section "}, {"\"", "'"},
    };
    std::string out;
    for (std::size_t i = 0; i < utf8.size();) {
        bool mapped = false;
        for (const auto& [from, to] : kMap)
            if (utf8.substr(i, from.size()) == from) {
                out += to;
                i += from.size();
                mapped = true;
                break;
            }
        if (mapped) continue;
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        out += '?';
        ++i;
        while (i < utf8.size() && (static_cast<unsigned char>(utf8[i]) & 0xC0) == 0x80) ++i;  // continuation bytes
    }
    return out;
}

std::string identifier(std::string_view text) {
    std::string out;
    for (const char c : ascii(text)) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (word) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        else if (!out.empty() && out.back() != '_') out += '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

std::vector<const EnumDef*> enumerations_in_table() {
    std::vector<const EnumDef*> out;
    for (const auto& f : kFrames)
        for (const auto& s : f.signals)
            if (s.enumeration != nullptr && std::find(out.begin(), out.end(), s.enumeration) == out.end())
                out.push_back(s.enumeration);
    return out;
}

std::vector<UnlistedRun> unlisted_runs(const EnumDef& e, RawType type) {
    std::vector<UnlistedRun> out;
    for (std::int64_t raw = raw_min(type); raw <= raw_max(type); ++raw) {
        if (enum_lists(e, raw)) continue;
        const std::string_view text = enum_text(e, raw);
        if (!out.empty() && out.back().last == raw - 1 && out.back().text == text) out.back().last = raw;
        else out.push_back({raw, raw, text});
    }
    return out;
}

std::string replies_of(const FrameDef& f) {
    if (f.direction != Direction::to_pcs || f.role == FrameRole::heartbeat) return "";
    std::string out;
    auto add = [&out](const ReplyExpectation& e, const std::string& prefix) {
        std::string r;
        for (std::size_t i = 0; i < e.count; ++i) {
            if (!r.empty()) r += " + ";
            r += hex2(e.frames[i].pf);
            if (e.frames[i].type) r += " type " + std::to_string(*e.frames[i].type);
        }
        if (!out.empty()) out += "; ";
        out += prefix + r;
    };
    if (f.pf == pf::read_protection) {
        for (const auto& p : kProtectionSets) add(*expected_reply(f.pf, p.type), "type " + std::to_string(p.type) + ": ");
    } else if (f.pf == pf::read_setting) {
        for (const auto& s : kSettings) add(*expected_reply(f.pf, s.type), "type " + std::to_string(s.type) + ": ");
    } else if (const auto e = expected_reply(f.pf, 0)) {
        add(*e, "");
    }
    return out;
}

std::vector<ModeMeaning> mode_meanings(const FrameDef& f, std::size_t signal_index) {
    std::vector<ModeMeaning> out;
    if (!f.mode_parameters) return out;
    const std::size_t index = f.first_mode_param + signal_index;
    for (const auto& m : kModes)
        if (index < m.params.size()) out.push_back({&m, &m.params[index]});
    return out;
}

}  // namespace ystpcs::generators
