// The frame table and the appendix tables against the reference document itself: a PF,
// mode, state or fault of the reference missing from the code (or one the code invents)
// fails here. The reference is parsed, not restated. It is the project's own copy,
// docs/reference/ystech-pcs-can.md, so every clone checks the same thing; that the copy is
// current is the test reference-copy-current.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/heartbeat.h"
#include "protocol/replies.h"

using namespace ystpcs::protocol;

namespace {

std::string read_file(const char* path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::string& reference() {
    static const std::string text = [] {
        const char* path = std::getenv("YSTPCS_REFERENCE");
        REQUIRE_MESSAGE(path != nullptr, "YSTPCS_REFERENCE is not set (run through meson test)");
        std::string t = read_file(path);
        REQUIRE_MESSAGE(!t.empty(), "cannot read the reference at " << path);
        return t;
    }();
    return text;
}

// The text from a heading line starting with `heading` up to the next heading of the same or higher level.
std::string section(const std::string& heading) {
    const std::string& text = reference();
    const auto start = text.find("\n" + heading);
    REQUIRE_MESSAGE(start != std::string::npos, "reference has no section " << heading);
    const auto level = heading.find_first_not_of('#');
    auto end = start + 1;
    while (true) {
        end = text.find("\n#", end + 1);
        if (end == std::string::npos) break;
        const auto l = text.find_first_not_of('#', end + 1) - (end + 1);
        if (l <= level) break;
    }
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::vector<std::vector<std::string>> table_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 2 || line[0] != '|' || line.find("---") != std::string::npos) continue;
        std::vector<std::string> cells;
        std::string cell;
        for (std::size_t i = 1; i < line.size(); ++i) {
            if (line[i] == '|') {
                const auto b = cell.find_first_not_of(' ');
                const auto e = cell.find_last_not_of(' ');
                cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
                cell.clear();
            } else {
                cell += line[i];
            }
        }
        rows.push_back(cells);
    }
    return rows;
}

int hex(const std::string& s) { return std::stoi(s, nullptr, 16); }

std::vector<int> hex_tokens(const std::string& s) {
    std::vector<int> out;
    static const std::regex re("(as )?0x([0-9A-Fa-f]{2})\\b");
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it)
        if (!(*it)[1].matched) out.push_back(hex((*it)[2].str()));
    return out;
}

struct RefFrame {
    Direction dir;
    std::string where;
};

// Every PF the reference defines, with its direction.
std::map<int, RefFrame> reference_frames() {
    std::map<int, RefFrame> out;
    auto add = [&](int pf, Direction d, const std::string& where) {
        const auto [it, inserted] = out.emplace(pf, RefFrame{d, where});
        if (!inserted) CHECK_MESSAGE(it->second.dir == d, "PF " << pf << " has two directions in the reference");
    };
    for (const char* sec : {"### 3.1", "### 3.2", "### 3.5"}) {
        for (const auto& row : table_rows(section(sec))) {
            if (row.size() < 3 || row[0].rfind("0x", 0) != 0) continue;
            const bool rx = row[1].find("RX") != std::string::npos;
            add(hex(row[0].substr(2)), rx ? Direction::from_pcs : Direction::to_pcs, sec);
        }
    }
    for (const auto& row : table_rows(section("### 3.3")))
        if (!row.empty() && row[0].rfind("0x", 0) == 0) add(hex(row[0].substr(2)), Direction::from_pcs, "3.3");
    for (const auto& row : table_rows(section("### 3.4")))
        if (!row.empty() && row[0].rfind("0x", 0) == 0) add(hex(row[0].substr(2)), Direction::to_pcs, "3.4");
    const std::string s36 = section("### 3.6");
    static const std::regex request("Request: PF 0x([0-9A-F]{2}) \\(TX\\)");
    std::smatch m;
    REQUIRE(std::regex_search(s36, m, request));
    add(hex(m[1].str()), Direction::to_pcs, "3.6");
    for (const auto& row : table_rows(s36))
        if (row.size() >= 3 && row[0].rfind("0x", 0) == 0)
            for (int pf : hex_tokens(row[2])) add(pf, Direction::from_pcs, "3.6");
    return out;
}

}  // namespace

