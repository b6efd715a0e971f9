// The runner in fake time against simulated modules (tests/unit/engine/bench.h): a full
// CC-CV → rest → discharge × 3 with every step's end reason, Ah against the simulator's
// battery, pause/resume, a daemon restart mid-run, abort, an envelope breach, a foreign stop.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench.h"
#include "profile/runs.h"
#include "protocol/running_states.h"

using namespace ystpcs;
using namespace ystpcs::engine::testing;
using ystpcs::profile::ProfileRun;
using ystpcs::profile::ProfileRuns;
using ystpcs::profile::RunState;

namespace {

// A small battery (1 Ah at 750 V nominal): cycles of a minute in fake time.
void small_battery(sim::PcsConfig& c) {
    c.plant.battery.capacity_ah = 1.0;
    c.plant.battery.nominal_voltage_v = 750;
    c.plant.battery.initial_soc = 0.5;
    c.plant.battery.internal_resistance_ohm = 0.05;
}

const char* kSafety = R"("safety": {"max_voltage_v": 800, "min_voltage_v": 690, "max_charge_current_a": 50,
    "max_discharge_current_a": 50, "max_charge_power_kw": 40, "max_discharge_power_kw": 40, "debounce_samples": 2})";

std::string cycles_profile(int cycles) {
    return std::string(R"({"format": "ystpcs-profile", "version": 1, "name": "cycles", )") + kSafety + R"(,
      "logging": {"period_s": 1},
      "steps": [{"repeat": )" + std::to_string(cycles) + R"(, "label": "cycle", "steps": [
        {"label": "charge", "type": "cccv", "direction": "charge", "current_a": 40, "voltage_v": 780,
         "max_time_s": 600, "until": [{"current_below_a": 4}]},
        {"label": "rest1", "type": "rest", "max_time_s": 5, "until": [{"time_s": 5}]},
        {"label": "discharge", "type": "cc", "direction": "discharge", "current_a": 40, "max_time_s": 600,
         "until": [{"voltage_below_v": 740}]},
        {"label": "rest2", "type": "rest", "max_time_s": 5, "until": [{"time_s": 5}]}
      ]}]})";
}

std::string temp_dir() {
    char tmpl[] = "/tmp/ystpcs-profile-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return tmpl;
}

struct ProfileBench {
    Bench b{{1}, true, small_battery};
    std::string dir = temp_dir();
    std::unique_ptr<ProfileRuns> runs;
    ProfileBench() {
        boot_runs();
        b.run(3s);  // discovery reads done
    }
    ~ProfileBench() {
        runs.reset();
        std::filesystem::remove_all(dir);
    }
    void boot_runs() {
        runs = std::make_unique<ProfileRuns>(*b.rack, *b.ops, dir);
        for (const auto& p : runs->restore()) FAIL(p);
    }
    // The daemon dies and comes back with the same state directory.
    void restart(std::chrono::milliseconds down) {
        runs.reset();
        b.controller_down();
        b.run(down);
        b.boot();
        boot_runs();
    }
    Result<std::string> start(const std::string& text) {
        return b.wait<std::string>([&](auto done) { runs->start("sim/1", text, done); }, 60s);
    }
    ProfileRun& run(const std::string& id) {
        ProfileRun* r = runs->find(id);
        REQUIRE(r != nullptr);
        return *r;
    }
    bool wait_state(const std::string& id, RunState s, runtime::Duration limit) {
        return b.loop.run_until([&] { return run(id).state() == s; }, limit, 10ms);
    }
    Result<void> act(const std::string& id, void (ProfileRun::*fn)(engine::Done)) {
        return b.wait_void([&](engine::Done d) { (run(id).*fn)(d); });
    }
};

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
        rows.push_back(cells);
    }
    return rows;
}

}  // namespace

