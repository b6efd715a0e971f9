#include "profile/compile.h"

#include <cctype>
#include <cmath>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "profile/profile.h"

namespace ystpcs::profile {

using nlohmann::json;

namespace {

struct Line {
    int number = 0;
    int indent = 0;
    std::string text;
};

Error at(int line, const std::string& what) {
    return make_error(ErrorKind::invalid_argument, "line " + std::to_string(line) + ": " + what);
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// A number followed by a unit: "50 A", "50A", "2.5 hours". `kind` of the unit and its factor
// to our base unit (V, A, W, Ah, Wh, s, °C).
struct Quantity_ {
    double value = 0;
    std::string kind;  // "V", "A", "W", "Ah", "Wh", "s", "C"
};

Result<Quantity_> quantity(const std::vector<std::string>& w, std::size_t& i, int line) {
    if (i >= w.size()) return at(line, "a value with its unit is missing at the end");
    std::string num = w[i], unit;
    std::size_t k = 0;
    while (k < num.size() && (std::isdigit(static_cast<unsigned char>(num[k])) || num[k] == '.')) ++k;
    if (k == 0) return at(line, "expected a number, got '" + w[i] + "'");
    unit = num.substr(k);
    num = num.substr(0, k);
    ++i;
    if (unit.empty()) {
        if (i >= w.size()) return at(line, "the unit of " + num + " is missing");
        unit = w[i++];
    }
    double v = 0;
    try {
        v = std::stod(num);
    } catch (const std::exception&) {
        return at(line, "'" + num + "' is not a number");
    }
    struct U {
        const char* name;
        const char* kind;
        double factor;
    };
    static constexpr U units[] = {
        {"v", "V", 1},        {"mv", "V", 1e-3},       {"a", "A", 1},          {"ma", "A", 1e-3},
        {"w", "W", 1},        {"kw", "W", 1e3},        {"ah", "Ah", 1},        {"mah", "Ah", 1e-3},
        {"wh", "Wh", 1},      {"kwh", "Wh", 1e3},      {"s", "s", 1},          {"sec", "s", 1},
        {"second", "s", 1},   {"seconds", "s", 1},     {"min", "s", 60},       {"minute", "s", 60},
        {"minutes", "s", 60}, {"h", "s", 3600},        {"hour", "s", 3600},    {"hours", "s", 3600},
        {"c", "C", 1},        {"°c", "C", 1},          {"degc", "C", 1}};
    const std::string u = lower(unit);
    for (const auto& x : units)
        if (u == x.name) return Quantity_{v * x.factor, x.kind};
    return at(line, "unknown unit '" + unit + "' (known: V, mV, A, mA, W, kW, Ah, mAh, Wh, kWh, s, min, h, °C)");
}

// "until 700 V or 2 hours", "for 30 minutes", "within 3 hours" → conditions and max time.
Result<void> conditions(const std::vector<std::string>& w, std::size_t i, int line, const std::string& direction,
                        json& step) {
    json until = json::array();
    std::string mode;  // "until", "for", "within"
    while (i < w.size()) {
        const std::string word = lower(w[i]);
        if (word == "until" || word == "for" || word == "within" || word == "or") {
            if (word != "or") mode = word;
            else if (mode.empty()) return at(line, "'or' before any 'until' or 'for'");
            ++i;
            continue;
        }
        if (mode.empty()) return at(line, "unexpected '" + w[i] + "' (expected until, for or within)");
        auto q = quantity(w, i, line);
        if (!q) return q.error();
        if (mode == "within") {
            if (q->kind != "s") return at(line, "'within' takes a time");
            step["max_time_s"] = q->value;
            continue;
        }
        if (mode == "for") {
            if (q->kind != "s") return at(line, "'for' takes a time");
            until.push_back({{"time_s", q->value}});
            if (!step.contains("max_time_s")) step["max_time_s"] = q->value;
            continue;
        }
        if (q->kind == "V") {
            if (direction.empty()) return at(line, "a rest step cannot end on a voltage here: give a direction");
            until.push_back({{direction == "charge" ? "voltage_above_v" : "voltage_below_v", q->value}});
        } else if (q->kind == "A") {
            until.push_back({{"current_below_a", q->value}});
        } else if (q->kind == "Ah") {
            until.push_back({{"capacity_ah", q->value}});
        } else if (q->kind == "Wh") {
            until.push_back({{"energy_wh", q->value}});
        } else if (q->kind == "C") {
            until.push_back({{"temperature_above_c", q->value}});
        } else if (q->kind == "s") {
            until.push_back({{"time_s", q->value}});
            if (!step.contains("max_time_s")) step["max_time_s"] = q->value;
        } else {
            return at(line, "cannot end a step on " + q->kind);
        }
    }
    if (!until.empty()) step["until"] = until;
    return {};
}

Result<json> step_line(const Line& l) {
    const auto w = words(l.text);
    const std::string verb = lower(w[0]);
    json step;
    std::size_t i = 1;
    std::string direction;
    if (verb == "rest") {
        step["type"] = "rest";
    } else if (verb == "charge" || verb == "discharge" || verb == "hold") {
        direction = verb == "hold" ? "charge" : verb;
        if (verb == "hold" && i < w.size() && lower(w[i]) != "at") {
            // "Hold discharging at 600 V": the direction named.
            const std::string d = lower(w[i]);
            if (d != "charging" && d != "discharging") return at(l.number, "expected 'at' after Hold, got '" + w[i] + "'");
            direction = d == "charging" ? "charge" : "discharge";
            ++i;
        }
        if (i >= w.size() || lower(w[i]) != "at") return at(l.number, "expected 'at' after " + w[0]);
        ++i;
        auto q = quantity(w, i, l.number);
        if (!q) return q.error();
        step["direction"] = direction;
        if (verb == "hold") {
            if (q->kind != "V") return at(l.number, "Hold takes a voltage");
            step["type"] = "cv";
            step["voltage_v"] = q->value;
        } else if (q->kind == "A") {
            step["type"] = "cc";
            step["current_a"] = q->value;
            // "Charge at 40 A to 790 V": CC-CV, the voltage held after the current phase.
            if (i < w.size() && lower(w[i]) == "to") {
                ++i;
                auto v = quantity(w, i, l.number);
                if (!v) return v.error();
                if (v->kind != "V") return at(l.number, "'to' takes the CC-CV voltage");
                step["type"] = "cccv";
                step["voltage_v"] = v->value;
            }
        } else if (q->kind == "W") {
            step["type"] = "cp";
            step["power_w"] = q->value;
        } else {
            return at(l.number, w[0] + " at a " + q->kind + " value: expected a current (A) or a power (W, kW)");
        }
    } else {
        return at(l.number, "unknown instruction '" + w[0] + "' (known: Charge, Discharge, Hold, Rest, Repeat, and the "
                                                          "settings name:, model:, safety:, logging:, max_step_time:)");
    }
    if (auto ok = conditions(w, i, l.number, step["type"] == "rest" ? "" : direction, step); !ok) return ok.error();
    if (step["type"] == "rest" && !step.contains("until")) return at(l.number, "Rest needs 'for' a time");
    return step;
}

Result<json> key_values(const std::string& text, int line) {
    json out = json::object();
    for (const auto& kv : words(text)) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) return at(line, "expected key=value, got '" + kv + "'");
        try {
            out[kv.substr(0, eq)] = std::stod(kv.substr(eq + 1));
        } catch (const std::exception&) {
            return at(line, "'" + kv.substr(eq + 1) + "' is not a number");
        }
    }
    return out;
}

Result<json> block(const std::vector<Line>& lines, std::size_t& i, int indent, std::optional<double> max_step) {
    json steps = json::array();
    while (i < lines.size() && lines[i].indent >= indent) {
        const Line& l = lines[i];
        if (l.indent > indent) return at(l.number, "indented more than the line before (only after 'Repeat N times:')");
        const auto w = words(l.text);
        if (lower(w[0]) == "repeat") {
            double n = 0;
            try {
                n = w.size() >= 3 ? std::stod(w[1]) : 0;
            } catch (const std::exception&) {
            }
            if (w.size() != 3 || lower(w[2]) != "times:" || n < 1 || n != std::floor(n))
                return at(l.number, "expected 'Repeat N times:' with a whole N ≥ 1");
            ++i;
            if (i >= lines.size() || lines[i].indent <= indent)
                return at(l.number, "the steps to repeat follow, indented");
            auto inner = block(lines, i, lines[i].indent, max_step);
            if (!inner) return inner.error();
            steps.push_back({{"repeat", static_cast<long>(n)}, {"steps", *inner}});
            continue;
        }
        auto s = step_line(l);
        if (!s) return s.error();
        json step = std::move(s).value();
        if (!step.contains("max_time_s")) {
            if (!max_step)
                return at(l.number, "no maximum time: add 'within <time>' or a 'max_step_time: <time>' line first");
            step["max_time_s"] = *max_step;
        }
        steps.push_back(std::move(step));
        ++i;
    }
    return steps;
}

}  // namespace

