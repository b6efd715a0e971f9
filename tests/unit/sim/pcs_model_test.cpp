// The simulated PCS's protocol behaviour, in fake time: replies, periodic frames, interlocks,
// heartbeat timeout, self-start, fault injection.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "protocol/replies.h"
#include "sim/pcs_model.h"

using namespace ystpcs;
using namespace ystpcs::protocol;
using namespace std::chrono_literals;
using runtime::Instant;

namespace {

constexpr std::uint8_t kPcs = 250;

struct Bench {
    std::vector<CanFrame> sent;
    sim::PcsModel pcs;
    Instant now{std::chrono::seconds(1000)};

    static sim::PcsConfig config() {
        sim::PcsConfig c;
        c.address = kPcs;
        c.plant.noise_scale = 0;
        c.plant.battery.initial_soc = 0.6;
        return c;
    }
    explicit Bench(sim::PcsConfig c = config()) : pcs(c, [this](const CanFrame& f) { sent.push_back(f); }) {
        pcs.power_on(now);
    }
    void run(runtime::Duration d) {
        now += d;
        pcs.advance(now);
    }
    // Runs `d` with a heartbeat every 200 ms, as a controller would.
    void run_with_heartbeat(runtime::Duration d) {
        const Instant end = now + d;
        while (now < end) {
            heartbeat(2);
            run(std::min<runtime::Duration>(200ms, end - now));
        }
    }
    void command(std::uint8_t pf_code, std::initializer_list<double> values, std::uint8_t to = kPcs) {
        const std::vector<double> v(values);
        auto f = encode(pf_code, to, v);
        REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message));
        pcs.on_frame(f.value(), now);
    }
    void heartbeat(double state) { command(pf::heartbeat, {0, 0, state}); }
    // The frames with `pf_code` the PCS sent since `from`.
    std::vector<DecodedFrame> frames(std::uint8_t pf_code, std::size_t from = 0) const {
        std::vector<DecodedFrame> out;
        for (std::size_t i = from; i < sent.size(); ++i) {
            const auto d = decode(sent[i]);
            if (d.ok() && d.frame().def->pf == pf_code) out.push_back(d.frame());
        }
        return out;
    }
    // The single reply `pf_code` to the last command; its "result" field.
    bool result_of(std::uint8_t pf_code, std::size_t from) const {
        const auto r = frames(pf_code, from);
        REQUIRE_MESSAGE(r.size() == 1, "expected one reply 0x" << std::hex << int(pf_code) << ", got " << r.size());
        return is_success(r.front());
    }
    void set_mode(const char* name, std::initializer_list<double> params) {
        const ModeDef* m = find_mode(std::string_view(name));
        REQUIRE(m != nullptr);
        std::size_t from = sent.size();
        command(pf::set_mode, {double(m->code)});
        REQUIRE(result_of(pf::mode_result, from));
        std::array<double, 4> raw{};
        std::size_t i = 0;
        for (double p : params) {
            raw[i] = mode_param_to_raw(*m, i, p).value();
            ++i;
        }
        from = sent.size();
        command(pf::mode_params_12, {raw[0], raw[1]});
        REQUIRE(result_of(pf::mode_result, from));
        if (m->params.size() > 2) {
            from = sent.size();
            command(pf::mode_params_34, {raw[2], raw[3]});
            REQUIRE(result_of(pf::mode_result, from));
        }
    }
    bool start_stop(double start, double clear, double self_start) {
        const std::size_t from = sent.size();
        command(pf::start_stop, {start, clear, self_start});
        return result_of(pf::start_stop_result, from);
    }
};

}  // namespace

TEST_CASE("power-on: self-check, then standby; 13 periodic frames every 200 ms on absolute deadlines") {
    Bench b;
    CHECK(b.pcs.running_state() == running_state::self_check);
    b.run(1s);
    CHECK(b.pcs.running_state() == running_state::standby);
    const std::size_t before = b.sent.size();
    const Instant start = b.now;
    b.run(2s);
    // 10 ticks in 2 s: every periodic PF of the reference exactly 10 times.
    for (std::uint8_t p : {pf::dc_output, pf::capacity_energy, pf::state_fault, pf::grid_voltage, pf::grid_current,
                           pf::system_power, pf::load_voltage, pf::load_current, pf::load_power, pf::phase_a_power,
                           pf::phase_b_power, pf::phase_c_power, pf::precise_dc_output})
        CHECK_MESSAGE(b.frames(p, before).size() == 10, "PF 0x" << std::hex << int(p));
    CHECK(b.sent.size() - before == 130);
    CHECK(b.pcs.next_deadline() > start + 2s);
    CHECK(b.pcs.next_deadline() <= start + 2s + 200ms);
}

