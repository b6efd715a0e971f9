// Commands for shell scripts: `pcsctl get MODULE VALUE...` (plain values, like `upsc UPS VAR`)
// and `pcsctl wait CONDITION...` (returns when a condition holds, with an exit status saying
// what happened: no polling loop in the script).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "pcsctl/client.h"
#include "pcsctl/client_loop.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/module_feed.h"
#include "pcsctl/output.h"
#include "pcsctl/units.h"
#include "pcsctl/values.h"

namespace ystpcs::ctl {

namespace {

const ValueDef& value_or_fail(const std::string& name) {
    const ValueDef* v = find_value(name);
    if (v == nullptr) throw CommandFailure{exit_usage, unknown_value_message(name)};
    return *v;
}

struct Condition {
    enum class Op { lt, le, gt, ge, eq, ne };
    std::string text;  // as typed: "dc_voltage_v<685"
    const ValueDef* value = nullptr;
    Op op = Op::eq;
    double number = 0;
    std::string word;

    bool holds(const Properties& p) const {
        const json j = value_json(*value, p);
        if (j.is_null()) return false;
        if (value->kind == ValueDef::Kind::text) {
            const bool same = j.get<std::string>() == word;
            return op == Op::eq ? same : !same;
        }
        const double v = j.is_boolean() ? (j.get<bool>() ? 1.0 : 0.0) : j.get<double>();
        switch (op) {
            case Op::lt: return v < number;
            case Op::le: return v <= number;
            case Op::gt: return v > number;
            case Op::ge: return v >= number;
            case Op::eq: return v == number;
            case Op::ne: return v != number;
        }
        return false;
    }
    // A condition about faults, the state or the link: a fault does not end the wait early.
    bool expects_trouble() const {
        return value->name == "fault_code" || value->name == "fault_text" || value->name == "state" ||
               value->name == "connected" || value->name == "running_state";
    }
};

Condition parse_condition(const std::string& text) {
    if (text == "fault") {
        Condition any = parse_condition("fault_code!=0");
        any.text = "fault";
        return any;
    }
    const auto at = text.find_first_of("<>=!");
    if (at == std::string::npos || at == 0)
        throw CommandFailure{exit_usage, "wait: '" + text + "' is not a condition (NAME<VALUE, NAME>=VALUE, NAME=VALUE, "
                                         "NAME!=VALUE, or fault; e.g. dc_voltage_v<685, state=stop)"};
    Condition c;
    c.text = text;
    c.value = &value_or_fail(text.substr(0, at));
    std::string op = text.substr(at, 2);
    if (op == "<=" || op == ">=" || op == "!=" || op == "==") {
        c.op = op == "<=" ? Condition::Op::le : op == ">=" ? Condition::Op::ge : op == "!=" ? Condition::Op::ne : Condition::Op::eq;
    } else {
        op = text.substr(at, 1);
        if (op == "!") throw CommandFailure{exit_usage, "wait: '" + text + "': use != for 'not equal'"};
        c.op = op == "<" ? Condition::Op::lt : op == ">" ? Condition::Op::gt : Condition::Op::eq;
    }
    const std::string rhs = text.substr(at + op.size());
    if (rhs.empty()) throw CommandFailure{exit_usage, "wait: '" + text + "' has nothing to compare with"};
    if (c.value->kind == ValueDef::Kind::text) {
        if (c.op != Condition::Op::eq && c.op != Condition::Op::ne)
            throw CommandFailure{exit_usage, "wait: " + c.value->name + " is a text: compare it with = or !="};
        c.word = rhs;
        return c;
    }
    if (c.value->kind == ValueDef::Kind::flag) {
        if (rhs == "1" || rhs == "true" || rhs == "yes" || rhs == "on") c.number = 1;
        else if (rhs == "0" || rhs == "false" || rhs == "no" || rhs == "off") c.number = 0;
        else throw CommandFailure{exit_usage, "wait: " + c.value->name + " is 1 or 0"};
        return c;
    }
    const auto r = parse_quantity(rhs, unit_of(c.value->property), "wait " + c.value->name);
    if (!r) throw CommandFailure{exit_usage, r.error().message};
    c.number = r.value();
    return c;
}

std::string module_and_values(const GlobalOptions& g, std::span<const std::string> args, std::vector<std::string>& values) {
    std::size_t first = 0;
    std::string module;
    if (g.modules.empty()) {
        if (args.empty()) throw CommandFailure{exit_usage, "get needs a MODULE (see pcsctl get --help)"};
        module = args[0];
        first = 1;
    }
    values.assign(args.begin() + static_cast<long>(first), args.end());
    return module;
}

}  // namespace

// get MODULE [VALUE...]: one value a line, as plain text; without VALUE every value as NAME=VALUE.
int run_get(const GlobalOptions& global, std::span<const std::string> args) {
    GlobalOptions g = global;
    std::vector<std::string> names;
    if (const std::string module = module_and_values(global, args, names); !module.empty()) g.modules = {module};
    std::vector<const ValueDef*> chosen;
    for (const auto& n : names) chosen.push_back(&value_or_fail(n));
    Client client(g);
    auto m = client.module();
    const auto p = call("read " + m->name(), [&] { return m->properties(); });
    const bool listing = chosen.empty();
    if (listing)
        for (const auto& v : value_catalog()) chosen.push_back(&v);
    if (g.json) {
        json values = json::object();
        for (const auto* v : chosen) values[v->name] = value_json(*v, p);
        std::cout << json{{"module", m->name()}, {"values", values}}.dump() << '\n';
    } else {
        for (const auto* v : chosen) std::cout << (listing ? v->name + "=" : "") << value_text(*v, p) << '\n';
    }
    // Values the module measures are unknown while its link is lost: say so in the exit status.
    if (!flag(p, "Connected"))
        for (const auto* v : chosen)
            if (v->reported) {
                std::fprintf(stderr, "pcsctl: %s is not communicating: its values are unknown (empty)\n", m->name().c_str());
                return exit_not_connected;
            }
    return exit_ok;
}

// wait CONDITION... [--timeout SECONDS]: returns when one condition holds on one of the chosen modules.
int run_wait(const GlobalOptions& global, std::span<const std::string> args) {
    std::vector<Condition> conditions;
    for (const auto& a : args) conditions.push_back(parse_condition(a));
    if (conditions.empty())
        throw CommandFailure{exit_usage, "wait needs a condition (e.g. dc_voltage_v<685, state=stop, fault)"};
    bool trouble_expected = false;
    for (const auto& c : conditions) trouble_expected = trouble_expected || c.expects_trouble();
    // --timeout here bounds the wait; each D-Bus call keeps the usual limit.
    GlobalOptions g = global;
    const std::optional<double> limit_s = global.timeout_given ? std::optional<double>(global.timeout_s) : std::nullopt;
    g.timeout_s = 30;
    Client client(g);
    ModuleFeed feed(client, client.chosen_paths(false));

    int result = -1;
    auto report = [&](ModuleFeed::Module& m, const Condition* c, int code, const std::string& why) {
        if (result >= 0) return;
        result = code;
        const std::string value = c ? value_text(*c->value, m.props) : "";
        if (g.json) {
            json out{{"time", iso_utc_now()}, {"module", m.name}, {"result", code == exit_ok ? "met" : why}};
            if (c) out["condition"] = c->text, out["value"] = value_json(*c->value, m.props);
            else {
                const json fault = value_json(*find_value("fault_code"), m.props);
                out["fault_code"] = fault;
                out["fault_hex"] = fault_hex_json(fault);
                out["fault_text"] = value_json(*find_value("fault_text"), m.props);
            }
            std::cout << out.dump() << std::endl;
        } else if (c) {
            std::cout << m.name << ": " << c->text << " (" << c->value->name << "=" << value << ")" << std::endl;
        } else {
            std::fprintf(stderr, "pcsctl: %s: %s before the condition held\n", m.name.c_str(), why.c_str());
        }
    };
    auto judge = [&](ModuleFeed::Module& m) {
        if (!m.fresh) return;
        for (const auto& c : conditions)
            if (c.holds(m.props)) return report(m, &c, exit_ok, "met");
        if (trouble_expected) return;
        const double fault = number(m.props, "FaultCode");
        if (std::isfinite(fault) && fault != 0)
            return report(m, nullptr, exit_wait_fault, "fault " + fault_description(m.props));
        if (!flag(m.props, "Connected")) return report(m, nullptr, exit_wait_fault, "communication lost");
    };
    feed.on_change = [&](ModuleFeed::Module& m, const Properties&) { judge(m); };
    feed.on_snapshot = judge;
    feed.on_daemon = [&](bool up) {
        if (!g.json) std::fprintf(stderr, "pcsctl: %s\n", up ? "ystpcsd is back" : "ystpcsd is gone; waiting for it to come back");
    };
    for (auto& m : feed.modules()) judge(m);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(limit_s.value_or(0)));
    bool timed_out = false;
    if (result < 0)
        run_client_loop(&client.connection(), std::chrono::milliseconds(100), [&] {
            feed.refresh();
            if (result >= 0) return false;
            if (limit_s && std::chrono::steady_clock::now() >= deadline) {
                timed_out = true;
                return false;
            }
            return true;
        });
    if (timed_out) {
        if (g.json) std::cout << json{{"time", iso_utc_now()}, {"result", "timeout"}}.dump() << std::endl;
        std::fprintf(stderr, "pcsctl: wait: %g s passed without the condition\n", *limit_s);
        return exit_wait_timeout;
    }
    return result < 0 ? exit_failure : result;  // < 0: interrupted (Ctrl-C)
}

