#include "sim/control_commands.h"

#include <cmath>
#include <map>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/running_states.h"
#include "sim/simulated_rack.h"

namespace ystpcs::sim {

namespace {

using json = nlohmann::ordered_json;

std::string fail(const std::string& why) { return json{{"ok", false}, {"error", why}}.dump(); }
std::string ok(json extra = json::object()) {
    json out{{"ok", true}};
    for (auto& [k, v] : extra.items()) out[k] = v;
    return out.dump();
}

bool parse_number(const std::string& s, double& out) {
    try {
        std::size_t used = 0;
        if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) out = static_cast<double>(std::stoul(s, &used, 16));
        else out = std::stod(s, &used);
        return used == s.size();
    } catch (...) {
        return false;
    }
}

constexpr const char* kHelp =
    "commands: state [ADDR] | fault [ADDR] CODE | silent [ADDR] SECONDS | drop-replies [ADDR] COUNT | "
    "refuse [ADDR] COUNT | corrupt [ADDR] COUNT | misreport [ADDR] STATE|off | battery [ADDR] soc=FRACTION | io [ADDR] I1 I2 I3 I4 | power-cycle [ADDR]";

}  // namespace

std::string execute_control_command(SimulatedRack& rack, runtime::Instant now, std::string_view line) {
    std::istringstream in{std::string(line)};
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty()) return fail("empty command; " + std::string(kHelp));
    const std::string cmd = words[0];
    words.erase(words.begin());
    if (cmd == "help") return ok({{"help", kHelp}});

    // Which module: an explicit address first, or the only module.
    static const std::map<std::string, std::size_t> kArgs{{"state", 0},   {"fault", 1},   {"silent", 1},
                                                          {"drop-replies", 1}, {"refuse", 1}, {"corrupt", 1}, {"misreport", 1}, {"battery", 1},
                                                          {"io", 4},      {"power-cycle", 0}};
    const auto spec = kArgs.find(cmd);
    if (spec == kArgs.end()) return fail("unknown command '" + cmd + "'; " + kHelp);
    PcsModel* target = nullptr;
    if (words.size() == spec->second + 1) {
        double a = 0;
        if (!parse_number(words[0], a)) return fail("'" + words[0] + "' is not a module address");
        target = rack.find(static_cast<std::uint8_t>(a));
        if (target == nullptr) return fail("no simulated module at address " + words[0]);
        words.erase(words.begin());
    } else if (words.size() == spec->second) {
        if (cmd == "state" && rack.modules().size() != 1) {
            json all = json::array();
            for (PcsModel* m : rack.modules()) all.push_back(m->state_json(now));
            return ok({{"modules", all}});
        }
        if (rack.modules().size() != 1) return fail(cmd + " needs a module address: several modules are simulated");
        target = rack.modules().front();
    } else {
        return fail("wrong number of arguments; " + std::string(kHelp));
    }

    std::vector<double> args;
    for (const auto& w : words) {
        double v = 0;
        const std::string number = w.rfind("soc=", 0) == 0 ? w.substr(4) : cmd == "misreport" && w == "off" ? "0" : w;
        if (!parse_number(number, v)) return fail("'" + w + "' is not a number");
        args.push_back(v);
    }
    if (cmd == "state") return ok({{"module", target->state_json(now)}});
    if (cmd == "fault") {
        if (args[0] < 0 || args[0] > 0xFFFF) return fail("fault code must be 0 … 65535");
        target->inject_fault(static_cast<std::uint16_t>(args[0]), now);
    } else if (cmd == "silent") {
        if (args[0] < 0) return fail("seconds must not be negative");
        target->go_silent(std::chrono::duration_cast<runtime::Duration>(std::chrono::duration<double>(args[0])), now);
    } else if (cmd == "drop-replies") {
        target->drop_replies(static_cast<unsigned>(args[0]));
    } else if (cmd == "refuse") {
        if (args[0] < 0) return fail("count must not be negative");
        target->refuse_commands(static_cast<unsigned>(args[0]));
    } else if (cmd == "corrupt") {
        target->corrupt_frames(static_cast<unsigned>(args[0]));
    } else if (cmd == "misreport") {
        if (args[0] == 0) {
            target->misreport_state(std::nullopt);
        } else {
            if (protocol::find_running_state(static_cast<std::int64_t>(args[0])) == nullptr || args[0] != std::floor(args[0]))
                return fail("misreport takes a running state of Appendix B (1 … 14, e.g. 11 constant-voltage operation) or off");
            target->misreport_state(static_cast<std::uint8_t>(args[0]));
        }
    } else if (cmd == "battery") {
        if (args[0] < 0 || args[0] > 1) return fail("soc must be 0 … 1");
        target->set_soc(args[0]);
    } else if (cmd == "io") {
        std::array<std::uint8_t, 4> io{};
        for (std::size_t i = 0; i < 4; ++i) {
            if (args[i] != 0 && args[i] != 1) return fail("IO inputs are 0 or 1");
            io[i] = static_cast<std::uint8_t>(args[i]);
        }
        target->set_io_inputs(io);
    } else if (cmd == "power-cycle") {
        target->power_cycle(now);
    }
    return ok({{"module", target->state_json(now)}});
}

}  // namespace ystpcs::sim