TEST_CASE("every command of the reference gets its reply frame(s)") {
    Bench b;
    b.run(1s);
    const auto& l = b.pcs.limits();
    struct Cmd {
        std::uint8_t pf;
        std::vector<double> values;
    };
    std::vector<Cmd> cmds{
        {pf::write_protection_1, {l.set1->max_output_voltage_v, l.set1->min_output_voltage_v, 150, 150}},
        {pf::write_protection_2, {100, 100, 260, 180}},
        {pf::write_protection_3, {55, 45, 55, 45}},
        {pf::set_clock, {2026, 11, 25, 12, 30, 0}},
        {pf::set_mode, {0x21}},
        {pf::mode_params_12, {-50000, 0}},
        {pf::mode_params_34, {0, 0}},
        {pf::phase_active_power, {10, 10, 10}},
        {pf::phase_reactive_power, {-1, 0, 1}},
        {pf::start_stop, {0, 0, 0}},
        {pf::set_bus_voltage, {750, -10}},
        {pf::set_io_outputs, {1, 0, 1, 0}},
        {pf::set_split_phase, {1}},
        {pf::set_inverter_phase, {9}},
        {pf::set_reactive_control, {1, -0.95}},
        {pf::set_grid_switching, {1}},
        {pf::set_module_parallel, {1, 3, 2000}},
        {pf::set_channel_parallel, {1, 1, 2}},
        {pf::set_bus_parallel, {1}},
    };
    for (double t : {1, 2, 3}) cmds.push_back({pf::read_protection, {t}});
    for (const auto& s : kSettings) cmds.push_back({pf::read_setting, {double(s.type)}});
    std::size_t covered = 0;
    for (const auto& c : cmds) {
        CAPTURE(int(c.pf));
        const std::size_t from = b.sent.size();
        auto f = encode(c.pf, kPcs, c.values);
        REQUIRE(f.ok());
        b.pcs.on_frame(f.value(), b.now);
        const auto expected = expected_reply(f.value());
        REQUIRE(expected.has_value());
        for (std::size_t i = 0; i < expected->count; ++i) {
            const auto replies = b.frames(expected->frames[i].pf, from);
            REQUIRE_MESSAGE(replies.size() == 1, "reply 0x" << std::hex << int(expected->frames[i].pf));
            CHECK(matches(expected->frames[i], replies.front()));
            CHECK(replies.front().owner.pcs == kPcs);
            if (replies.front().def->role == FrameRole::result) CHECK(is_success(replies.front()));
        }
        ++covered;
    }
    // Every controller→PCS frame of the table except the heartbeat was exercised.
    std::size_t commands = 0;
    for (const auto& f : kFrames) commands += f.direction == Direction::to_pcs && f.role == FrameRole::command;
    std::set<std::uint8_t> seen;
    for (const auto& c : cmds) seen.insert(c.pf);
    CHECK(seen.size() == commands);
    CHECK(covered == cmds.size());
    // Written settings are read back.
    const std::size_t from = b.sent.size();
    b.command(pf::read_setting, {0x01});
    const auto bus = b.frames(pf::bus_voltage_reading, from);
    REQUIRE(bus.size() == 1);
    CHECK(bus[0].get(signal_ref(pf::bus_voltage_reading, "bus_voltage_v")) == doctest::Approx(750));
    CHECK(bus[0].get(signal_ref(pf::bus_voltage_reading, "reactive_power_kvar")) == doctest::Approx(-10));
    CHECK(b.pcs.limits().set1->max_charge_current_a == doctest::Approx(150));
}