TEST_CASE("three CC-CV / rest / CC-discharge cycles run to completion, each step ending as it should") {
    ProfileBench p;
    const double soc0 = p.b.pcs(1).plant().soc();
    const auto id = p.start(cycles_profile(3));
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    CHECK(p.run(*id).state() == RunState::running);
    // The envelope is the module's protection limits now.
    REQUIRE(p.b.module(1).limits().set1);
    CHECK(p.b.module(1).limits().set1->max_output_voltage_v == doctest::Approx(800));
    CHECK(p.b.module(1).limits().set1->max_charge_current_a == doctest::Approx(50));
    REQUIRE(p.wait_state(*id, RunState::completed, 900s));
    const auto& rec = p.run(*id).records();
    REQUIRE(rec.size() == 12);
    for (int c = 0; c < 3; ++c) {
        CAPTURE(c);
        CHECK(rec[c * 4 + 0].label == "charge");
        CHECK(rec[c * 4 + 0].end_reason.rfind("current_below_a 4 A", 0) == 0);
        CHECK(rec[c * 4 + 1].end_reason == "time_s 5 s");
        CHECK(rec[c * 4 + 1].duration_s == doctest::Approx(5).epsilon(0.05));
        CHECK(rec[c * 4 + 2].end_reason == "voltage_below_v 740 V");
        CHECK(rec[c * 4 + 3].end_reason == "time_s 5 s");
        CHECK(rec[c * 4 + 0].step_count == static_cast<std::uint64_t>(c * 4 + 1));
    }
    CHECK(p.run(*id).reason() == "every step done");
    p.b.run(3s);
    CHECK_FALSE(p.b.running(1));  // left stopped
    // Ah against the simulator's battery: what went in minus what came out is the change of charge.
    const auto& t = p.run(*id).totals();
    const double net_ah = t.charge_ah - t.discharge_ah;
    const double battery_ah = (p.b.pcs(1).plant().soc() - soc0) * 1.0;
    CHECK(t.charge_ah > 0.5);
    CHECK(std::abs(net_ah - battery_ah) < 0.01 * t.charge_ah);
    // The BDF file: header, charge current positive, monotonic time and step_count.
    const auto rows = read_csv(p.run(*id).paths().csv);
    REQUIRE(rows.size() > 100);
    CHECK(rows[0][0] == "test_time_second");
    CHECK(rows[0][3] == "current_ampere");
    double last_t = -1, last_step = 0, max_i = -1e9, min_i = 1e9;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const double t_s = std::stod(rows[i][0]), step = std::stod(rows[i][6]), cur = std::stod(rows[i][3]);
        CHECK(t_s >= last_t);
        CHECK(step >= last_step);
        last_t = t_s, last_step = step;
        max_i = std::max(max_i, cur), min_i = std::min(min_i, cur);
    }
    CHECK(max_i == doctest::Approx(40).epsilon(0.02));   // charging: positive
    CHECK(min_i == doctest::Approx(-40).epsilon(0.02));  // discharging: negative
    CHECK(std::stod(rows.back()[8]) == doctest::Approx(t.charge_ah).epsilon(0.01));
}

TEST_CASE("pause stops the module and freezes step time; resume goes on with the same step") {
    ProfileBench p;
    const auto id = p.start(cycles_profile(1));
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    p.b.run(5s);
    REQUIRE(p.b.running(1));
    REQUIRE(p.act(*id, &ProfileRun::pause).ok());
    CHECK(p.run(*id).state() == RunState::paused);
    p.b.run(2s);
    CHECK_FALSE(p.b.running(1));
    const double frozen = p.run(*id).step_time_s();
    p.b.run(30s);
    CHECK(p.run(*id).step_time_s() == frozen);
    CHECK(p.run(*id).step()->label == "charge");
    // Other clients' commands are refused while the run drives the module, not while paused.
    REQUIRE(p.act(*id, &ProfileRun::resume).ok());
    CHECK(p.run(*id).state() == RunState::running);
    CHECK(p.b.running(1));
    const auto refused = p.b.wait_void([&](engine::Done d) { p.b.ops->start(p.b.module(1), d); });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::busy);
    p.b.run(3s);
    CHECK(p.run(*id).step_time_s() > frozen + 2);
    CHECK(p.run(*id).step_time_s() < frozen + 4);
    CHECK(p.run(*id).step_count() == 1);
}

TEST_CASE("a daemon restart mid-run leaves it interrupted: nothing is restarted, an energised module is stopped") {
    ProfileBench p;
    const auto id = p.start(cycles_profile(2));
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    p.b.run(5s);
    REQUIRE(p.b.running(1));
    const auto step_count = p.run(*id).step_count();
    // Down for 1 s: the PCS (5 s heartbeat timeout) still runs when the daemon is back.
    p.restart(1s);
    REQUIRE(p.runs->find(*id) != nullptr);
    CHECK(p.run(*id).state() == RunState::interrupted);
    CHECK(p.run(*id).reason().find("restarted") != std::string::npos);
    const std::size_t from = p.b.mark();
    p.b.run(10s);
    CHECK_FALSE(p.b.running(1));
    // What went to the module after the restart: reads, and a stop; never a mode, a set-point or a start.
    for (const auto& s : p.b.frames_to(1, pf::start_stop, from)) CHECK(s.frame.data[0] == 0);
    CHECK(p.b.frames_to(1, pf::set_mode, from).empty());
    CHECK(p.b.frames_to(1, pf::mode_params_12, from).empty());
    CHECK(p.run(*id).state() == RunState::interrupted);
    // The operator resumes: re-validated, the same step goes on.
    REQUIRE(p.act(*id, &ProfileRun::resume).ok());
    CHECK(p.run(*id).state() == RunState::running);
    CHECK(p.run(*id).step_count() == step_count);
    CHECK(p.b.running(1));
    REQUIRE(p.act(*id, &ProfileRun::abort).ok());
    CHECK(p.run(*id).state() == RunState::aborted);
    p.b.run(2s);
    CHECK_FALSE(p.b.running(1));
    CHECK(p.run(*id).records().back().end_reason == "aborted");
}

