#include "engine/operation_steps.h"

#include <string>

#include "engine/start_stop_frame.h"
#include "protocol/faults.h"
#include "protocol/protection_limits.h"
#include "protocol/running_states.h"

namespace ystpcs::engine::steps {

using namespace protocol;

namespace {

std::string state_text(std::optional<std::uint8_t> s) {
    return s ? std::to_string(*s) + " (" + std::string(running_state_name(*s)) + ")" : "unknown";
}

double seconds_of(runtime::Duration d) { return runtime::seconds(d); }

}  // namespace

// ---- reads ------------------------------------------------------------------------------

Plan read_protection_sets(std::vector<int> sets, bool discovery, transport::TxClass tx) {
    Plan plan;
    for (int set : sets) {
        Step s = Step::send("read protection set " + std::to_string(set), [set](Module& m, const CommandOutcome&) {
            const double type[] = {static_cast<double>(set)};
            return encode(pf::read_protection, m.id().address, type);
        }, SendOptions{tx});
        s.continue_on_error = discovery;
        plan.push_back(std::move(s));
    }
    return plan;
}

Plan read_limit_set_if_unknown(const Module& m, int set) {
    const auto& l = m.limits();
    const bool known = (set == 1 && l.set1) || (set == 2 && l.set2) || (set == 3 && l.set3);
    if (known || set == 0) return {};
    return read_protection_sets({set}, false, transport::TxClass::normal);
}

Plan read_limits_for(const Module& m, const ModeDef& mode) {
    bool need[4] = {false, false, false, false};
    for (const auto& p : mode.params) need[required_protection_set(p.limit)] = true;
    Plan plan;
    for (int set = 1; set <= 3; ++set) {
        if (!need[set]) continue;
        for (auto& s : read_limit_set_if_unknown(m, set)) plan.push_back(std::move(s));
    }
    return plan;
}

Step read_working_mode(bool discovery) {
    Step s = Step::send("read working mode", [](Module& m, const CommandOutcome&) {
        const double type[] = {static_cast<double>(find_setting("working_mode")->type)};
        return encode(pf::read_setting, m.id().address, type);
    }, SendOptions{transport::TxClass::bulk, true});
    s.continue_on_error = discovery;
    return s;
}

Step read_setting(const SettingDef& setting, bool discovery) {
    Step s = Step::send("read " + std::string(setting.name), [&setting](Module& m, const CommandOutcome&) {
        const double type[] = {static_cast<double>(setting.type)};
        return encode(pf::read_setting, m.id().address, type);
    }, SendOptions{transport::TxClass::bulk});
    s.continue_on_error = discovery;
    return s;
}

WorkingMode working_mode_from(const CommandOutcome& outcome) {
    WorkingMode w;
    w.reported = true;
    w.params_known = !outcome.partial;
    for (const auto& f : outcome.replies) {
        if (f.def->pf == pf::mode_reading) w.code = static_cast<std::uint8_t>(f.raw[0]);
        if (f.def->pf == pf::mode_params_12_reading) {
            w.raw[0] = static_cast<std::int32_t>(f.raw[0]);
            w.raw[1] = static_cast<std::int32_t>(f.raw[1]);
        }
        if (f.def->pf == pf::mode_params_34_reading) {
            w.raw[2] = static_cast<std::int32_t>(f.raw[0]);
            w.raw[3] = static_cast<std::int32_t>(f.raw[1]);
        }
    }
    return w;
}

// ---- interlocks -------------------------------------------------------------------------

Result<void> communicating(const Module& m) {
    if (m.connected()) return {};
    return make_error(ErrorKind::not_connected, "PCS " + m.name() +
                                                    " is not communicating (no frame received recently); check that " +
                                                    "it is powered, its address and the CAN wiring");
}

Result<void> may_start(const Module& m) {
    if (auto ok = communicating(m); !ok) return ok;
    if (m.emergency_stop_latched())
        return make_error(ErrorKind::interlock, "an emergency stop is active on PCS " + m.name() +
                                                    "; clear faults first (pcsctl reset-faults)");
    const auto state = m.running_state();
    if (!state)
        return make_error(ErrorKind::interlock, "PCS " + m.name() +
                                                    " has not reported its running state yet; a start needs a " +
                                                    "known state");
    if (*state == running_state::fault) {
        const auto code = m.fault_code().value_or(0);
        return make_error(ErrorKind::interlock, "PCS " + m.name() + " is in fault " + std::to_string(code) + " (" +
                                                    std::string(fault_info(code).meaning) +
                                                    "); remove the cause and clear faults first");
    }
    return {};
}

Result<void> setpoints_inside_limits(const Module& m) {
    const auto& mode = m.working_mode();
    const ModeDef* def = mode ? find_mode(mode->code) : nullptr;
    if (def == nullptr || def->params.empty()) return {};
    if (!mode->params_known)
        return make_error(ErrorKind::interlock, "PCS " + m.name() + " reported mode " + std::string(def->name) +
                                                    " without its parameters; set the mode (SetMode) before starting");
    std::array<double, kMaxModeParams> values{};
    for (std::size_t i = 0; i < def->params.size(); ++i) values[i] = mode_param_from_raw(def->params[i], mode->raw[i]);
    auto ok = check_setpoints(*def, values, def->params.size(), m.limits());
    if (ok) return {};
    return make_error(ok.error().kind == ErrorKind::out_of_range ? ErrorKind::interlock : ok.error().kind,
                      "PCS " + m.name() + " would start with set-points outside its protection limits: " +
                          ok.error().message + "; change the set-point or the limits first");
}

Result<void> power_stage_stopped(const Module& m, const std::string& what) {
    if (!m.power_stage_active()) return {};
    return make_error(ErrorKind::interlock, "PCS " + m.name() + " is running (state " + state_text(m.running_state()) +
                                                "); " + what + " only while it is stopped: stop it first, or ask " +
                                                "for stop_first");
}

// ---- start ------------------------------------------------------------------------------

Plan start(const Module& m) {
    Plan plan;
    plan.push_back(Step::check_that("start interlocks", may_start));
    // Right after power-on a PCS checks itself and refuses to start: wait for it, bounded.
    const auto wait = m.options().ready_wait;
    plan.push_back(Step::wait_until(
        "end of the self-check", [](std::optional<std::uint8_t> s) { return s != running_state::self_check; }, wait,
        [wait](const Module& mod) -> std::optional<Error> {
            return make_error(ErrorKind::interlock,
                              "PCS " + mod.name() + " is still in its self-check (state 9) after " +
                                  protocol::format_number(seconds_of(wait), 1) +
                                  " s; a PCS refuses to start until the self-check is over (it then reports " +
                                  "standby, 13): try again then");
        }));
    // The set-points are checked against the limits: read those not known yet.
    if (const ModeDef* mode = m.working_mode() ? find_mode(m.working_mode()->code) : nullptr)
        for (auto& s : read_limits_for(m, *mode)) plan.push_back(std::move(s));
    plan.push_back(Step::check_that("start interlocks", [](Module& mod) -> Result<void> {
        if (auto ok = may_start(mod); !ok) return ok;
        return setpoints_inside_limits(mod);
    }));
    const auto previous = m.start_commanded_this_life();
    Step s = Step::send("start", [](Module& mod, const CommandOutcome&) {
        return start_stop_frame(mod, true, false, repeated_self_start(mod));
    });
    s.on_sent = [](Module& mod) { mod.note_start_stop(true); };
    s.on_withdrawn = [previous](Module& mod) { mod.note_start_stop(previous); };
    plan.push_back(std::move(s));
    // Until the module reports what the start did, its last reported state says "stopped":
    // the next operation must not be planned on that (a mode change to a module starting).
    const auto confirm = m.options().start_confirm_wait;
    plan.push_back(Step::wait_until(
        "running state after the start",
        [](std::optional<std::uint8_t> s) { return s && (power_stage_active(*s) || *s == running_state::fault); },
        confirm, [confirm](const Module& mod) -> std::optional<Error> {
            return make_error(ErrorKind::timeout,
                              "PCS " + mod.name() + " accepted the start but still reports state " +
                                  state_text(mod.running_state()) + " after " +
                                  protocol::format_number(seconds_of(confirm), 1) + " s");
        }));
    return plan;
}

Step after_stop(const Module& m) {
    // The stop was accepted; its effect shows in the next state report. Waited for (briefly)
    // so the next operation is planned on it; the stop succeeded either way.
    return Step::wait_until(
        "stopped state after the stop", [](std::optional<std::uint8_t> s) { return s && !power_stage_active(*s); },
        m.options().start_confirm_wait, [](const Module&) -> std::optional<Error> { return std::nullopt; });
}

}  // namespace ystpcs::engine::steps