TEST_CASE("heartbeat timeout: no fault at 4.8 s, fault 0x800D at 5 s") {
    Bench b;
    b.run(1s);
    b.set_mode("cc", {-20});
    REQUIRE(b.start_stop(1, 0, 0));
    b.run_with_heartbeat(2s);
    REQUIRE(b.pcs.running_state() == running_state::constant_current);
    b.heartbeat(2);  // the last one
    b.run(4800ms);
    CHECK(b.pcs.running_state() == running_state::constant_current);
    CHECK(b.pcs.fault_code() == 0);
    const std::size_t from = b.sent.size();
    b.run(200ms);
    CHECK(b.pcs.running_state() == running_state::fault);
    CHECK(b.pcs.fault_code() == fault_code::can1_communication);
    CHECK_FALSE(b.pcs.plant().running());
    // 0x13 went out at once with the fault, before the next periodic tick's copy.
    const auto sf = b.frames(pf::state_fault, from);
    REQUIRE_FALSE(sf.empty());
    CHECK(sf.front().raw[0] == running_state::fault);
    CHECK(sf.front().raw[1] == 0x800D);
    // Clear faults returns it to standby.
    REQUIRE(b.start_stop(0, 1, 0));
    CHECK(b.pcs.running_state() == running_state::standby);
    CHECK(b.pcs.fault_code() == 0);
}

namespace {
sim::PcsConfig with_arm_software(const char* version) {
    sim::PcsConfig c = Bench::config();
    REQUIRE(sim::parse_software_version(version, c.firmware.arm));
    return c;
}
}  // namespace

TEST_CASE("ARM firmware 2.1.38 refuses zero heartbeats: they count as missing, 0x800D at 5 s") {
    Bench b(with_arm_software("2.1.38"));
    b.run(1s);
    // The version it reports is the one it plays.
    std::size_t from = b.sent.size();
    b.command(pf::read_setting, {0x0A});
    const auto arm = b.frames(pf::arm_version, from);
    REQUIRE(arm.size() == 1);
    CHECK(arm[0].raw[3] == 2);
    CHECK(arm[0].raw[4] == 1);
    CHECK(arm[0].raw[5] == 38);
    // From the read on (the last frame it accepted), only zero heartbeats, every 200 ms,
    // state 3 among them: ignored with the rest of the frame.
    const Instant heard = b.now;
    from = b.sent.size();
    while (b.now < heard + 4800ms) {
        b.heartbeat(b.now == heard + 1s ? 3 : 2);
        b.run(200ms);
    }
    CHECK(b.pcs.fault_code() == 0);
    CHECK(b.pcs.running_state() == running_state::standby);
    CHECK(b.pcs.heartbeats_refused() == 24);
    b.heartbeat(2);
    b.run(200ms);
    CHECK(b.pcs.fault_code() == fault_code::can1_communication);
    CHECK(b.frames(pf::state_fault, from).back().raw[1] == 0x800D);
    REQUIRE(b.pcs.last_heartbeat_data().has_value());
    CHECK(b.pcs.last_heartbeat_data()->dc_voltage_v == 0.0);
}

TEST_CASE("ARM firmware 2.1.38: zero heartbeats alone start the 5 s clock; real values keep it alive") {
    Bench b(with_arm_software("2.1.38"));
    b.run(1s);
    for (int i = 0; i < 26; ++i) {  // 5.2 s of zero heartbeats, nothing else
        b.heartbeat(2);
        b.run(200ms);
    }
    CHECK(b.pcs.fault_code() == fault_code::can1_communication);
    REQUIRE(b.start_stop(0, 1, 0));  // clear faults: a frame it accepts
    CHECK(b.pcs.fault_code() == 0);
    const std::uint64_t refused = b.pcs.heartbeats_refused();
    for (int i = 0; i < 150; ++i) {  // 30 s of heartbeats with measured values
        b.command(pf::heartbeat, {652.3, -20.5, 2});
        b.run(200ms);
    }
    CHECK(b.pcs.fault_code() == 0);
    CHECK(b.pcs.heartbeats_refused() == refused);
    CHECK(b.pcs.last_heartbeat_data()->dc_voltage_v == doctest::Approx(652.3));
    CHECK(b.pcs.last_heartbeat_data()->dc_current_a == doctest::Approx(-20.5));
    // 0.1 V is not zero: accepted.
    for (int i = 0; i < 30; ++i) {
        b.command(pf::heartbeat, {0.1, 0, 2});
        b.run(200ms);
    }
    CHECK(b.pcs.fault_code() == 0);
    const auto state = b.pcs.state_json(b.now);
    CHECK(state["arm_software"] == "2.1.38");
    CHECK(state["accepts_zero_heartbeat"] == false);
    CHECK(state["heartbeats_refused"] == refused);
}

