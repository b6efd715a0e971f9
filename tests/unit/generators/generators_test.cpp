// The generators' structure, checked against the table. That real tools read what they write
// is the job of tests/system/can_tools.sh (canmatrix, tshark).
#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "generators/dbc.h"
#include "generators/table_text.h"
#include "generators/wireshark_dissector.h"
#include "protocol/codec.h"

using namespace ystpcs;
using namespace ystpcs::generators;
using namespace ystpcs::protocol;

namespace {

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) out.push_back(line);
    return out;
}

bool is_ascii(const std::string& text) {
    for (const char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

TEST_CASE("PCS address lists") {
    CHECK(parse_pcs_addresses("250").value() == std::vector<std::uint8_t>{250});
    CHECK(parse_pcs_addresses("0xFA,1,1,2").value() == std::vector<std::uint8_t>{1, 2, 250});
    CHECK(parse_pcs_addresses("0,7").value() == std::vector<std::uint8_t>{0, 7});
    CHECK(parse_pcs_addresses("010,0X0a").value() == std::vector<std::uint8_t>{10});  // never octal
    const auto all = parse_pcs_addresses("all").value();
    CHECK(all.size() == 254);  // broadcast and 1…254 without 0xB4
    CHECK(all.front() == 0);
    CHECK(std::find(all.begin(), all.end(), 0xB4) == all.end());
    for (const char* bad : {"", "180", "0xB4", "255", "-1", "abc", "1,,2", "1,", "0x", "0x-1", "1.5"}) {
        INFO(bad);
        const auto r = parse_pcs_addresses(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("1 … 254") != std::string::npos);
    }
}

TEST_CASE("every text the generators take from the tables transliterates to ASCII") {
    CHECK(ascii("°C") == "degC");
    CHECK(ascii("Ω") == "Ohm");
    CHECK(ascii("mode parameters 1–2") == "mode parameters 1-2");
    CHECK(ascii("\"low wear\"") == "'low wear'");
    auto clean = [](std::string_view text) {
        INFO(text);
        CHECK(ascii(text).find('?') == std::string::npos);
    };
    for (const auto& f : kFrames) {
        clean(f.title);
        for (const auto& s : f.signals) {
            clean(s.description);
            clean(s.unit);
        }
    }
    for (const EnumDef* e : enumerations_in_table()) {
        clean(e->name);
        for (const auto& v : e->entries) clean(v.name);
    }
    for (const auto& m : kModes)
        for (const auto& p : m.params) clean(p.unit);
}

TEST_CASE("DBC: every frame for each address, extended ids, Motorola signals, value tables") {
    const std::uint8_t addresses[] = {0, 1, 250};
    const std::string dbc = dbc_file(addresses);
    CHECK(is_ascii(dbc));
    CHECK(lines_starting(dbc, "BU_: ").at(0) == "BU_: Controller PCS_01 PCS_FA");

    std::size_t commands = 0;
    for (const auto& f : kFrames) commands += f.role == FrameRole::command ? 1 : 0;
    const auto messages = lines_starting(dbc, "BO_ ");
    CHECK(messages.size() == 2 * std::size(kFrames) + commands);

    std::set<std::string> names;
    for (const auto& line : messages) {
        INFO(line);
        std::istringstream in(line);
        std::string bo, id_text, name, dlc, sender;
        in >> bo >> id_text >> name >> dlc >> sender;
        const std::uint64_t id = std::stoull(id_text);
        CHECK((id & 0x80000000u) != 0);
        CHECK(name.size() <= 33);  // 32 characters and the colon
        CHECK(names.insert(name).second);
        CHECK(dlc == "8");
    }
    // 0x11 from PCS 0xFA: the id of the reference's example, bit 31 set.
    CHECK(dbc.find("BO_ 2551297274 dc_output_FA: 8 PCS_FA\n"
                   " SG_ voltage_v : 7|16@0+ (0.1,0) [0|6553.5] \"V\" Controller\n"
                   " SG_ current_a : 23|16@0+ (0.1,-1000) [-1000|5553.5] \"A\" Controller\n"
                   " SG_ power_kw : 39|16@0- (0.1,0) [-3276.8|3276.7] \"kW\" Controller\n"
                   " SG_ inlet_temperature_c : 55|16@0+ (0.1,-50) [-50|6503.5] \"degC\" Controller\n") !=
          std::string::npos);
    CHECK(from_pcs_id(pf::dc_output, 250) + 0x80000000u == 2551297274u);
    // Broadcast: commands only, to no node in particular.
    CHECK(dbc.find("set_mode_all: 8 Controller") != std::string::npos);
    CHECK(dbc.find("heartbeat_all") == std::string::npos);
    CHECK(dbc.find("dc_output_all") == std::string::npos);
    // Value tables: one per enumeration, and on each enumerated signal.
    CHECK(lines_starting(dbc, "VAL_TABLE_ ").size() == enumerations_in_table().size());
    CHECK(dbc.find("VAL_TABLE_ running_state 14 \"off-grid inverter operation\"") != std::string::npos);
    CHECK(dbc.find(" 32790 \"DSP communication interrupted (check power supply)\"") != std::string::npos);
    CHECK(dbc.find(" 33 \"wave-by-wave current limiting\" ") != std::string::npos);
    CHECK(dbc.find(" 36 \"wave-by-wave current limiting\" ") != std::string::npos);
    const std::string state_fault_id = std::to_string(from_pcs_id(pf::state_fault, 250) + 0x80000000u);
    CHECK(dbc.find("VAL_ " + state_fault_id + " state 14 ") != std::string::npos);
    CHECK(dbc.find("VAL_ " + state_fault_id + " fault_code 32790 ") != std::string::npos);
    // Periodic frames and the heartbeat every 200 ms; 250 kbit/s.
    CHECK(dbc.find("BA_ \"GenMsgCycleTime\" BO_ " + state_fault_id + " 200;") != std::string::npos);
    CHECK(dbc.find("BA_ \"Baudrate\" 250000;") != std::string::npos);
    // Mode parameters: documented, each mode's meaning in the comment.
    const std::string params_id = std::to_string(to_pcs_id(pf::mode_params_12, 250) + 0x80000000u);
    CHECK(dbc.find(" SG_ parameter_1 : 7|32@0- (1,0) [-2147483648|2147483647] \"\" PCS_FA") != std::string::npos);
    const auto comment = dbc.find("CM_ SG_ " + params_id + " parameter_1 ");
    REQUIRE(comment != std::string::npos);
    const std::string line = dbc.substr(comment, dbc.find('\n', comment) - comment);
    CHECK(line.find("cccv (0x29): voltage_v x0.001 V;") != std::string::npos);
    CHECK(line.find("pulse_current (0x28): current_1_a x0.001 A;") != std::string::npos);
    CHECK(dbc.find("SG_MUL_VAL_ ") == std::string::npos);
}

TEST_CASE("DBC for every address stays consistent") {
    const auto all = parse_pcs_addresses("all").value();
    const std::string dbc = dbc_file(all);
    std::size_t commands = 0;
    for (const auto& f : kFrames) commands += f.role == FrameRole::command ? 1 : 0;
    CHECK(lines_starting(dbc, "BO_ ").size() == 253 * std::size(kFrames) + commands);
    CHECK(lines_starting(dbc, "CM_ BU_ PCS_").size() == 253);
}

TEST_CASE("a parameter name means the same unit in every mode") {
    std::map<std::string_view, std::string_view> unit_of;
    for (const auto& m : kModes)
        for (const auto& p : m.params) {
            const auto [it, inserted] = unit_of.emplace(p.name, p.unit);
            INFO(m.name << "." << p.name);
            CHECK(it->second == p.unit);
        }
}

TEST_CASE("enumeration tables have distinct names") {
    std::set<std::string> names;
    for (const EnumDef* e : enumerations_in_table()) {
        INFO(e->name);
        CHECK(names.insert(identifier(e->name)).second);
    }
}

TEST_CASE("unlisted values read as the enumeration's fallback") {
    const auto runs = unlisted_runs(kFaultEnum, RawType::u16);
    REQUIRE_FALSE(runs.empty());
    CHECK(runs.back().first == 0x8017);
    CHECK(runs.back().last == 0xFFFF);
    CHECK(runs.back().text == "internal failure");
    for (const auto& r : runs)
        for (std::int64_t v : {r.first, r.last}) CHECK(enum_text(kFaultEnum, v) == r.text);
    const auto results = unlisted_runs(table::kResultEnum, RawType::u8);
    REQUIRE(results.size() == 2);
    CHECK(results[0].first == 0);
    CHECK(results[1].first == 2);
    CHECK(results[1].last == 255);
}

TEST_CASE("Wireshark dissector: a field for every signal of every frame") {
    const std::string lua = wireshark_dissector_lua();
    for (const auto& f : kFrames)
        for (const auto& s : f.signals) {
            const std::string abbrev = "\"ystpcs." + std::string(f.name) + "." + std::string(s.name) + "\"";
            INFO(abbrev);
            CHECK(lua.find(abbrev) != std::string::npos);
            if (!s.text_key.empty())
                CHECK(lua.find("\"ystpcs." + std::string(f.name) + "." + std::string(s.text_key) + "\"") !=
                      std::string::npos);
        }
    CHECK(lua.find("\"ystpcs.mode_params_34_reading.duty_pct\"") != std::string::npos);
    CHECK(lua.find("ystpcs:register_heuristic(\"can\", heuristic)") != std::string::npos);
}
