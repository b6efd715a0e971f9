#include "profile/profile.h"

#include <cmath>
#include <functional>
#include <map>
#include <set>

#include <nettle/sha2.h>
#include <nlohmann/json.hpp>

#include "protocol/signal.h"

namespace ystpcs::profile {

using json = nlohmann::json;
using protocol::format_number;

namespace {

constexpr std::pair<StepType, std::string_view> kStepTypes[] = {
    {StepType::rest, "rest"}, {StepType::cc, "cc"}, {StepType::cv, "cv"},
    {StepType::cccv, "cccv"}, {StepType::cp, "cp"}, {StepType::pulse, "pulse"}};
constexpr std::pair<Quantity, std::string_view> kQuantities[] = {
    {Quantity::time_s, "time_s"},
    {Quantity::voltage_above_v, "voltage_above_v"},
    {Quantity::voltage_below_v, "voltage_below_v"},
    {Quantity::current_below_a, "current_below_a"},
    {Quantity::capacity_ah, "capacity_ah"},
    {Quantity::energy_wh, "energy_wh"},
    {Quantity::temperature_above_c, "temperature_above_c"}};
constexpr std::pair<Action, std::string_view> kActions[] = {
    {Action::next, "next"}, {Action::go_to, "goto"}, {Action::end, "end"}, {Action::fail, "fail"}};

template <class E, std::size_t N>
std::string_view lookup(const std::pair<E, std::string_view> (&table)[N], E e) {
    for (const auto& [k, v] : table)
        if (k == e) return v;
    return "?";
}
template <class E, std::size_t N>
std::string choices(const std::pair<E, std::string_view> (&table)[N]) {
    std::string out;
    for (const auto& [k, v] : table) out += (out.empty() ? "" : ", ") + std::string(v);
    return out;
}

Error bad(const std::string& where, const std::string& what) {
    return make_error(ErrorKind::invalid_argument, where + ": " + what);
}
Error outside(const std::string& where, const std::string& what) {
    return make_error(ErrorKind::out_of_range, where + ": " + what);
}

// Reads one JSON object, refusing unknown keys and wrong types (the schema's rules, applied
// here so the daemon needs no schema engine; tests check the two agree on the examples).
class Fields {
public:
    Fields(const json& j, std::string where) : j_(j), where_(std::move(where)) {}
    Result<void> only(std::initializer_list<std::string_view> known) const {
        if (!j_.is_object()) return bad(where_, "must be an object");
        for (const auto& [k, v] : j_.items()) {
            bool ok = false;
            for (auto n : known) ok = ok || n == k;
            if (!ok) {
                std::string list;
                for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
                return bad(where_, "unknown key '" + k + "' (known: " + list + ")");
            }
        }
        return {};
    }
    bool has(const char* key) const { return j_.contains(key); }
    // A finite number, > 0 when `positive`, inside [lo, hi].
    Result<double> number(const char* key, bool required, double lo, double hi, double fallback = 0) const {
        if (!j_.contains(key)) {
            if (required) return bad(where_, "'" + std::string(key) + "' is required");
            return fallback;
        }
        const auto& v = j_.at(key);
        if (!v.is_number()) return bad(where_ + "." + key, "must be a number");
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < lo || d > hi)
            return outside(where_ + "." + key, format_number(d, 3) + " is outside " + format_number(lo, 3) + " … " +
                                                   format_number(hi, 3));
        return d;
    }
    Result<std::string> text(const char* key, bool required) const {
        if (!j_.contains(key)) {
            if (required) return bad(where_, "'" + std::string(key) + "' is required");
            return std::string();
        }
        if (!j_.at(key).is_string()) return bad(where_ + "." + key, "must be a string");
        return j_.at(key).get<std::string>();
    }
    const std::string& where() const { return where_; }

private:
    const json& j_;
    std::string where_;
};

#define TRY_ASSIGN(lhs, expr)              \
    do {                                   \
        auto r_ = (expr);                  \
        if (!r_) return r_.error();        \
        lhs = std::move(r_).value();       \
    } while (0)
#define TRY_OK(expr)                       \
    do {                                   \
        auto r_ = (expr);                  \
        if (!r_) return r_.error();        \
    } while (0)

constexpr double kBig = 1e9;

Result<Action> parse_action(const std::string& text, const std::string& where) {
    for (const auto& [a, n] : kActions)
        if (n == text) return a;
    return bad(where, "unknown action '" + text + "' (known: " + choices(kActions) + ")");
}

Result<EndCondition> parse_condition(const json& j, const std::string& where) {
    Fields f(j, where);
    TRY_OK(f.only({"time_s", "voltage_above_v", "voltage_below_v", "current_below_a", "capacity_ah", "energy_wh",
                   "temperature_above_c", "action", "goto"}));
    EndCondition c;
    int quantities = 0;
    for (const auto& [q, n] : kQuantities) {
        const std::string key(n);
        if (!f.has(key.c_str())) continue;
        ++quantities;
        c.quantity = q;
        const bool temperature = q == Quantity::temperature_above_c;
        TRY_ASSIGN(c.value, f.number(key.c_str(), true, temperature ? -50 : 0, temperature ? 200 : kBig));
        if (q != Quantity::temperature_above_c && c.value <= 0) return outside(where + "." + key, "must be above 0");
    }
    if (quantities != 1)
        return bad(where, "an end condition names exactly one quantity (" + choices(kQuantities) + "), this one " +
                              std::to_string(quantities));
    std::string action;
    TRY_ASSIGN(action, f.text("action", false));
    std::string target;
    TRY_ASSIGN(target, f.text("goto", false));
    if (action.empty()) action = target.empty() ? "next" : "goto";
    TRY_ASSIGN(c.action, parse_action(action, where + ".action"));
    if (c.action == Action::go_to && target.empty()) return bad(where, "action goto needs 'goto': a label");
    if (c.action != Action::go_to && !target.empty())
        return bad(where, "'goto' is given but the action is '" + action + "'");
    c.target = target;
    return c;
}

Result<Step> parse_step(const json& j, const std::string& where) {
    // Messages name the step by its path and, once known, its label.
    const bool labelled = j.is_object() && j.contains("label") && j.at("label").is_string();
    Fields f(j, labelled ? where + " (" + j.at("label").get<std::string>() + ")" : where);
    TRY_OK(f.only({"label", "type", "direction", "current_a", "current_2_a", "voltage_v", "power_w", "period_s",
                   "duty_pct", "until", "max_time_s", "on_max_time", "max_time_goto", "comment"}));
    Step s;
    s.where = where;
    TRY_ASSIGN(s.label, f.text("label", false));
    std::string type;
    TRY_ASSIGN(type, f.text("type", true));
    bool known = false;
    for (const auto& [t, n] : kStepTypes)
        if (n == type) s.type = t, known = true;
    if (!known) return bad(where + ".type", "unknown step type '" + type + "' (known: " + choices(kStepTypes) + ")");
    const std::string named = s.name();
    std::string direction;
    TRY_ASSIGN(direction, f.text("direction", s.type != StepType::rest));
    if (s.type == StepType::rest && !direction.empty()) return bad(named, "a rest step has no direction");
    if (direction == "charge") s.direction = Direction::charge;
    else if (direction == "discharge") s.direction = Direction::discharge;
    else if (!direction.empty())
        return bad(named + ".direction", "'" + direction + "' is neither \"charge\" nor \"discharge\" (magnitudes are "
                                                          "positive; the direction gives the sign)");
    // Which set-points each type takes; the others must be absent.
    const bool cur = s.type == StepType::cc || s.type == StepType::cccv || s.type == StepType::pulse;
    const bool cur_opt = s.type == StepType::cv;
    const bool volt = s.type == StepType::cv || s.type == StepType::cccv;
    const bool pow = s.type == StepType::cp;
    const bool pulse = s.type == StepType::pulse;
    auto absent = [&](const char* key, bool allowed) -> Result<void> {
        if (!allowed && f.has(key)) return bad(named, "a " + type + " step takes no '" + key + "'");
        return {};
    };
    TRY_OK(absent("current_a", cur || cur_opt));
    TRY_OK(absent("voltage_v", volt));
    TRY_OK(absent("power_w", pow));
    TRY_OK(absent("current_2_a", pulse));
    TRY_OK(absent("period_s", pulse));
    TRY_OK(absent("duty_pct", pulse));
    if (cur || cur_opt) TRY_ASSIGN(s.current_a, f.number("current_a", cur, 0, kBig));
    if (cur && s.current_a <= 0) return outside(named + ".current_a", "must be above 0 (the direction gives the sign)");
    if (volt) TRY_ASSIGN(s.voltage_v, f.number("voltage_v", true, 0, kBig));
    if (pow) TRY_ASSIGN(s.power_w, f.number("power_w", true, 0, kBig));
    if (pow && s.power_w <= 0) return outside(named + ".power_w", "must be above 0 (the direction gives the sign)");
    if (pulse) {
        TRY_ASSIGN(s.current_2_a, f.number("current_2_a", true, 0, kBig));
        TRY_ASSIGN(s.period_s, f.number("period_s", true, 0.02, 86'400));
        TRY_ASSIGN(s.duty_pct, f.number("duty_pct", true, 1, 99));
    }
    TRY_ASSIGN(s.max_time_s, f.number("max_time_s", true, 0, kMaxStepTimeS));
    if (s.max_time_s <= 0) return outside(named + ".max_time_s", "must be above 0");
    std::string on_max;
    TRY_ASSIGN(on_max, f.text("on_max_time", false));
    TRY_ASSIGN(s.max_time_target, f.text("max_time_goto", false));
    if (on_max.empty()) on_max = s.max_time_target.empty() ? "fail" : "goto";
    TRY_ASSIGN(s.on_max_time, parse_action(on_max, named + ".on_max_time"));
    if (s.on_max_time == Action::go_to && s.max_time_target.empty())
        return bad(named, "on_max_time goto needs 'max_time_goto': a label");
    if (j.contains("until")) {
        if (!j.at("until").is_array()) return bad(named + ".until", "must be an array of end conditions");
        for (std::size_t i = 0; i < j.at("until").size(); ++i) {
            EndCondition c;
            TRY_ASSIGN(c, parse_condition(j.at("until")[i], named + ".until[" + std::to_string(i) + "]"));
            s.until.push_back(std::move(c));
        }
    }
    return s;
}

Result<std::vector<Node>> parse_nodes(const json& j, const std::string& where, int depth) {
    if (!j.is_array() || j.empty()) return bad(where, "must be a non-empty array of steps");
    if (depth > kMaxDepth) return bad(where, "repeat blocks nest deeper than " + std::to_string(kMaxDepth));
    std::vector<Node> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string at = where + "[" + std::to_string(i) + "]";
        Node n;
        n.where = at;
        if (j[i].is_object() && j[i].contains("repeat")) {
            Fields f(j[i], at);
            TRY_OK(f.only({"repeat", "label", "steps", "comment"}));
            n.repeat = true;
            TRY_ASSIGN(n.label, f.text("label", false));
            double count = 0;
            TRY_ASSIGN(count, f.number("repeat", true, 1, kMaxRepeat));
            if (count != std::floor(count)) return bad(at + ".repeat", "must be a whole number");
            n.count = static_cast<long>(count);
            if (!j[i].contains("steps")) return bad(at, "a repeat block needs 'steps'");
            TRY_ASSIGN(n.children, parse_nodes(j[i].at("steps"), at + ".steps", depth + 1));
        } else {
            TRY_ASSIGN(n.step, parse_step(j[i], at));
        }
        out.push_back(std::move(n));
    }
    return out;
}

// ---- checks over the whole tree ----

void for_each_step(const std::vector<Node>& nodes, const std::function<void(const Step&)>& fn) {
    for (const auto& n : nodes) {
        if (n.repeat) for_each_step(n.children, fn);
        else fn(n.step);
    }
}

Result<void> labels_unique(const std::vector<Node>& nodes, std::map<std::string, std::string>& seen) {
    for (const auto& n : nodes) {
        const auto& l = n.node_label();
        if (!l.empty()) {
            for (char c : l)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
                    return bad(n.where + ".label", "'" + l + "' may hold only letters, digits, '_' and '-'");
            if (auto [it, fresh] = seen.emplace(l, n.where); !fresh)
                return bad(n.where + ".label", "'" + l + "' is also the label of " + it->second);
        }
        if (n.repeat) TRY_OK(labels_unique(n.children, seen));
    }
    return {};
}

// A goto may reach a node after the step, in the step's own block or an enclosing one: it
// never goes back (loops are repeat blocks, with a count) and never jumps into a block.
Result<void> gotos_forward(const std::vector<const std::vector<Node>*>& path, const std::vector<std::size_t>& index,
                           const Step& step) {
    auto check = [&](const std::string& target, const std::string& field) -> Result<void> {
        for (std::size_t level = path.size(); level-- > 0;) {
            const auto& nodes = *path[level];
            for (std::size_t i = 0; i < nodes.size(); ++i) {
                if (nodes[i].node_label() != target) continue;
                if (i > index[level]) return {};
                return bad(step.name() + "." + field,
                           "goto '" + target + "' goes back to " + nodes[i].where +
                               ": a goto only jumps ahead; use a repeat block (with a count) for loops");
            }
        }
        return bad(step.name() + "." + field,
                   "goto '" + target + "': no step or repeat block with this label ahead of it in its own block or an "
                                       "enclosing one");
    };
    for (std::size_t i = 0; i < step.until.size(); ++i)
        if (step.until[i].action == Action::go_to) TRY_OK(check(step.until[i].target, "until[" + std::to_string(i) + "].goto"));
    if (step.on_max_time == Action::go_to) TRY_OK(check(step.max_time_target, "max_time_goto"));
    return {};
}

Result<void> check_gotos(std::vector<const std::vector<Node>*>& path, std::vector<std::size_t>& index) {
    const auto& nodes = *path.back();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        index.back() = i;
        if (nodes[i].repeat) {
            path.push_back(&nodes[i].children);
            index.push_back(0);
            TRY_OK(check_gotos(path, index));
            path.pop_back();
            index.pop_back();
        } else {
            TRY_OK(gotos_forward(path, index, nodes[i].step));
        }
    }
    return {};
}

Result<Envelope> parse_envelope(const json& j) {
    Fields f(j, "safety");
    TRY_OK(f.only({"max_voltage_v", "min_voltage_v", "max_charge_current_a", "max_discharge_current_a",
                   "max_charge_power_kw", "max_discharge_power_kw", "max_temperature_c", "debounce_samples"}));
    Envelope e;
    // The protection parameters' ranges (3.1): 0–1000.0 V, A, kW.
    TRY_ASSIGN(e.max_voltage_v, f.number("max_voltage_v", true, 0, 1000));
    TRY_ASSIGN(e.min_voltage_v, f.number("min_voltage_v", true, 0, 1000));
    TRY_ASSIGN(e.max_charge_current_a, f.number("max_charge_current_a", true, 0, 1000));
    TRY_ASSIGN(e.max_discharge_current_a, f.number("max_discharge_current_a", true, 0, 1000));
    TRY_ASSIGN(e.max_charge_power_kw, f.number("max_charge_power_kw", true, 0, 1000));
    TRY_ASSIGN(e.max_discharge_power_kw, f.number("max_discharge_power_kw", true, 0, 1000));
    if (f.has("max_temperature_c")) {
        double t = 0;
        TRY_ASSIGN(t, f.number("max_temperature_c", true, -50, 150));
        e.max_temperature_c = t;
    }
    double debounce = 3;
    TRY_ASSIGN(debounce, f.number("debounce_samples", false, 1, 50, 3));
    if (debounce != std::floor(debounce)) return bad("safety.debounce_samples", "must be a whole number");
    e.debounce_samples = static_cast<int>(debounce);
    if (e.min_voltage_v >= e.max_voltage_v)
        return outside("safety", "min_voltage_v " + format_number(e.min_voltage_v, 3) + " V is not below max_voltage_v " +
                                     format_number(e.max_voltage_v, 3) + " V");
    return e;
}

Result<void> envelope_fits_rating(const Envelope& e, const protocol::ModuleRating& r) {
    auto over = [&](const char* field, double v, double max, const char* unit) -> Result<void> {
        if (v <= max) return {};
        return outside("safety." + std::string(field), format_number(v, 3) + " " + unit + " exceeds the " +
                                                           std::string(r.model) + "'s rating " + format_number(max, 3) +
                                                           " " + unit);
    };
    TRY_OK(over("max_voltage_v", e.max_voltage_v, r.dc_voltage_max_v, "V"));
    TRY_OK(over("max_charge_current_a", e.max_charge_current_a, r.dc_current_max_a, "A"));
    TRY_OK(over("max_discharge_current_a", e.max_discharge_current_a, r.dc_current_max_a, "A"));
    TRY_OK(over("max_charge_power_kw", e.max_charge_power_kw, r.rated_power_kw, "kW"));
    TRY_OK(over("max_discharge_power_kw", e.max_discharge_power_kw, r.rated_power_kw, "kW"));
    if (e.min_voltage_v < r.dc_voltage_min_v)
        return outside("safety.min_voltage_v", format_number(e.min_voltage_v, 3) + " V is below the " +
                                                   std::string(r.model) + "'s DC range " +
                                                   format_number(r.dc_voltage_min_v, 3) + " V");
    return {};
}

// Set-points and end values inside the envelope: a step that would breach it, or an end
// condition that could never be reached before the envelope trips, is refused.
Result<void> step_inside_envelope(const Step& s, const Envelope& e) {
    const std::string n = s.name();
    const bool charge = s.direction == Direction::charge;
    const double i_max = charge ? e.max_charge_current_a : e.max_discharge_current_a;
    const double p_max_w = 1000 * (charge ? e.max_charge_power_kw : e.max_discharge_power_kw);
    const char* i_field = charge ? "safety.max_charge_current_a" : "safety.max_discharge_current_a";
    auto cap = [&](const char* field, double v, double max, const char* env, const char* unit) -> Result<void> {
        if (v <= max + 1e-9) return {};
        return outside(n + "." + field, format_number(v, 3) + " " + unit + " exceeds " + env + " = " +
                                            format_number(max, 3) + " " + unit);
    };
    if (s.type != StepType::rest) {
        TRY_OK(cap("current_a", s.current_a, i_max, i_field, "A"));
        TRY_OK(cap("current_2_a", s.current_2_a, i_max, i_field, "A"));
        TRY_OK(cap("power_w", s.power_w, p_max_w, charge ? "safety.max_charge_power_kw" : "safety.max_discharge_power_kw", "W"));
        if ((s.type == StepType::cv || s.type == StepType::cccv) &&
            (s.voltage_v < e.min_voltage_v || s.voltage_v > e.max_voltage_v))
            return outside(n + ".voltage_v", format_number(s.voltage_v, 3) + " V is outside the envelope " +
                                                 format_number(e.min_voltage_v, 3) + " … " +
                                                 format_number(e.max_voltage_v, 3) + " V");
        if (s.type == StepType::cv && s.current_a == 0 && i_max <= 0)
            return outside(n, "a cv step " + std::string(charge ? "charging" : "discharging") + " needs a current: " +
                                  i_field + " is 0");
    }
    for (std::size_t i = 0; i < s.until.size(); ++i) {
        const auto& c = s.until[i];
        const std::string f = n + ".until[" + std::to_string(i) + "]." + std::string(name_of(c.quantity));
        const bool v = c.quantity == Quantity::voltage_above_v || c.quantity == Quantity::voltage_below_v;
        if (v && (c.value < e.min_voltage_v || c.value > e.max_voltage_v))
            return outside(f, format_number(c.value, 3) + " V is outside the envelope " + format_number(e.min_voltage_v, 3) +
                                  " … " + format_number(e.max_voltage_v, 3) + " V: the envelope would trip first");
        if (c.quantity == Quantity::temperature_above_c && e.max_temperature_c && c.value > *e.max_temperature_c)
            return outside(f, format_number(c.value, 1) + " °C is above safety.max_temperature_c");
        if (c.quantity == Quantity::current_below_a && s.type == StepType::rest)
            return bad(f, "a rest step carries no current: this condition would fire at once");
        if (c.quantity == Quantity::time_s && c.value > s.max_time_s)
            return outside(f, format_number(c.value, 3) + " s is beyond max_time_s " + format_number(s.max_time_s, 3) +
                                  " s: it could never fire");
    }
    // What the module itself gets must fit its mode's parameter definitions too.
    if (const auto m = mode_setting(s, e))
        for (std::size_t i = 0; i < m->params.size(); ++i)
            if (auto raw = protocol::mode_param_to_raw(*m->mode, i, m->params[i]); !raw)
                return make_error(raw.error().kind, n + ": " + raw.error().message);
    return {};
}

}  // namespace