TEST_CASE("the default firmware (ARM software 2.1.39) accepts zero heartbeats") {
    Bench b;
    CHECK(software_text(b.pcs.firmware().arm) == "2.1.39");
    b.run(1s);
    b.run_with_heartbeat(30s);
    CHECK(b.pcs.fault_code() == 0);
    CHECK(b.pcs.heartbeats_refused() == 0);
    CHECK(b.pcs.state_json(b.now)["accepts_zero_heartbeat"] == true);
}

TEST_CASE("software versions V.B.D parse strictly") {
    protocol::FirmwareVersion v{1, 2, 3, 0, 0, 0};
    CHECK(sim::parse_software_version("2.1.38", v));
    CHECK(v == protocol::FirmwareVersion{1, 2, 3, 2, 1, 38});
    CHECK(sim::parse_software_version("0.0.255", v));
    for (const char* bad : {"", "2.1", "2.1.38.1", "2..38", "2.1.256", "v2.1.38", "2.1.38 ", "-1.0.0", ".1.2"})
        CHECK_MESSAGE(!sim::parse_software_version(bad, v), bad);
}

TEST_CASE("no heartbeat timeout before a controller was ever heard") {
    Bench b;
    b.run(30s);
    CHECK(b.pcs.fault_code() == 0);
    CHECK(b.pcs.running_state() == running_state::standby);
}

TEST_CASE("mode change is refused while the power stage is active") {
    Bench b;
    b.run(1s);
    b.set_mode("cc", {-20});
    REQUIRE(b.start_stop(1, 0, 0));
    b.run_with_heartbeat(1s);
    REQUIRE(power_stage_active(b.pcs.running_state()));
    std::size_t from = b.sent.size();
    b.command(pf::set_mode, {0x02});
    CHECK_FALSE(b.result_of(pf::mode_result, from));
    CHECK(b.pcs.mode() == mode_code::cc);
    // Parameters of the running mode may change while it runs.
    from = b.sent.size();
    b.command(pf::mode_params_12, {-30000, 0});
    CHECK(b.result_of(pf::mode_result, from));
    REQUIRE(b.start_stop(0, 0, 0));
    CHECK(b.pcs.running_state() == running_state::stop);
    from = b.sent.size();
    b.command(pf::set_mode, {0x02});
    CHECK(b.result_of(pf::mode_result, from));
    CHECK(b.pcs.mode() == mode_code::cv);
}

TEST_CASE("set-points outside the protection limits are refused") {
    Bench b;
    b.run(1s);
    std::size_t from = b.sent.size();
    b.command(pf::set_mode, {0x21});
    REQUIRE(b.result_of(pf::mode_result, from));
    from = b.sent.size();
    b.command(pf::mode_params_12, {-200000, 0});  // -200 A, beyond the PMA120's 176 A charge limit
    CHECK_FALSE(b.result_of(pf::mode_result, from));
    CHECK(b.pcs.raw_params()[0] == 0);
    from = b.sent.size();
    b.command(pf::write_protection_1, {747.5, 487.5, 100, 100});
    REQUIRE(b.result_of(pf::protection_write_result, from));
    from = b.sent.size();
    b.command(pf::mode_params_12, {-150000, 0});  // now beyond 100 A
    CHECK_FALSE(b.result_of(pf::mode_result, from));
    from = b.sent.size();
    b.command(pf::mode_params_12, {-100000, 0});
    CHECK(b.result_of(pf::mode_result, from));
    // Inconsistent protection sets are refused as a whole.
    from = b.sent.size();
    b.command(pf::write_protection_1, {400, 500, 100, 100});
    CHECK_FALSE(b.result_of(pf::protection_write_result, from));
    CHECK(b.pcs.limits().set1->max_output_voltage_v == doctest::Approx(747.5));
}

