// The profile format: every class of refusal names the step and the field; the text form.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "profile/compile.h"
#include "profile/profile.h"

using namespace ystpcs;
using namespace ystpcs::profile;
using nlohmann::json;

namespace {

json base() {
    return json::parse(R"({
      "format": "ystpcs-profile", "version": 1, "name": "t",
      "safety": {"max_voltage_v": 800, "min_voltage_v": 690, "max_charge_current_a": 50,
                 "max_discharge_current_a": 50, "max_charge_power_kw": 40, "max_discharge_power_kw": 40},
      "steps": [
        {"label": "charge", "type": "cccv", "direction": "charge", "current_a": 40, "voltage_v": 780,
         "max_time_s": 600, "until": [{"current_below_a": 4}]},
        {"repeat": 2, "label": "loop", "steps": [
          {"type": "rest", "max_time_s": 5, "on_max_time": "next"},
          {"label": "dis", "type": "cc", "direction": "discharge", "current_a": 40, "max_time_s": 600,
           "until": [{"voltage_below_v": 740, "goto": "last"}]}
        ]},
        {"label": "last", "type": "rest", "max_time_s": 1, "until": [{"time_s": 1}]}
      ]})");
}

std::string refusal(const json& j) {
    auto r = parse_profile(j.dump());
    REQUIRE_MESSAGE(!r.ok(), "accepted: " << j.dump());
    return r.error().message;
}

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a valid profile parses, with its hash and the steps it unrolls to") {
    auto r = parse_profile(base().dump());
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(r->hash.size() == 64);
    CHECK(step_count(r->steps) == 1 + 2 * 2 + 1);
    const auto m = mode_setting(r->steps[0].step, r->safety);
    REQUIRE(m);
    CHECK(m->mode->name == "cccv");
    CHECK(m->params == std::vector<double>{780, -40, -4});  // charging is negative on the bus
}

TEST_CASE("refusals name the step and the field") {
    SUBCASE("not JSON") { CHECK(mentions(parse_profile("{").error().message, "not valid JSON")); }
    SUBCASE("a number JSON cannot hold") {
        auto text = base().dump();
        text.replace(text.find("600"), 3, "1e400");
        CHECK_FALSE(parse_profile(text).ok());
    }
    SUBCASE("format version") {
        auto j = base();
        j["version"] = 2;
        CHECK(mentions(refusal(j), "version"));
    }
    SUBCASE("unknown key") {
        auto j = base();
        j["steps"][0]["current_ma"] = 5;
        const auto m = refusal(j);
        CHECK(mentions(m, "steps[0] (charge)"));
        CHECK(mentions(m, "current_ma"));
    }
    SUBCASE("missing maximum time") {
        auto j = base();
        j["steps"][0].erase("max_time_s");
        CHECK(mentions(refusal(j), "'max_time_s' is required"));
    }
    SUBCASE("direction missing or signed magnitude") {
        auto j = base();
        j["steps"][0].erase("direction");
        CHECK(mentions(refusal(j), "'direction' is required"));
        j = base();
        j["steps"][0]["current_a"] = -40;
        CHECK(mentions(refusal(j), "steps[0] (charge).current_a"));
    }
    SUBCASE("a set-point outside the envelope") {
        auto j = base();
        j["steps"][0]["current_a"] = 60;
        const auto m = refusal(j);
        CHECK(mentions(m, "steps[0] (charge).current_a"));
        CHECK(mentions(m, "safety.max_charge_current_a"));
        j = base();
        j["steps"][0]["voltage_v"] = 810;
        CHECK(mentions(refusal(j), "steps[0] (charge).voltage_v"));
    }
    SUBCASE("an end condition the envelope would pre-empt") {
        auto j = base();
        j["steps"][1]["steps"][1]["until"][0]["voltage_below_v"] = 600;
        CHECK(mentions(refusal(j), "steps[1].steps[1] (dis).until[0].voltage_below_v"));
    }
    SUBCASE("labels") {
        auto j = base();
        j["steps"][2]["label"] = "charge";
        CHECK(mentions(refusal(j), "also the label of steps[0]"));
    }
    SUBCASE("goto to nowhere, or back") {
        auto j = base();
        j["steps"][1]["steps"][1]["until"][0]["goto"] = "nowhere";
        CHECK(mentions(refusal(j), "goto 'nowhere'"));
        j = base();
        j["steps"][1]["steps"][1]["until"][0]["goto"] = "charge";
        CHECK(mentions(refusal(j), "goes back"));
    }
    SUBCASE("a goto into a repeat block") {
        auto j = base();
        j["steps"][0]["until"][0]["goto"] = "dis";
        CHECK(mentions(refusal(j), "steps[0] (charge).until[0].goto"));
    }
    SUBCASE("repeat counts") {
        auto j = base();
        j["steps"][1]["repeat"] = 0;
        CHECK(mentions(refusal(j), "steps[1].repeat"));
        j["steps"][1]["repeat"] = 1.5;
        CHECK(mentions(refusal(j), "whole number"));
    }
    SUBCASE("the envelope itself, and the model's rating") {
        auto j = base();
        j["safety"]["min_voltage_v"] = 900;
        CHECK(mentions(refusal(j), "min_voltage_v"));
        j = base();
        j["module_model"] = "PMA030";
        CHECK(mentions(refusal(j), "PMA030's rating"));
    }
    SUBCASE("a time condition beyond the maximum time") {
        auto j = base();
        j["steps"][2]["until"][0]["time_s"] = 5;
        CHECK(mentions(refusal(j), "steps[2] (last).until[0].time_s"));
    }
    SUBCASE("two quantities in one condition") {
        auto j = base();
        j["steps"][0]["until"][0]["time_s"] = 5;
        CHECK(mentions(refusal(j), "exactly one quantity"));
    }
}

