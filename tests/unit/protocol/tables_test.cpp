// Structural invariants of the declarative tables: a table that breaks them would make the
// codec, the decoder output or the D-Bus property list wrong everywhere at once.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "protocol/codec.h"

using namespace ystpcs::protocol;

namespace {
bool is_snake(std::string_view s) {
    if (s.empty() || !std::islower(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}
bool is_camel(std::string_view s) {
    if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    return true;
}
const std::map<std::string_view, std::string_view> kUnitSuffix{
    {"V", "_v"}, {"A", "_a"}, {"kW", "_kw"}, {"kvar", "_kvar"}, {"kVA", "_kva"}, {"Hz", "_hz"}, {"°C", "_c"},
    {"Ah", "_ah"}, {"Wh", "_wh"}, {"%", "_pct"}, {"s", "_s"}, {"Ω", "_ohm"}, {"W", "_w"}, {"var", "_var"}};
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool whole_steps(double v, int exp) {
    const double steps = v / std::pow(10.0, exp);
    return std::fabs(steps - std::round(steps)) < 1e-6;
}
}  // namespace

TEST_CASE("each PF appears once and names are unique snake_case") {
    std::set<int> pfs;
    std::set<std::string_view> names;
    for (const auto& f : kFrames) {
        CHECK_MESSAGE(pfs.insert(f.pf).second, "duplicate PF " << int(f.pf));
        CHECK_MESSAGE(names.insert(f.name).second, "duplicate frame name " << f.name);
        CHECK(is_snake(f.name));
        CHECK(find_frame(f.pf) == &f);
        CHECK(find_frame(f.name) == &f);
    }
}

TEST_CASE("signals fit the 8 data bytes, do not overlap and have consistent names and units") {
    for (const auto& f : kFrames) {
        REQUIRE(f.signals.size() <= kMaxSignals);
        std::array<bool, 8> used{};
        std::set<std::string_view> names;
        for (const auto& s : f.signals) {
            CHECK_MESSAGE(names.insert(s.name).second, f.name << ": duplicate " << s.name);
            CHECK_MESSAGE(is_snake(s.name), f.name << "." << s.name);
            const int first = s.first_byte - 1;
            REQUIRE(first >= 0);
            REQUIRE_MESSAGE(first + byte_width(s.type) <= 8, f.name << "." << s.name << " overruns the payload");
            for (int b = first; b < first + byte_width(s.type); ++b) {
                CHECK_MESSAGE(!used[static_cast<std::size_t>(b)], f.name << "." << s.name << " overlaps byte " << b + 1);
                used[static_cast<std::size_t>(b)] = true;
            }
            if (!s.unit.empty()) {
                const auto it = kUnitSuffix.find(s.unit);
                REQUIRE_MESSAGE(it != kUnitSuffix.end(), "unit " << s.unit << " has no suffix rule");
                CHECK_MESSAGE(ends_with(s.name, it->second), f.name << "." << s.name << " lacks suffix " << it->second);
            }
            if (s.enumeration) CHECK_MESSAGE(!s.text_key.empty(), f.name << "." << s.name << " enum without text key");
            if (!s.text_key.empty()) CHECK(s.enumeration != nullptr);
            if (!s.text_property.empty()) CHECK(s.enumeration != nullptr);
        }
    }
}

TEST_CASE("offsets are whole numbers of steps (to_engineering relies on it)") {
    for (const auto& f : kFrames)
        for (const auto& s : f.signals) CHECK_MESSAGE(whole_steps(s.offset, s.scale_exp), f.name << "." << s.name);
}

TEST_CASE("explicit ranges fit the raw type and lie on whole steps") {
    for (const auto& f : kFrames) {
        for (const auto& s : f.signals) {
            if (!s.range) continue;
            const double lo = (s.range->min - s.offset) / std::pow(10.0, s.scale_exp);
            const double hi = (s.range->max - s.offset) / std::pow(10.0, s.scale_exp);
            CHECK_MESSAGE(lo >= static_cast<double>(raw_min(s.type)) - 1e-6, f.name << "." << s.name);
            CHECK_MESSAGE(hi <= static_cast<double>(raw_max(s.type)) + 1e-6, f.name << "." << s.name);
            CHECK_MESSAGE(lo <= hi, f.name << "." << s.name);
            CHECK(whole_steps(s.range->min - s.offset, s.scale_exp));
            CHECK(whole_steps(s.range->max - s.offset, s.scale_exp));
        }
    }
    for (const auto& m : kModes)
        for (const auto& p : m.params) {
            CHECK_MESSAGE(is_snake(p.name), m.name << "." << p.name);
            if (!p.unit.empty()) CHECK_MESSAGE(ends_with(p.name, kUnitSuffix.at(p.unit)), m.name << "." << p.name);
            // The parameter's range must fit the i32 field at its scale.
            CHECK_MESSAGE(p.range.min / std::pow(10.0, p.scale_exp) >= -2147483648.0, m.name << "." << p.name);
            CHECK_MESSAGE(p.range.max / std::pow(10.0, p.scale_exp) <= 2147483647.0, m.name << "." << p.name);
        }
}

TEST_CASE("D-Bus property names are CamelCase and unique across the frames PCS send") {
    std::map<std::string_view, std::string> owner;
    for (const auto& f : kFrames) {
        if (f.direction != Direction::from_pcs) continue;
        for (const auto& s : f.signals) {
            for (std::string_view p : {s.property, s.text_property}) {
                if (p.empty()) continue;
                CHECK_MESSAGE(is_camel(p), p);
                const auto placed = owner.emplace(p, qualified_name(f, s));
                CHECK_MESSAGE(placed.second, p << " used by " << placed.first->second << " and " << qualified_name(f, s));
            }
            // Every value a PCS reports becomes a property, except results and the mode frames
            // (the engine publishes WorkingMode with scaled parameters instead).
            const bool exempt = f.role == FrameRole::result || f.mode_parameters || f.pf == pf::mode_reading;
            if (!exempt) CHECK_MESSAGE(!s.property.empty(), qualified_name(f, s) << " has no D-Bus property");
        }
    }
}

TEST_CASE("running states: names, codes and the power-stage property") {
    CHECK(running_state_name(12) == "constant-current operation");
    CHECK(running_state_name(99) == "unknown state");
    for (int code : {7, 10, 11, 12, 14}) CHECK(power_stage_active(code));
    for (int code : {1, 2, 3, 4, 5, 6, 8, 9, 13}) CHECK_FALSE(power_stage_active(code));
    CHECK(power_stage_active(0));    // unknown: assume the worst
    CHECK(power_stage_active(200));
}

TEST_CASE("faults: ranges, the 'other' rows and no overlaps") {
    CHECK(fault_info(0).meaning == "no fault");
    CHECK(fault_info(0x800D).meaning.find("CAN1") != std::string_view::npos);
    CHECK(fault_info(34).meaning == "wave-by-wave current limiting");
    CHECK(fault_info(43).meaning == "parallel communication failure");
    CHECK(fault_info(273).meaning == "PFC bus over-voltage");
    const auto other_sys = fault_info(0x8020);
    CHECK_FALSE(other_sys.listed);
    CHECK(other_sys.meaning == "internal failure");
    CHECK(other_sys.action == "contact the manufacturer");
    const auto other_mod = fault_info(23);
    CHECK_FALSE(other_mod.listed);
    CHECK(other_mod.meaning == "reserved / internal failure");
    for (std::size_t i = 0; i < std::size(kFaults); ++i) {
        CHECK(kFaults[i].first <= kFaults[i].last);
        CHECK(!kFaults[i].meaning.empty());
        CHECK(!kFaults[i].action.empty());
        for (std::size_t j = i + 1; j < std::size(kFaults); ++j)
            CHECK_FALSE((kFaults[i].first <= kFaults[j].last && kFaults[j].first <= kFaults[i].last));
    }
    CHECK(enum_text(kFaultEnum, 17) == "power above the boundary");
    // The enumeration lists exactly the listed codes (ranges one by one) with the same texts.
    std::size_t listed = 0;
    for (std::uint32_t code = 0; code <= 0xFFFF; ++code) {
        const auto info = fault_info(static_cast<std::uint16_t>(code));
        listed += info.listed ? 1 : 0;
        if (enum_lists(kFaultEnum, code) != info.listed || enum_text(kFaultEnum, code) != info.meaning) {
            FAIL_CHECK("fault code " << code << ": enumeration and fault_info disagree");
            break;
        }
    }
    CHECK(listed == kFaultEnum.entries.size());
}

TEST_CASE("modes are found by code and name; parameters convert with range checks") {
    const ModeDef* cccv = find_mode("cccv");
    REQUIRE(cccv != nullptr);
    CHECK(cccv->code == 0x29);
    CHECK(find_mode(0x29) == cccv);
    CHECK(find_mode(0x03) == nullptr);
    CHECK(mode_param_to_raw(*cccv, 0, 400.0).value() == 400000);
    CHECK(mode_param_to_raw(*cccv, 1, -100.0).value() == -100000);
    CHECK(mode_param_to_raw(*cccv, 2, -2.5).value() == -2500);
    const auto too_high = mode_param_to_raw(*cccv, 0, 1000.5);
    REQUIRE_FALSE(too_high.ok());
    CHECK(too_high.error().message == "cccv.voltage_v = 1000.5 V is outside the allowed range 0.000 … 1000.000 V");
    CHECK_FALSE(mode_param_to_raw(*cccv, 3, 1.0).ok());  // CC-CV has three parameters
    const ModeDef* pulse = find_mode("pulse_current");
    REQUIRE(pulse != nullptr);
    CHECK(mode_param_to_raw(*pulse, 2, 1.5).value() == 150);     // cycle time in 0.01 s
    CHECK(mode_param_to_raw(*pulse, 3, 25.0).value() == 2500);   // duty in 0.01 %
    CHECK_FALSE(mode_param_to_raw(*pulse, 3, 100.01).ok());
    CHECK(mode_param_from_raw(pulse->params[2], 150) == doctest::Approx(1.5));
}

TEST_CASE("special settings and protection sets") {
    CHECK(std::size(kSettings) == 11);
    CHECK(find_setting("bus_voltage")->write_pf == pf::set_bus_voltage);
    CHECK(find_setting(0x0A)->read_count == 2);
    CHECK(find_setting(0x0B)->read_count == 3);
    CHECK(find_setting_by_write_pf(pf::set_bus_parallel)->type == 9);
    CHECK(kWriteSettingEnum.entries.size() == 9);
    CHECK(kReadSettingEnum.entries.size() == 11);
    CHECK(find_protection_set(2)->reading_pf == pf::protection_2);
    CHECK(find_protection_set_by_write_pf(pf::write_protection_3)->type == 3);
}

TEST_CASE("signal references resolve at compile time") {
    constexpr SignalRef v = signal_ref(pf::dc_output, "voltage_v");
    static_assert(v.index == 0);
    constexpr SignalRef fc = signal_ref(pf::state_fault, "fault_code");
    static_assert(fc.index == 1);
    CHECK(v.pf == pf::dc_output);
}

// Issue 13: nothing unbounded reaches the bus. Every field of every frame a controller sends
// has an engineering range (or is a closed enumeration); the mode parameter frames carry raw
// values bounded per mode, so every mode parameter has a range well inside what the raw i32
// can carry, or a protection limit that bounds it.
TEST_CASE("every field of every command has a bound") {
    for (const auto& f : kFrames) {
        if (f.direction != Direction::to_pcs) continue;
        for (const auto& s : f.signals) {
            if (f.mode_parameters) continue;  // bounded per mode, below
            const bool closed_enum = s.enumeration != nullptr && s.enumeration->closed;
            CHECK_MESSAGE((s.range.has_value() || closed_enum), f.name << "." << s.name << " has no bound");
        }
    }
    for (const auto& m : kModes) {
        for (const auto& p : m.params) {
            const double raw_limit = 2147483647.0 * std::pow(10.0, p.scale_exp);
            const bool narrower = p.range.max < raw_limit / 2 && p.range.min > -raw_limit / 2;
            CHECK_MESSAGE((narrower || p.limit != LimitRule::none),
                          m.name << "." << p.name << ": range " << p.range.min << " … " << p.range.max
                                 << " is what the raw type holds, and no protection limit bounds it");
            // What the module itself limits (voltage, current, power, resistance through the
            // current) is checked against its protection parameters, not only a fixed range.
            const std::string unit(p.unit);
            if (unit == "V" || unit == "A" || unit == "W" || unit == "var" || unit == "Ω")
                CHECK_MESSAGE(p.limit != LimitRule::none, m.name << "." << p.name << " (" << unit
                                                                 << ") is not checked against the protection limits");
        }
    }
}