std::string_view name_of(StepType t) { return lookup(kStepTypes, t); }
std::string_view name_of(Direction d) { return d == Direction::charge ? "charge" : "discharge"; }
std::string_view name_of(Quantity q) { return lookup(kQuantities, q); }
std::string_view name_of(Action a) { return lookup(kActions, a); }

std::optional<ModeSetting> mode_setting(const Step& s, const Envelope& e) {
    // The protocol's sign: negative current and power charge the battery.
    const double sign = s.direction == Direction::charge ? -1 : 1;
    auto end_current = [&]() -> double {
        for (const auto& c : s.until)
            if (c.quantity == Quantity::current_below_a) return sign * c.value;
        return 0;  // the module never ends the CC-CV on its own; the runner's conditions do
    };
    switch (s.type) {
        case StepType::rest: return std::nullopt;
        case StepType::cc: return ModeSetting{protocol::find_mode("cc"), {sign * s.current_a}};
        case StepType::cv: {
            // Current-limited CV: only in the step's direction, at most its current (or the envelope's).
            const bool charge = s.direction == Direction::charge;
            const double limit = s.current_a > 0 ? s.current_a : charge ? e.max_charge_current_a : e.max_discharge_current_a;
            return ModeSetting{protocol::find_mode("cv_limited"), {s.voltage_v, charge ? limit : 0.0, charge ? 0.0 : limit}};
        }
        case StepType::cccv:
            return ModeSetting{protocol::find_mode("cccv"), {s.voltage_v, sign * s.current_a, end_current()}};
        case StepType::cp: return ModeSetting{protocol::find_mode("cp"), {sign * s.power_w}};
        case StepType::pulse:
            return ModeSetting{protocol::find_mode("pulse_current"),
                               {sign * s.current_a, sign * s.current_2_a, s.period_s, s.duty_pct}};
    }
    return std::nullopt;
}