// phase-power active|reactive A B C: per-phase power (kW or kvar) of an off-grid/AC mode.
int run_phase_power(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.size() != 4 || (args[0] != "active" && args[0] != "reactive"))
        throw CommandFailure{exit_usage, "phase-power takes active|reactive and three values (e.g. active 10kW 10kW 10kW)"};
    const std::string unit = args[0] == "active" ? "kW" : "kvar";
    double phase[3];
    for (int i = 0; i < 3; ++i) {
        const std::string name = std::string("phase ") + static_cast<char>('A' + i) + " " + args[0] + " power";
        const std::string& t = args[1 + static_cast<std::size_t>(i)];
        if (!t.empty() && std::isdigit(static_cast<unsigned char>(t.back())))
            throw CommandFailure{exit_usage, name + ": '" + t + "' needs a unit (" + t + unit + ", or in W/var: " + t + "000" +
                                                 (unit == "kW" ? "W" : "var") + ")"};
        auto in_base = parse_quantity(t, unit == "kW" ? "W" : "var", name);
        if (!in_base) throw CommandFailure{exit_usage, in_base.error().message};
        phase[i] = in_base.value() / 1000.0;
    }
    Client client(g);
    auto m = client.module();
    call("set per-phase " + args[0] + " power of " + m->name(), [&] { m->SetPhasePower(args[0], phase[0], phase[1], phase[2]); });
    const std::string summary = args[0] + " power per phase " + fixed(phase[0], 1) + " / " + fixed(phase[1], 1) + " / " +
                                fixed(phase[2], 1) + " " + unit;
    if (g.json) std::cout << json{{"module", m->name()}, {"ok", true}, {"action", summary}}.dump() << '\n';
    else std::printf("%s: %s\n", m->name().c_str(), summary.c_str());
    return exit_ok;
}

