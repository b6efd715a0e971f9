// pcsctl profile: compile and validate profiles (offline), start and control runs in ystpcsd
// (D-Bus: Manager.StartProfile, org.ystpcs.pcs1.Profile), fetch their results, and dry-run a
// profile against a simulated module on a fake clock (the daemon's own runner, in-process).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "dbus/names.h"
#include "engine/operations.h"
#include "pcsctl/client.h"
#include "pcsctl/exit_codes.h"
#include "pcsctl/output.h"
#include "profile/compile.h"
#include "profile/runs.h"
#include "runtime/manual_event_loop.h"
#include "sim/simulated_rack.h"
#include "transport/virtual_bus.h"

namespace ystpcs::ctl {

namespace {

[[noreturn]] void usage(const std::string& what) { throw CommandFailure{exit_usage, "profile: " + what + " (see pcsctl profile --help)"}; }

std::string read_input(const std::string& path) {
    if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::ifstream in(path);
    if (!in) throw CommandFailure{exit_failure, "cannot read " + path};
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A profile file: JSON as it is, anything else through the text form.
std::string profile_json(const std::string& path) {
    const std::string text = read_input(path);
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') return text;
    auto compiled = profile::compile_text(text);
    if (!compiled) throw CommandFailure{exit_usage, path + ": " + compiled.error().message};
    return compiled.value();
}

profile::Profile parsed(const std::string& path) {
    auto p = profile::parse_profile(profile_json(path));
    if (!p) throw CommandFailure{exit_usage, path + ": " + p.error().message};
    return std::move(p).value();
}

std::string run_path(const std::string& id) {
    if (dbus::parse_profile_run_path(id)) return id;
    for (char c : id)
        if (c < '0' || c > '9') usage("'" + id + "' is not a run id (a number, as pcsctl profile list shows)");
    return dbus::profile_run_path(id);
}

std::string hms(double s) {
    char out[32];
    const long t = std::lround(s);
    std::snprintf(out, sizeof out, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    return out;
}

// "sim/1" for the module's object path.
std::string module_name(const Properties& p) {
    const std::string path = text(p, "Module");
    const auto ref = dbus::parse_module_path(path);
    return ref ? ref->interface + "/" + std::to_string(ref->address) : path;
}

void print_status(const GlobalOptions& g, const Properties& p) {
    if (g.json) {
        std::cout << to_json(p).dump() << '\n';
        return;
    }
    std::printf("run %s  %s  on %s  profile \"%s\"\n", text(p, "Id").c_str(), text(p, "State").c_str(),
                module_name(p).c_str(), text(p, "Name").c_str());
    if (!text(p, "Reason").empty()) std::printf("  reason: %s\n", text(p, "Reason").c_str());
    if (!text(p, "StepWhere").empty())
        std::printf("  step %s: %s %s%s  step time %s\n", fixed(number(p, "StepCount"), 0).c_str(),
                    text(p, "StepWhere").c_str(), text(p, "StepType").c_str(),
                    text(p, "StepLabel").empty() ? "" : (" (" + text(p, "StepLabel") + ")").c_str(),
                    hms(number(p, "StepTime")).c_str());
    const auto loops = p.find("Loops");
    if (loops != p.end())
        for (const auto& l : loops->second.get<std::vector<sdbus::Struct<std::string, int64_t, int64_t>>>())
            std::printf("  repeat %s: %lld of %lld\n", std::get<0>(l).c_str(), static_cast<long long>(std::get<1>(l)),
                        static_cast<long long>(std::get<2>(l)));
    std::printf("  test time %s  cycle %s  step %.4f Ah %.3f Wh\n", hms(number(p, "TestTime")).c_str(),
                fixed(number(p, "Cycle"), 0).c_str(), number(p, "StepCapacity"), number(p, "StepEnergy"));
    std::printf("  charged %.4f Ah %.3f Wh  discharged %.4f Ah %.3f Wh\n", number(p, "ChargeCapacity"),
                number(p, "ChargeEnergy"), number(p, "DischargeCapacity"), number(p, "DischargeEnergy"));
    const auto steps = p.find("FinishedSteps");
    if (steps != p.end())
        for (const auto& s : steps->second.get<std::vector<sdbus::Struct<uint64_t, std::string, std::string, std::string,
                                                                         double, double, double>>>())
            std::printf("  %4llu %-26s %8s  %.4f Ah  %s\n", static_cast<unsigned long long>(std::get<0>(s)),
                        (std::get<1>(s) + (std::get<2>(s).empty() ? "" : " (" + std::get<2>(s) + ")")).c_str(),
                        hms(std::get<4>(s)).c_str(), std::get<5>(s), std::get<3>(s).c_str());
}

// The call as a lambda, not a pointer to a member the generated proxy inherits through virtual
// bases: gcc's UBSan reports a call through such a pointer as a call on the wrong type.
int control(const GlobalOptions& g, std::span<const std::string> args, const char* verb,
            const std::function<void(ProfileProxy&)>& method, const char* result) {
    if (args.size() != 2) usage(std::string(verb) + " takes a run id");
    Client client(g);
    ProfileProxy run(client.connection(), run_path(args[1]));
    call(std::string(verb) + " profile run " + args[1], [&] { method(run); });
    if (g.json) std::cout << json{{"run", args[1]}, {"ok", true}, {"action", result}}.dump() << '\n';
    else std::printf("profile run %s: %s\n", args[1].c_str(), result);
    return exit_ok;
}

void copy_fd(int fd, const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw CommandFailure{exit_failure, "cannot write " + path};
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.write(buf, n);
}

// ---- simulate ------------------------------------------------------------------------------

struct SimOptions {
    double capacity_ah = 280, voltage_v = 650, resistance_ohm = 0.05, soc = 0.5;
    std::string model = "PMA120";
    std::string output;  // a directory for the BDF results; empty: none
};

int simulate(const GlobalOptions& g, const std::string& file, const SimOptions& o) {
    using namespace std::chrono_literals;
    const std::string text = profile_json(file);
    const auto p = profile::parse_profile(text);
    if (!p) throw CommandFailure{exit_usage, file + ": " + p.error().message};
    const auto* rating = protocol::find_module_rating(o.model);
    if (rating == nullptr) usage("unknown --model '" + o.model + "'");
    runtime::ManualEventLoop loop;
    transport::VirtualBus bus(loop, "sim");
    auto engine_node = bus.connect();
    auto sim_node = bus.connect();
    sim::SimulatedRack sims(loop, *sim_node);
    sim::PcsConfig c;
    c.address = 1;
    c.plant.rating = *rating;
    c.plant.noise_scale = 0;
    c.plant.battery = {o.voltage_v, o.capacity_ah, o.resistance_ohm, o.soc};
    sims.add(c);
    engine::CommandedStateStore store("");
    (void)store.load();
    engine::Rack rack(loop, {}, store);
    rack.attach(*engine_node);
    engine::Operations ops(rack);
    engine::DiscoveryReads discovery(rack, ops);
    profile::ProfileRuns runs(rack, ops, o.output);
    rack.start_heartbeat();
    loop.advance(3s);
    std::optional<Result<std::string>> started;
    runs.start("sim/1", text, [&](Result<std::string> r) { started.emplace(std::move(r)); });
    loop.run_until([&] { return started.has_value(); }, 120s, 10ms);
    if (!started || !*started)
        throw CommandFailure{exit_interlock, "the simulated run was refused: " +
                                                 (started ? started->error().message : std::string("no answer"))};
    profile::ProfileRun& run = *runs.find(started->value());
    double limit_s = 60;
    std::function<void(const std::vector<profile::Node>&, double)> sum = [&](const std::vector<profile::Node>& nodes, double times) {
        for (const auto& n : nodes) {
            if (n.repeat) sum(n.children, times * static_cast<double>(n.count));
            else limit_s += times * (n.step.max_time_s + 30);
        }
    };
    sum(p->steps, 1);
    loop.run_until([&] { return profile::is_final(run.state()); }, std::chrono::seconds(static_cast<long>(limit_s)), 200ms);
    if (g.json) {
        json steps = json::array();
        for (const auto& r : run.records())
            steps.push_back({{"step_count", r.step_count}, {"where", r.where}, {"label", r.label}, {"end_reason", r.end_reason},
                             {"duration_s", r.duration_s}, {"ah", r.ah}, {"wh", r.wh}});
        std::cout << json{{"state", profile::name_of(run.state())}, {"reason", run.reason()},
                          {"duration_s", run.test_time_s()}, {"charge_ah", run.totals().charge_ah},
                          {"discharge_ah", run.totals().discharge_ah}, {"charge_wh", run.totals().charge_wh},
                          {"discharge_wh", run.totals().discharge_wh}, {"steps", steps}}
                         .dump()
                  << '\n';
    } else {
        std::printf("simulated %s, battery: %.1f Ah, %.1f V nominal, %.3f Ω, state of charge %.0f %%\n",
                    std::string(rating->model).c_str(), o.capacity_ah, o.voltage_v, o.resistance_ohm, o.soc * 100);
        for (const auto& r : run.records())
            std::printf("  %4llu %-30s %9s  %10.4f Ah %11.3f Wh  %s\n", static_cast<unsigned long long>(r.step_count),
                        (r.where + (r.label.empty() ? "" : " (" + r.label + ")")).c_str(), hms(r.duration_s).c_str(),
                        r.ah, r.wh, r.end_reason.c_str());
        std::printf("%s after %s: %s\n", std::string(profile::name_of(run.state())).c_str(), hms(run.test_time_s()).c_str(),
                    run.reason().c_str());
        std::printf("charged %.4f Ah %.3f Wh, discharged %.4f Ah %.3f Wh\n", run.totals().charge_ah,
                    run.totals().charge_wh, run.totals().discharge_ah, run.totals().discharge_wh);
        if (!o.output.empty()) std::printf("results: %s\n", run.paths().csv.c_str());
    }
    return run.state() == profile::RunState::completed ? exit_ok : exit_failure;
}

double number_arg(std::span<const std::string> args, std::size_t& i) {
    if (i + 1 >= args.size()) usage(args[i] + " needs a value");
    try {
        return std::stod(args[++i]);
    } catch (const std::exception&) {
        usage(args[i - 1] + " takes a number");
    }
}

}  // namespace

int run_profile(const GlobalOptions& g, std::span<const std::string> args) {
    if (args.empty()) usage("a sub-command is missing");
    const std::string& sub = args[0];
    if (sub == "compile") {
        if (args.size() != 2) usage("compile takes one file (or -)");
        auto out = profile::compile_text(read_input(args[1]));
        if (!out) throw CommandFailure{exit_usage, args[1] + ": " + out.error().message};
        std::cout << out.value();
        return exit_ok;
    }
    if (sub == "validate") {
        if (args.size() != 2) usage("validate takes one file (or -)");
        const auto p = parsed(args[1]);
        if (g.json) std::cout << json{{"name", p.name}, {"sha256", p.hash}, {"steps", profile::step_count(p.steps)}}.dump() << '\n';
        else std::printf("%s: valid; profile \"%s\", %llu steps without gotos, sha256 %s\n", args[1].c_str(),
                         p.name.c_str(), static_cast<unsigned long long>(profile::step_count(p.steps)), p.hash.c_str());
        return exit_ok;
    }
    if (sub == "simulate") {
        if (args.size() < 2) usage("simulate takes a file");
        SimOptions o;
        for (std::size_t i = 2; i < args.size(); ++i) {
            if (args[i] == "--capacity-ah") o.capacity_ah = number_arg(args, i);
            else if (args[i] == "--voltage-v") o.voltage_v = number_arg(args, i);
            else if (args[i] == "--resistance-ohm") o.resistance_ohm = number_arg(args, i);
            else if (args[i] == "--soc") o.soc = number_arg(args, i);
            else if (args[i] == "--model" && i + 1 < args.size()) o.model = args[++i];
            else if (args[i] == "--output" && i + 1 < args.size()) o.output = args[++i];
            else usage("unknown simulate option '" + args[i] + "'");
        }
        return simulate(g, args[1], o);
    }
    if (sub == "start") {
        if (args.size() != 2) usage("start takes a file (or -)");
        const std::string text = profile_json(args[1]);
        Client client(g);
        auto m = client.module();
        const auto path = call("start profile on " + m->name(),
                               [&] { return client.manager().StartProfile(sdbus::ObjectPath(m->path()), text); });
        const auto id = dbus::parse_profile_run_path(path).value_or(std::string(path));
        if (g.json) std::cout << json{{"module", m->name()}, {"run", id}, {"path", std::string(path)}}.dump() << '\n';
        else std::printf("%s: profile run %s started (pcsctl profile status %s)\n", m->name().c_str(), id.c_str(), id.c_str());
        return exit_ok;
    }
    if (sub == "pause") return control(g, args, "pause", [](ProfileProxy& r) { r.Pause(); }, "paused");
    if (sub == "resume") return control(g, args, "resume", [](ProfileProxy& r) { r.Resume(); }, "running");
    if (sub == "restart-step") return control(g, args, "restart the step of", [](ProfileProxy& r) { r.RestartStep(); }, "running, step restarted");
    if (sub == "abort") return control(g, args, "abort", [](ProfileProxy& r) { r.Abort(); }, "aborted");
    if (sub == "status" || sub == "list") {
        Client client(g);
        std::vector<std::string> paths;
        if (args.size() == 2) paths.push_back(run_path(args[1]));
        else if (args.size() == 1)
            for (const auto& p : call("list profile runs", [&] { return client.manager().Profiles(); })) paths.push_back(p);
        else usage(sub + " takes at most a run id");
        for (const auto& path : paths) {
            ProfileProxy run(client.connection(), path);
            const auto props = call("read profile run " + path, [&] { return run.properties(); });
            if (sub == "status" && (args.size() == 2 || (text(props, "State") != "completed" &&
                                                         text(props, "State") != "failed" && text(props, "State") != "aborted")))
                print_status(g, props);
            else if (sub == "list" && g.json) std::cout << to_json(props).dump() << '\n';
            else if (sub == "list")
                std::printf("%-4s %-12s %-14s %-20s step %s %s\n", text(props, "Id").c_str(), text(props, "State").c_str(),
                            module_name(props).c_str(), text(props, "Name").c_str(),
                            fixed(number(props, "StepCount"), 0).c_str(), text(props, "Reason").c_str());
        }
        return exit_ok;
    }
    if (sub == "results") {
        if (args.size() != 2 && args.size() != 3) usage("results takes a run id and, optionally, a directory");
        const std::string dir = args.size() == 3 ? args[2] : ".";
        Client client(g);
        ProfileProxy run(client.connection(), run_path(args[1]));
        auto [csv, meta] = call("open the results of profile run " + args[1], [&] { return run.OpenResults(); });
        const std::string id = dbus::parse_profile_run_path(run_path(args[1])).value_or(args[1]);
        const std::string csv_path = dir + "/run-" + id + ".bdf.csv", meta_path = dir + "/run-" + id + ".metadata.json";
        copy_fd(csv.get(), csv_path);
        copy_fd(meta.get(), meta_path);
        if (g.json) std::cout << json{{"run", id}, {"csv", csv_path}, {"metadata", meta_path}}.dump() << '\n';
        else std::printf("%s\n%s\n", csv_path.c_str(), meta_path.c_str());
        return exit_ok;
    }
    usage("unknown sub-command '" + sub + "'");
}

}  // namespace ystpcs::ctl