Result<Profile> parse_profile(std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return bad("profile", "is not valid JSON");
    Fields f(j, "profile");
    TRY_OK(f.only({"format", "version", "name", "module_model", "safety", "logging", "steps", "comment"}));
    Profile p;
    std::string format;
    TRY_ASSIGN(format, f.text("format", true));
    if (format != kFormatName) return bad("format", "'" + format + "' is not \"" + kFormatName + "\"");
    double version = 0;
    TRY_ASSIGN(version, f.number("version", true, 0, 1e6));
    if (version != kFormatVersion)
        return bad("version", format_number(version, 3) + " is not a version this ystpcsd reads (it reads " +
                                  std::to_string(kFormatVersion) + ")");
    TRY_ASSIGN(p.name, f.text("name", true));
    TRY_ASSIGN(p.module_model, f.text("module_model", false));
    if (!j.contains("safety")) return bad("profile", "'safety' (the envelope) is required");
    TRY_ASSIGN(p.safety, parse_envelope(j.at("safety")));
    if (!p.module_model.empty()) {
        const auto* rating = protocol::find_module_rating(p.module_model);
        if (rating == nullptr) return bad("module_model", "'" + p.module_model + "' is not a model of Appendix D");
        TRY_OK(envelope_fits_rating(p.safety, *rating));
    }
    if (j.contains("logging")) {
        Fields l(j.at("logging"), "logging");
        TRY_OK(l.only({"period_s", "delta_voltage_v", "delta_current_a"}));
        TRY_ASSIGN(p.logging.period_s, l.number("period_s", false, 0.2, 3600, 1));
        TRY_ASSIGN(p.logging.delta_voltage_v, l.number("delta_voltage_v", false, 0, 1000, 0));
        TRY_ASSIGN(p.logging.delta_current_a, l.number("delta_current_a", false, 0, 1000, 0));
    }
    if (!j.contains("steps")) return bad("profile", "'steps' is required");
    TRY_ASSIGN(p.steps, parse_nodes(j.at("steps"), "steps", 1));
    std::map<std::string, std::string> labels;
    TRY_OK(labels_unique(p.steps, labels));
    std::vector<const std::vector<Node>*> path{&p.steps};
    std::vector<std::size_t> index{0};
    TRY_OK(check_gotos(path, index));
    Result<void> inside{};
    for_each_step(p.steps, [&](const Step& s) {
        if (inside) inside = step_inside_envelope(s, p.safety);
    });
    TRY_OK(inside);
    p.text = std::string(text);
    p.hash = sha256_hex(text);
    return p;
}

std::uint64_t step_count(const std::vector<Node>& nodes) {
    std::uint64_t n = 0;
    for (const auto& x : nodes) n += x.repeat ? static_cast<std::uint64_t>(x.count) * step_count(x.children) : 1;
    return n;
}

std::string sha256_hex(std::string_view data) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (auto b : digest) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

}  // namespace ystpcs::profile