// forget MODULE: stop serving a module found by discovery.
int run_forget(const GlobalOptions& global, std::span<const std::string> args) {
    GlobalOptions g = global;
    if (args.size() == 1) g.modules = {args[0]};
    else if (!args.empty() || g.modules.empty()) throw CommandFailure{exit_usage, "forget takes one MODULE (e.g. can0/17)"};
    Client client(g);
    auto m = client.module();
    call("forget " + m->name(), [&] { client.manager().ForgetModule(sdbus::ObjectPath(m->path())); });
    if (g.json) std::cout << json{{"module", m->name()}, {"ok", true}, {"action", "forgotten"}}.dump() << '\n';
    else std::printf("%s: forgotten (no more heartbeats to it)\n", m->name().c_str());
    return exit_ok;
}

// broadcast-stop IFACE: 0x0F stop to every PCS on the interface, whether ystpcsd serves it or not.
int run_broadcast_stop(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.size() != 1) throw CommandFailure{exit_usage, "broadcast-stop takes one INTERFACE (e.g. can0)"};
    Client client(g);
    call("broadcast stop on " + args[0], [&] { client.manager().BroadcastStop(args[0]); });
    if (g.json) std::cout << json{{"interface", args[0]}, {"ok", true}, {"action", "broadcast stop sent"}}.dump() << '\n';
    else std::printf("%s: broadcast stop sent (every PCS on the interface)\n", args[0].c_str());
    return exit_ok;
}

}  // namespace ystpcs::ctl