TEST_CASE("an envelope breach stops the module and fails the run") {
    ProfileBench p;
    // The charge set-point is inside the envelope, but its end voltage is reached only beyond it.
    const std::string text = std::string(R"({"format": "ystpcs-profile", "version": 1, "name": "breach", )") +
                             R"("safety": {"max_voltage_v": 770, "min_voltage_v": 690, "max_charge_current_a": 50,
        "max_discharge_current_a": 50, "max_charge_power_kw": 40, "max_discharge_power_kw": 40, "debounce_samples": 2},
      "steps": [{"type": "cc", "direction": "charge", "current_a": 40, "max_time_s": 600}]})";
    const auto id = p.start(text);
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    REQUIRE(p.b.loop.run_until([&] { return is_final(p.run(*id).state()); }, 300s));
    CHECK(p.run(*id).state() == RunState::failed);
    p.b.run(3s);
    CHECK_FALSE(p.b.running(1));
    // Whichever trips first, the run's envelope or the module's own limit (the envelope written
    // to it), the run fails and says why.
    const auto& why = p.run(*id).reason();
    CHECK((why.find("safety.max_voltage_v") != std::string::npos || why.find("fault") != std::string::npos));
}

TEST_CASE("a battery outside the envelope is refused before anything energises") {
    ProfileBench p;
    const std::string text = std::string(R"({"format": "ystpcs-profile", "version": 1, "name": "high", )") +
                             R"("safety": {"max_voltage_v": 900, "min_voltage_v": 760, "max_charge_current_a": 50,
        "max_discharge_current_a": 50, "max_charge_power_kw": 40, "max_discharge_power_kw": 40},
      "steps": [{"type": "cc", "direction": "charge", "current_a": 40, "voltage_v": 800, "max_time_s": 600}]})";
    // cc takes no voltage: refused statically, nothing queued.
    const auto bad = p.start(text);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("steps[0]: a cc step takes no 'voltage_v'") != std::string::npos);
    const std::string ok_text = std::string(R"({"format": "ystpcs-profile", "version": 1, "name": "high", )") +
                                R"("safety": {"max_voltage_v": 900, "min_voltage_v": 760, "max_charge_current_a": 50,
        "max_discharge_current_a": 50, "max_charge_power_kw": 40, "max_discharge_power_kw": 40},
      "steps": [{"type": "cc", "direction": "charge", "current_a": 40, "max_time_s": 600}]})";
    const std::size_t from = p.b.mark();
    const auto r = p.start(ok_text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("outside the envelope") != std::string::npos);
    CHECK(p.b.frames_to(1, pf::start_stop, from).empty());
    CHECK(p.b.frames_to(1, pf::set_mode, from).empty());
}

TEST_CASE("a Stop from another client pre-empts the run: interrupted, and restart-step begins the step again") {
    ProfileBench p;
    const auto id = p.start(cycles_profile(1));
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    p.b.run(5s);
    REQUIRE(p.b.wait_void([&](engine::Done d) { p.b.ops->stop(p.b.module(1), d); }).ok());
    CHECK(p.run(*id).state() == RunState::interrupted);
    p.b.run(5s);
    CHECK_FALSE(p.b.running(1));
    REQUIRE(p.act(*id, &ProfileRun::restart_step).ok());
    CHECK(p.run(*id).state() == RunState::running);
    CHECK(p.run(*id).step_time_s() < 0.5);
    CHECK(p.run(*id).step_count() == 1);
    REQUIRE(p.wait_state(*id, RunState::completed, 600s));
}