TEST_CASE("0x0F: each byte is taken as sent; clear faults that says stop does stop") {
    Bench b;
    b.run(1s);
    b.set_mode("cc", {-20});
    REQUIRE(b.start_stop(1, 0, 1));
    CHECK(b.pcs.self_start());
    b.run_with_heartbeat(1s);
    b.pcs.inject_fault(fault_code::over_current, b.now);
    CHECK(b.pcs.running_state() == running_state::fault);
    // Clear + start: restarts.
    REQUIRE(b.start_stop(1, 1, 1));
    b.run_with_heartbeat(1s);
    CHECK(b.pcs.running_state() == running_state::constant_current);
    CHECK(b.pcs.self_start());
    // Clear faults with a stop byte stops it (the controller must repeat the start bit).
    REQUIRE(b.start_stop(0, 1, 1));
    CHECK_FALSE(b.pcs.plant().running());
    // A start while faulted is refused.
    b.pcs.inject_fault(fault_code::over_temperature, b.now);
    CHECK_FALSE(b.start_stop(1, 0, 1));
    // Invalid bytes are refused.
    const std::size_t from = b.sent.size();
    CanFrame bad;
    bad.id = to_pcs_id(pf::start_stop, kPcs);
    bad.data = {2, 0, 0, 0, 0, 0, 0, 0};
    b.pcs.on_frame(bad, b.now);
    CHECK_FALSE(b.result_of(pf::start_stop_result, from));
    CHECK(b.pcs.self_start());
}

TEST_CASE("power-on self-start resumes the last mode after a power cycle") {
    Bench b;
    b.run(1s);
    b.set_mode("cc", {-25});
    REQUIRE(b.start_stop(1, 0, 1));
    b.run_with_heartbeat(1s);
    b.pcs.power_cycle(b.now);
    CHECK(b.pcs.running_state() == running_state::self_check);
    b.run_with_heartbeat(1s);
    CHECK(b.pcs.running_state() == running_state::soft_start);
    b.run_with_heartbeat(1s);
    CHECK(b.pcs.running_state() == running_state::constant_current);
    CHECK(b.pcs.mode() == mode_code::cc);
    CHECK(b.pcs.plant().current_a() == doctest::Approx(-25).epsilon(0.02));
    // Without the flag it stays in standby.
    REQUIRE(b.start_stop(1, 0, 0));
    b.pcs.power_cycle(b.now);
    b.run_with_heartbeat(3s);
    CHECK(b.pcs.running_state() == running_state::standby);
}

TEST_CASE("heartbeat state 3 stops the PCS with an external-device fault") {
    Bench b;
    b.run(1s);
    b.set_mode("cc", {-20});
    REQUIRE(b.start_stop(1, 0, 0));
    b.run_with_heartbeat(1s);
    b.heartbeat(3);
    CHECK(b.pcs.running_state() == running_state::fault);
    CHECK(b.pcs.fault_code() == kExternalDeviceFault);
    CHECK_FALSE(b.pcs.plant().running());
}

TEST_CASE("CC-CV charge runs to its cut-off current and stops") {
    Bench b;
    b.run(1s);
    b.set_mode("cccv", {700, -100, -5});
    REQUIRE(b.start_stop(1, 0, 0));
    bool saw_cv = false;
    const Instant limit = b.now + 6h;
    while (b.pcs.running_state() != running_state::stop && b.now < limit) {
        b.run_with_heartbeat(10s);
        saw_cv = saw_cv || b.pcs.running_state() == running_state::constant_voltage;
        REQUIRE(b.pcs.fault_code() == 0);
    }
    CHECK(saw_cv);
    CHECK(b.pcs.running_state() == running_state::stop);
    CHECK_FALSE(b.pcs.plant().running());
    CHECK(b.pcs.plant().terminal_voltage_v() < 700.5);
}

TEST_CASE("frames to other PCS are ignored; broadcasts are obeyed") {
    Bench b;
    b.run(1s);
    std::size_t from = b.sent.size();
    b.command(pf::set_mode, {0x21}, 7);
    CHECK(b.frames(pf::mode_result, from).empty());
    CHECK(b.pcs.mode() == mode_code::standby);
    from = b.sent.size();
    b.command(pf::set_mode, {0x21}, 0);
    CHECK(b.result_of(pf::mode_result, from));
    CHECK(b.pcs.mode() == mode_code::cc);
}