TEST_CASE("the text form compiles to the same profile, and refuses what it cannot read") {
    const auto out = compile_text(R"(name: formation
safety: max_voltage_v=800 min_voltage_v=690 max_charge_current_a=50 max_discharge_current_a=50 max_charge_power_kw=40 max_discharge_power_kw=40
max_step_time: 2 hours
Repeat 3 times:
  Charge at 40 A to 780 V until 4 A
  Rest for 30 minutes
  Discharge at 20 kW until 700 V or 1.5 hours
Rest for 5 min
)");
    REQUIRE_MESSAGE(out.ok(), out.error().message);
    const auto j = json::parse(out.value());
    CHECK(j["steps"][0]["repeat"] == 3);
    const auto& s = j["steps"][0]["steps"];
    CHECK(s[0]["type"] == "cccv");
    CHECK(s[0]["direction"] == "charge");
    CHECK(s[0]["until"][0]["current_below_a"] == 4.0);
    CHECK(s[0]["max_time_s"] == 7200.0);
    CHECK(s[1]["until"][0]["time_s"] == 1800.0);
    CHECK(s[2]["type"] == "cp");
    CHECK(s[2]["power_w"] == 20000.0);
    CHECK(s[2]["until"][0]["voltage_below_v"] == 700.0);
    CHECK(s[2]["until"][1]["time_s"] == 5400.0);
    CHECK(j["steps"][1]["max_time_s"] == 300.0);

    CHECK(mentions(compile_text("Charge at 40 Amps until 700 V").error().message, "no 'safety:' line"));
    const std::string safety = "safety: max_voltage_v=800 min_voltage_v=690 max_charge_current_a=50 "
                               "max_discharge_current_a=50 max_charge_power_kw=40 max_discharge_power_kw=40\n";
    CHECK(mentions(compile_text(safety + "Charge at 40 Amps until 700 V").error().message, "line 2: unknown unit 'Amps'"));
    CHECK(mentions(compile_text(safety + "Charge at 40 A until 790 V").error().message, "line 2: no maximum time"));
    CHECK(mentions(compile_text(safety + "Jump at 40 A").error().message, "unknown instruction 'Jump'"));
    CHECK(mentions(compile_text(safety + "Charge at 60 A for 1 h").error().message, "max_charge_current_a"));
}

TEST_CASE("the shipped examples are valid, in both forms") {
    const char* root = std::getenv("YSTPCS_SOURCE_ROOT");
    REQUIRE(root != nullptr);
    int seen = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::string(root) + "/examples/profiles")) {
        std::ifstream in(e.path());
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        CAPTURE(e.path().string());
        if (e.path().extension() == ".json") {
            const auto p = parse_profile(text);
            CHECK_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message));
        } else {
            const auto c = compile_text(text);
            CHECK_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
        }
        ++seen;
    }
    CHECK(seen >= 4);
}