TEST_CASE("the shipped pulse test runs on a 100 Ah pack: pulses, rests, steps down, and its goto ends it early") {
    Bench b({1}, true, [](sim::PcsConfig& c) {
        c.plant.battery.capacity_ah = 100;
        c.plant.battery.nominal_voltage_v = 750;
        c.plant.battery.initial_soc = 0.6;
    });
    const std::string dir = temp_dir();
    ProfileRuns runs(*b.rack, *b.ops, dir);
    b.run(3s);
    std::ifstream in(std::string(std::getenv("YSTPCS_SOURCE_ROOT")) + "/examples/profiles/pulse-test.json");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto id = b.wait<std::string>([&](auto done) { runs.start("sim/1", text, done); }, 60s);
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    ProfileRun& run = *runs.find(*id);
    REQUIRE(b.loop.run_until([&] { return is_final(run.state()); }, 4h, 100ms));
    CHECK(run.state() == RunState::completed);
    const auto& rec = run.records();
    REQUIRE(rec.size() >= 4);
    CHECK(rec[0].label == "pulses");
    CHECK(rec[0].end_reason == "max_time_s 60 s");
    // Pulses between 100 A and 10 A, half each: about 55 A on average for a minute.
    CHECK(rec[0].ah == doctest::Approx(55.0 / 60).epsilon(0.05));
    CHECK(rec[2].end_reason == "capacity_ah 10 Ah");
    // The pack runs low before the fifth level: the goto skipped to the final rest.
    CHECK(rec.back().label == "final_rest");
    CHECK(rec[rec.size() - 2].end_reason == "voltage_below_v 715 V");
    CHECK(rec.size() < 16);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a communication loss during a run interrupts it; it stays so when the module is back") {
    ProfileBench p;
    const auto id = p.start(cycles_profile(1));
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    p.b.run(5s);
    p.b.pcs(1).go_silent(3s, p.b.loop.now());
    REQUIRE(p.wait_state(*id, RunState::interrupted, 3s));
    CHECK(p.run(*id).reason().find("communication with PCS sim/1 lost") != std::string::npos);
    const std::size_t from = p.b.mark();
    REQUIRE(p.b.loop.run_until([&] { return p.b.module(1).connected(); }, 10s));
    p.b.run(5s);
    CHECK_FALSE(p.b.running(1));
    CHECK(p.run(*id).state() == RunState::interrupted);
    for (const auto& s : p.b.frames_to(1, pf::start_stop, from)) CHECK(s.frame.data[0] == 0);
}

TEST_CASE("a profile refused because the module runs already leaves the operator's module running") {
    ProfileBench p;
    p.b.set_cc(1, -10, {false, true});
    REQUIRE(p.b.running(1));
    const std::size_t from = p.b.mark();
    const auto r = p.start(cycles_profile(1));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::interlock);
    CHECK(r.error().message.find("stop it first") != std::string::npos);
    p.b.run(3s);
    CHECK(p.b.running(1));
    CHECK(p.b.frames_to(1, pf::start_stop, from).empty());
    CHECK(p.b.frames_to(1, pf::write_protection_1, from).empty());
}

TEST_CASE("an emergency stop interrupts the run; resuming is refused until the faults are cleared") {
    ProfileBench p;
    const auto id = p.start(cycles_profile(1));
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    p.b.run(5s);
    REQUIRE(p.b.wait_void([&](engine::Done d) { p.b.ops->emergency_stop(p.b.module(1), d); }).ok());
    CHECK(p.run(*id).state() == RunState::interrupted);
    CHECK(p.run(*id).reason() == "emergency stop of the module");
    const auto refused = p.act(*id, &ProfileRun::resume);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("emergency stop") != std::string::npos);
    CHECK(p.run(*id).state() == RunState::interrupted);
    REQUIRE(p.b.wait_void([&](engine::Done d) { p.b.ops->clear_faults(p.b.module(1), d); }).ok());
    p.b.run(2s);
    REQUIRE(p.act(*id, &ProfileRun::resume).ok());
    CHECK(p.b.running(1));
}

TEST_CASE("a damaged journal is reported and its id never reused") {
    ProfileBench p;
    {
        std::ofstream bad(p.dir + "/run-7.journal.json");
        bad << "{\"format\": \"ystpcs-profile-journal\", \"id\": ";
    }
    p.runs.reset();  // one ProfileRuns per Operations (it installs the stop listener and the guard)
    ProfileRuns again(*p.b.rack, *p.b.ops, p.dir);
    const auto problems = again.restore();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].find("run-7.journal.json") != std::string::npos);
    const auto id = p.b.wait<std::string>([&](auto done) { again.start("sim/1", cycles_profile(1), done); }, 60s);
    REQUIRE_MESSAGE(id.ok(), id.error().message);
    CHECK(*id == "8");
}