TEST_CASE("every PF of the reference is in the frame table, with its direction, and nothing else is") {
    const auto ref = reference_frames();
    CHECK(ref.size() == 57);  // sanity of the parser: 22 TX + 35 RX frames
    for (const auto& entry : ref) {
        // Not a structured binding: doctest's messages capture in a lambda, which clang 14 refuses for those.
        const auto pf = entry.first;
        const auto& info = entry.second;
        const FrameDef* def = find_frame(static_cast<std::uint8_t>(pf));
        CHECK_MESSAGE(def != nullptr, "PF 0x" << std::hex << pf << " of section " << info.where << " is missing");
        if (def) CHECK_MESSAGE(def->direction == info.dir, "PF 0x" << std::hex << pf << " has the wrong direction");
    }
    for (const auto& f : kFrames)
        CHECK_MESSAGE(ref.count(f.pf) == 1, "table frame " << f.name << " is not in the reference");
    CHECK(std::size(kFrames) == ref.size());
}

TEST_CASE("reply columns of 3.1 and 3.2 match expected_reply") {
    for (const char* sec : {"### 3.1", "### 3.2"}) {
        for (const auto& row : table_rows(section(sec))) {
            if (row.size() < 5 || row[0].rfind("0x", 0) != 0 || row[1] != "TX") continue;
            const int pf = hex(row[0].substr(2));
            const auto replies = hex_tokens(row[4]);
            REQUIRE_MESSAGE(!replies.empty(), "no reply for " << row[0]);
            if (replies.size() > 1) {  // 0x01: "0x02 / 0x03 / 0x04" by type 1, 2, 3
                for (std::size_t t = 0; t < replies.size(); ++t) {
                    const auto e = expected_reply(static_cast<std::uint8_t>(pf), static_cast<std::uint8_t>(t + 1));
                    REQUIRE(e.has_value());
                    CHECK(e->frames[0].pf == replies[t]);
                }
                continue;
            }
            const auto e = expected_reply(static_cast<std::uint8_t>(pf), 1);
            REQUIRE_MESSAGE(e.has_value(), "no expected reply for " << row[0]);
            CHECK_MESSAGE(e->frames[0].pf == replies[0], row[0] << " expects " << row[4]);
            static const std::regex type_re("type (\\d)");
            std::smatch m;
            if (std::regex_search(row[4], m, type_re)) {
                REQUIRE(e->frames[0].type.has_value());
                CHECK(*e->frames[0].type == std::stoi(m[1].str()));
            }
        }
    }
}

TEST_CASE("3.5 write types and 3.6 read types match the settings table") {
    for (const auto& row : table_rows(section("### 3.5"))) {
        if (row.size() < 4 || row[0].rfind("0x", 0) != 0 || row[0] == "0x1C") continue;
        const int pf = hex(row[0].substr(2));
        const auto e = expected_reply(static_cast<std::uint8_t>(pf), 0);
        REQUIRE_MESSAGE(e.has_value(), row[0]);
        CHECK(e->frames[0].pf == pf::setting_result);
        REQUIRE(e->frames[0].type.has_value());
        CHECK_MESSAGE(*e->frames[0].type == hex(row[3].substr(2)), row[0]);
    }
    int rows = 0;
    for (const auto& row : table_rows(section("### 3.6"))) {
        if (row.size() < 3 || row[0].rfind("0x", 0) != 0) continue;
        ++rows;
        const int type = hex(row[0].substr(2));
        const auto replies = hex_tokens(row[2]);
        const auto e = expected_reply(pf::read_setting, static_cast<std::uint8_t>(type));
        REQUIRE_MESSAGE(e.has_value(), "read type " << row[0]);
        REQUIRE(e->count == replies.size());
        for (std::size_t i = 0; i < replies.size(); ++i) CHECK(e->frames[i].pf == replies[i]);
    }
    CHECK(rows == 11);
}