Result<std::string> compile_text(std::string_view text) {
    std::vector<Line> lines;
    json profile{{"format", kFormatName}, {"version", kFormatVersion}};
    std::optional<double> max_step;
    std::istringstream in{std::string(text)};
    int number = 0;
    for (std::string raw; std::getline(in, raw);) {
        ++number;
        if (const auto hash = raw.find('#'); hash != std::string::npos) raw.resize(hash);
        while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.pop_back();
        std::size_t indent = 0;
        while (indent < raw.size() && (raw[indent] == ' ' || raw[indent] == '\t')) ++indent;
        if (indent == raw.size()) continue;
        std::string body = raw.substr(indent);
        // A leading "- " (list style) is allowed and ignored.
        if (body.rfind("- ", 0) == 0) body = body.substr(2);
        const auto colon = body.find(':');
        const std::string head = colon == std::string::npos ? "" : lower(body.substr(0, colon));
        const std::string rest = colon == std::string::npos ? "" : body.substr(colon + 1);
        if (head == "name") {
            auto n = rest;
            while (!n.empty() && n.front() == ' ') n.erase(0, 1);
            profile["name"] = n;
        } else if (head == "model") {
            profile["module_model"] = words(rest).empty() ? "" : words(rest)[0];
        } else if (head == "safety" || head == "logging") {
            auto kv = key_values(rest, number);
            if (!kv) return kv.error();
            profile[head] = *kv;
        } else if (head == "max_step_time") {
            auto w = words(rest);
            std::size_t i = 0;
            auto q = quantity(w, i, number);
            if (!q) return q.error();
            if (q->kind != "s" || i != w.size()) return at(number, "max_step_time takes one time");
            max_step = q->value;
        } else {
            lines.push_back({number, static_cast<int>(indent), body});
        }
    }
    if (lines.empty()) return make_error(ErrorKind::invalid_argument, "no step given");
    if (!profile.contains("name")) profile["name"] = "compiled";
    if (!profile.contains("safety"))
        return make_error(ErrorKind::invalid_argument,
                          "no 'safety:' line: the envelope is never guessed (safety: max_voltage_v=… min_voltage_v=… "
                          "max_charge_current_a=… max_discharge_current_a=… max_charge_power_kw=… "
                          "max_discharge_power_kw=…)");
    std::size_t i = 0;
    auto steps = block(lines, i, lines[0].indent, max_step);
    if (!steps) return steps.error();
    if (i < lines.size()) return at(lines[i].number, "indented less than the first step");
    profile["steps"] = *steps;
    const std::string out = profile.dump(2) + "\n";
    if (auto ok = parse_profile(out); !ok) return ok.error();
    return out;
}

}  // namespace ystpcs::profile