TEST_CASE("fault injection: silence, dropped replies, corrupted frames") {
    Bench b;
    b.run(1s);
    b.pcs.go_silent(2s, b.now);
    std::size_t from = b.sent.size();
    b.run(1s);
    b.command(pf::read_setting, {0x0A});
    CHECK(b.sent.size() == from);
    b.run(1200ms);
    CHECK(b.sent.size() > from);
    b.pcs.drop_replies(1);
    from = b.sent.size();
    b.command(pf::set_mode, {0x21});
    CHECK(b.frames(pf::mode_result, from).empty());
    CHECK(b.pcs.mode() == mode_code::cc);  // executed, only the answer was lost
    b.command(pf::set_mode, {0x02});
    CHECK(b.result_of(pf::mode_result, from));
    b.pcs.corrupt_frames(3);
    from = b.sent.size();
    b.run(200ms);
    int undecodable = 0;
    for (std::size_t i = from; i < b.sent.size(); ++i) undecodable += decode(b.sent[i]).ok() ? 0 : 1;
    CHECK(undecodable == 3);
}

TEST_CASE("limits trip the matching faults through the physics") {
    sim::PcsConfig c = Bench::config();
    c.plant.battery.initial_soc = 0.98;
    Bench b(c);
    b.run(1s);
    b.set_mode("cc", {-150});
    REQUIRE(b.start_stop(1, 0, 0));
    const Instant limit = b.now + 2h;
    while (b.pcs.running_state() != running_state::fault && b.now < limit) b.run_with_heartbeat(10s);
    CHECK(b.pcs.fault_code() == fault_code::battery_over_voltage);
}

TEST_CASE("state JSON for the control channel") {
    Bench b;
    b.run(1s);
    const auto j = b.pcs.state_json(b.now);
    CHECK(j["address"] == kPcs);
    CHECK(j["state"] == running_state::standby);
    CHECK(j["state_name"] == "standby");
    CHECK(j["mode"] == "standby");
    CHECK(j["controller_heard_s_ago"].is_null());
}

TEST_CASE("a misbehaving peer: misreport_state lies in 0x13 only while the power stage operates") {
    Bench b;
    b.run(1s);
    b.pcs.misreport_state(running_state::constant_voltage);
    // Not operating: the truth, so a stopped module never looks active.
    b.run_with_heartbeat(400ms);
    CHECK(b.frames(pf::state_fault).back().value[0] == running_state::standby);
    b.set_mode("cc", {50});
    REQUIRE(b.start_stop(1, 0, 0));
    b.run_with_heartbeat(200ms);
    CHECK(b.pcs.running_state() == running_state::soft_start);
    CHECK(b.frames(pf::state_fault).back().value[0] == running_state::soft_start);
    b.run_with_heartbeat(1s);
    // It regulates current (the physics are unchanged) and reports constant-voltage operation.
    CHECK(b.pcs.running_state() == running_state::constant_current);
    CHECK(b.pcs.plant().current_a() == doctest::Approx(50).epsilon(0.02));
    CHECK(b.pcs.reported_state() == running_state::constant_voltage);
    std::size_t from = b.sent.size();
    b.run_with_heartbeat(200ms);
    const auto lying = b.frames(pf::state_fault, from);
    REQUIRE_FALSE(lying.empty());
    for (const auto& f : lying) CHECK(f.value[0] == running_state::constant_voltage);
    CHECK(b.pcs.state_json(b.now)["reported_state"] == running_state::constant_voltage);
    CHECK(b.pcs.state_json(b.now)["misreport"] == running_state::constant_voltage);
    // Truthful again: the change goes out at once, not at the next period.
    from = b.sent.size();
    b.pcs.misreport_state(std::nullopt);
    const auto truthful = b.frames(pf::state_fault, from);
    REQUIRE(truthful.size() == 1);
    CHECK(truthful[0].value[0] == running_state::constant_current);
    CHECK(b.pcs.state_json(b.now)["misreport"].is_null());
    // And a stop shows as a stop whatever the misreport.
    b.pcs.misreport_state(running_state::constant_voltage);
    REQUIRE(b.start_stop(0, 0, 0));
    CHECK(b.frames(pf::state_fault).back().value[0] == running_state::stop);
}