TEST_CASE("Appendix A: every working mode with its parameters, units and scales") {
    int rows = 0;
    for (const auto& row : table_rows(section("## Appendix A"))) {
        if (row.size() < 6 || row[0].rfind("0x", 0) != 0) continue;
        ++rows;
        const ModeDef* mode = find_mode(hex(row[0].substr(2)));
        REQUIRE_MESSAGE(mode != nullptr, "mode " << row[0] << " missing");
        CHECK(mode->title == row[1]);
        std::size_t params = 0;
        for (std::size_t p = 0; p < 4; ++p) {
            const std::string& cell = row[2 + p];
            if (cell.empty()) continue;
            ++params;
            REQUIRE_MESSAGE(p < mode->params.size(), mode->name << " lacks parameter " << p + 1);
            const auto& def = mode->params[p];
            const int exp = cell.find("0.001") != std::string::npos ? -3 : cell.find("0.01") != std::string::npos ? -2 : 0;
            CHECK_MESSAGE(def.scale_exp == exp, mode->name << " p" << p + 1 << ": " << cell);
            CHECK_MESSAGE(cell.rfind(std::string(def.title), 0) == 0, mode->name << " p" << p + 1 << " title vs " << cell);
        }
        CHECK_MESSAGE(mode->params.size() == params, mode->name);
    }
    CHECK(rows == 19);
    CHECK(std::size(kModes) == 19);
}

TEST_CASE("Appendix B: running states and the power-stage-active set") {
    const std::string b = section("## Appendix B");
    static const std::regex item("(\\d+) ([a-zA-Z][a-zA-Z -]*[a-z])(?= ·|\\.|\\n)");
    int n = 0;
    for (auto it = std::sregex_iterator(b.begin(), b.end(), item); it != std::sregex_iterator(); ++it) {
        const int code = std::stoi((*it)[1].str());
        if (code < 1 || code > 14) continue;
        ++n;
        REQUIRE(find_running_state(code) != nullptr);
        CHECK(find_running_state(code)->name == (*it)[2].str());
    }
    CHECK(n == 14);
    static const std::regex active("power: ([0-9, ]+)\\.");
    std::smatch m;
    REQUIRE(std::regex_search(b, m, active));
    std::set<int> ref_active;
    std::istringstream in(m[1].str());
    std::string tok;
    while (std::getline(in, tok, ',')) ref_active.insert(std::stoi(tok));
    std::set<int> ours;
    for (const auto& s : kRunningStates)
        if (s.power_stage_active) ours.insert(s.code);
    CHECK(ours == ref_active);
}

TEST_CASE("Appendix C: every fault code with its meaning and action") {
    int listed = 0;
    for (const auto& row : table_rows(section("## Appendix C"))) {
        if (row.size() < 2 || row[0] == "code" || row[0] == "other") continue;
        static const std::regex sys("0x([0-9A-F]{4}) \\((\\d+)\\)");
        static const std::regex module("(\\d+)(?:–(\\d+))?");
        std::smatch m;
        int first = 0, last = 0;
        if (std::regex_match(row[0], m, sys)) {
            first = last = hex(m[1].str());
            CHECK(first == std::stoi(m[2].str()));
        } else if (std::regex_match(row[0], m, module)) {
            first = std::stoi(m[1].str());
            last = m[2].matched ? std::stoi(m[2].str()) : first;
        } else {
            FAIL("unparsed Appendix C row: " << row[0]);
        }
        for (int code = first; code <= last; ++code) {
            ++listed;
            const FaultInfo info = fault_info(static_cast<std::uint16_t>(code));
            CHECK_MESSAGE(info.listed, "fault " << code << " missing");
            CHECK_MESSAGE(info.meaning == row[1], "fault " << code);
            if (row.size() >= 3) CHECK_MESSAGE(info.action == row[2], "fault " << code << " action");
        }
    }
    int ours = 0;
    for (const auto& f : kFaults) ours += f.last - f.first + 1;
    CHECK(ours == listed);
    CHECK(listed > 90);
}

TEST_CASE("3.4: the last ARM firmware that refuses a zero heartbeat is the reference's") {
    // "(PCS ARM firmware newer than BT02.02.01V02.01.38 accepts zeros)"
    const std::regex newer(R"(ARM firmware newer than [A-Z]+[0-9.]+V(\d+)\.(\d+)\.(\d+) accepts zeros)");
    std::smatch m;
    const std::string text = reference();
    REQUIRE_MESSAGE(std::regex_search(text, m, newer), "the reference no longer names the firmware that accepts zeros");
    CHECK(std::stoi(m[1]) == kLastArmSoftwareRefusingZeroDc[0]);
    CHECK(std::stoi(m[2]) == kLastArmSoftwareRefusingZeroDc[1]);
    CHECK(std::stoi(m[3]) == kLastArmSoftwareRefusingZeroDc[2]);
}
