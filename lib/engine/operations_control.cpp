// The operations that change a module: validate (nothing is sent when the arguments are
// wrong), plan against the state when the operation's turn comes, run the steps.
#include <cmath>

#include <spdlog/spdlog.h>

#include "engine/operation_steps.h"
#include "engine/operations.h"
#include "engine/start_stop_frame.h"
#include "protocol/protection_limits.h"
#include "protocol/running_states.h"

namespace ystpcs::engine {

using namespace protocol;

namespace {

std::string param_names(const ModeDef& mode) {
    std::string out;
    for (const auto& p : mode.params) out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out.empty() ? "none" : out;
}

Error interlock(std::string message) { return make_error(ErrorKind::interlock, std::move(message)); }

// A frame made once at validation; the step sends it as it is.
std::function<Result<CanFrame>(Module&, const CommandOutcome&)> fixed(CanFrame frame) {
    return [frame](Module&, const CommandOutcome&) -> Result<CanFrame> { return frame; };
}

// The running set-point of `m` against `limits` (a protection write that would trip it).
Result<void> running_setpoint_inside(const Module& m, const ProtectionLimits& limits) {
    if (!m.power_stage_active()) return {};
    const auto& mode = m.working_mode();
    const ModeDef* def = mode ? find_mode(mode->code) : nullptr;
    if (def == nullptr || def->params.empty()) return {};
    if (!mode->params_known)
        return interlock("PCS " + m.name() + " is running a mode whose parameters it did not report; the new limits " +
                         "cannot be checked against them: stop it first");
    std::array<double, kMaxModeParams> values{};
    for (std::size_t i = 0; i < def->params.size(); ++i) values[i] = mode_param_from_raw(def->params[i], mode->raw[i]);
    if (auto ok = check_setpoints(*def, values, def->params.size(), limits); !ok)
        return interlock("the new protection limits would put the running set-point of PCS " + m.name() +
                         " outside them (" + ok.error().message + "); the module would trip under load: change the " +
                         "set-point first, or stop the module");
    return {};
}

// Per-phase power (0x21 kW, 0x22 kvar) against the module's power limits (set 2): each phase
// carries a third of the module, the sum the whole.
Result<void> phase_power_inside(PhasePower which, const std::array<double, 3>& v, const ProtectionLimits& limits) {
    if (!limits.set2) return make_error(ErrorKind::interlock, "protection set 2 (power) is not known");
    const auto& s = *limits.set2;
    const char* phases[] = {"phase_a", "phase_b", "phase_c"};
    const double lo = which == PhasePower::active ? -s.max_charge_power_kw : -std::max(s.max_charge_power_kw, s.max_discharge_power_kw);
    const double hi = which == PhasePower::active ? s.max_discharge_power_kw : std::max(s.max_charge_power_kw, s.max_discharge_power_kw);
    const char* unit = which == PhasePower::active ? "kW" : "kvar";
    double sum = 0;
    for (int i = 0; i < 3; ++i) {
        sum += v[i];
        if (v[i] < lo / 3 || v[i] > hi / 3)
            return make_error(ErrorKind::out_of_range,
                              std::string(phases[i]) + " = " + format_number(v[i], 1) + " " + unit +
                                  " is outside a third of the module's power limits: " + format_number(lo / 3, 1) +
                                  " … " + format_number(hi / 3, 1) + " " + unit);
    }
    if (sum < lo || sum > hi)
        return make_error(ErrorKind::out_of_range, "the phases' total " + format_number(sum, 1) + " " + unit +
                                                       " is outside the module's power limits " + format_number(lo, 1) +
                                                       " … " + format_number(hi, 1) + " " + unit);
    return {};
}

}  // namespace

// ---- start, clear faults, self-start -----------------------------------------------------

void Operations::start(Module& m, Done done) {
    if (auto ok = admit_control(m, "start"); !ok) return fail(std::move(done), ok.error());
    Operation op;
    op.name = "start";
    op.plan = [](Module& mod) -> Result<Plan> { return steps::start(mod); };
    run(m, std::move(op), std::move(done));
}

void Operations::clear_faults(Module& m, Done done) {
    if (auto ok = admit_control(m, "clear faults"); !ok) return fail(std::move(done), ok.error());
    Operation op;
    op.name = "clear faults";
    op.plan = [](Module&) -> Result<Plan> {
        Plan plan;
        plan.push_back(Step::check_that("communicating", steps::communicating));
        plan.push_back(Step::check_that("byte 1 can be repeated", [](Module& x) -> Result<void> {
            auto b = repeated_start_byte(x, "clear faults");
            if (!b) return b.error();
            return {};
        }));
        // A PCS still hearing state 3 would fault again at once: state 2 while the clear runs;
        // the latch itself ends only when the clear succeeded.
        plan.push_back(Step::then("lift the emergency stop's heartbeat", [](Module& x, const CommandOutcome&) {
            if (!x.emergency_stop_latched()) return;
            x.suspend_emergency_stop(true);
            x.send_heartbeat_now();
        }));
        plan.push_back(Step::send("clear faults", [](Module& x, const CommandOutcome&) -> Result<CanFrame> {
            auto b = repeated_start_byte(x, "clear faults");
            if (!b) return b.error();
            return start_stop_frame(x, b.value(), true, repeated_self_start(x));
        }));
        plan.push_back(Step::then("release the emergency stop", [](Module& x, const CommandOutcome&) {
            x.release_emergency_stop();
        }));
        return plan;
    };
    op.complete = [](Result<void> r, Module* mod, const CommandOutcome&) {
        // Failed or cancelled: the emergency stop stays, and the heartbeat says so again.
        if (!r && mod != nullptr && mod->emergency_stop_latched()) {
            mod->suspend_emergency_stop(false);
            mod->send_heartbeat_now();
        }
    };
    run(m, std::move(op), std::move(done));
}

void Operations::set_self_start(Module& m, bool on, Done done) {
    if (auto ok = admit_control(m, "self-start"); !ok) return fail(std::move(done), ok.error());
    Operation op;
    op.name = on ? "enable self-start" : "disable self-start";
    op.plan = [on](Module& mod) -> Result<Plan> {
        const auto previous = mod.commanded().self_start;
        Step s = Step::send(on ? "enable self-start" : "disable self-start",
                            [on](Module& x, const CommandOutcome&) -> Result<CanFrame> {
                                auto b = repeated_start_byte(x, "a self-start change");
                                if (!b) return b.error();
                                return start_stop_frame(x, b.value(), false, on);
                            });
        s.on_sent = [on](Module& x) { x.note_self_start(on); };
        s.on_withdrawn = [previous](Module& x) { x.note_self_start(previous); };
        return Plan{Step::check_that("communicating", steps::communicating), std::move(s)};
    };
    run(m, std::move(op), std::move(done));
}

// ---- working mode -------------------------------------------------------------------------

void Operations::set_mode(Module& m, const ModeDef& mode, std::vector<double> params, SetModeOptions options,
                          Done done) {
    // Validate: the parameters against the mode's own definition, converted once.
    if (params.size() != mode.params.size())
        return fail(std::move(done), make_error(ErrorKind::invalid_argument,
                                                "mode " + std::string(mode.name) + " takes " +
                                                    std::to_string(mode.params.size()) + " parameters (" +
                                                    param_names(mode) + "), got " + std::to_string(params.size())));
    std::array<std::int32_t, kMaxModeParams> raw{};
    std::array<double, kMaxModeParams> values{};
    for (std::size_t i = 0; i < params.size(); ++i) {
        auto r = mode_param_to_raw(mode, i, params[i]);
        if (!r) return fail(std::move(done), r.error());
        raw[i] = r.value();
        values[i] = params[i];
    }
    if (auto ok = admit_control(m, "set mode " + std::string(mode.name)); !ok) return fail(std::move(done), ok.error());
    if (options.start && m.emergency_stop_latched())
        return fail(std::move(done), interlock("an emergency stop is active on PCS " + m.name() +
                                               "; clear faults first (pcsctl reset-faults); nothing was sent"));
    const std::uint8_t a = m.id().address;
    const double code[] = {static_cast<double>(mode.code)};
    const double p12[] = {static_cast<double>(raw[0]), static_cast<double>(raw[1])};
    const double p34[] = {static_cast<double>(raw[2]), static_cast<double>(raw[3])};
    const auto f_code = encode(pf::set_mode, a, code), f12 = encode(pf::mode_params_12, a, p12),
               f34 = encode(pf::mode_params_34, a, p34);
    if (!f_code || !f12 || !f34) return fail(std::move(done), (!f_code ? f_code : !f12 ? f12 : f34).error());

    Operation op;
    op.name = "set mode " + std::string(mode.name);
    op.plan = [&mode, raw, values, options, f_code = f_code.value(), f12 = f12.value(),
               f34 = f34.value()](Module& mod) -> Result<Plan> {
        if (auto ok = steps::communicating(mod); !ok) return ok.error();
        const auto state = mod.running_state();
        if (!state)
            return interlock("PCS " + mod.name() + " has not reported its running state yet; the mode can only " +
                             "change while it is stopped");
        // Interlock means nothing was sent: a start that would be refused refuses the whole call.
        if (options.start)
            if (auto ok = steps::may_start(mod); !ok) return ok.error();
        const bool active = power_stage_active(*state);
        const bool same_mode = mod.working_mode() && mod.working_mode()->code == mode.code;
        if (active && !same_mode && !options.stop_first)
            return interlock("PCS " + mod.name() + " is running (state " + std::to_string(*state) + ", " +
                             std::string(running_state_name(*state)) + "); the working mode can only change while " +
                             "it is stopped: stop it first, or ask for stop_first");
        Plan plan = steps::read_limits_for(mod, mode);
        plan.push_back(Step::check_that("set-points inside the protection limits", [&mode, values](Module& x) {
            return check_setpoints(mode, values, mode.params.size(), x.limits());
        }));
        const std::string name(mode.name);
        auto params = [&](Plan& p) {
            if (!mode.params.empty()) p.push_back(Step::send("parameters 1-2 of mode " + name, fixed(f12)));
            if (mode.params.size() > 2) p.push_back(Step::send("parameters 3-4 of mode " + name, fixed(f34)));
            p.push_back(Step::then("commanded mode", [&mode, raw](Module& x, const CommandOutcome&) {
                x.set_commanded_mode(WorkingMode{mode.code, raw, false, true});
            }));
        };
        if (active && same_mode) {
            // New set-points for the mode it runs in: only the parameter frames (0x0B itself is
            // refused while the power stage is active).
            plan.push_back(Step::check_that("still running mode " + name, [&mode](Module& x) -> Result<void> {
                if (x.working_mode() && x.working_mode()->code == mode.code) return {};
                return interlock("PCS " + x.name() + " changed its mode meanwhile; set-points not sent");
            }));
            params(plan);
            return plan;
        }
        if (active) {
            Step stop = Step::send("stop (stop_first)", [](Module& x, const CommandOutcome&) {
                return start_stop_frame(x, false, false, repeated_self_start(x));
            });
            stop.on_sent = [](Module& x) { x.note_start_stop(false); };
            plan.push_back(std::move(stop));
            const auto wait = mod.options().stop_wait;
            plan.push_back(Step::wait_until(
                "power stage stopped", [](std::optional<std::uint8_t> s) { return s && !power_stage_active(*s); }, wait,
                [name](const Module& x) -> std::optional<Error> {
                    return make_error(ErrorKind::timeout, "stop_first: PCS " + x.name() +
                                                              " did not leave its running state after the stop; mode " +
                                                              name + " not set");
                }));
        }
        plan.push_back(Step::check_that("power stage stopped", [name](Module& x) {
            return steps::power_stage_stopped(x, "the working mode can change");
        }));
        plan.push_back(Step::send("set mode " + name, fixed(f_code)));
        params(plan);
        if (options.start)
            for (auto& s : steps::start(mod)) plan.push_back(std::move(s));
        return plan;
    };
    run(m, std::move(op), std::move(done));
}

// ---- protection limits --------------------------------------------------------------------

Result<ProtectionChanges> validate_protection_changes(const std::map<std::string, double>& changes) {
    ProtectionChanges by_set;
    for (const auto& [name, value] : changes) {
        const auto field = find_limit_field(name);
        if (!field) {
            std::string valid;
            for (const auto& set : kProtectionSets)
                valid += (valid.empty() ? "" : ", ") + field_list(*find_frame(set.write_pf));
            return make_error(ErrorKind::invalid_argument, "unknown protection limit '" + name + "' (known: " + valid + ")");
        }
        const FrameDef& write = *find_frame(kProtectionSets[field->set - 1].write_pf);
        if (auto raw = to_raw(write.signals[field->index], value, write.name); !raw)
            return raw.error();
        by_set[field->set][field->index] = value;
    }
    if (by_set.empty()) return make_error(ErrorKind::invalid_argument, "no protection limit given");
    return by_set;
}

void Operations::write_protection(Module& m, std::map<std::string, double> changes, DoneWith<ProtectionLimits> done) {
    auto refuse = [&](Error e) { rack_.loop().post([done, e] { done(e); }); };
    auto valid = validate_protection_changes(changes);
    if (!valid) return refuse(valid.error());
    const ProtectionChanges by_set = std::move(valid.value());
    if (auto ok = admit_control(m, "write protection limits"); !ok) return refuse(ok.error());

    Operation op;
    op.name = "write protection limits";
    op.plan = [by_set](Module&) -> Result<Plan> {
        Plan plan{Step::check_that("communicating", steps::communicating)};
        for (const auto& [set, values] : by_set) {
            // A set is written whole: its other values fresh from the module.
            for (auto& s : steps::read_protection_sets({set}, false, transport::TxClass::normal)) plan.push_back(std::move(s));
            plan.push_back(Step::send(
                "write protection set " + std::to_string(set),
                [set = set, values = values](Module& x, const CommandOutcome& read) -> Result<CanFrame> {
                    if (read.replies.empty()) return make_error(ErrorKind::timeout, "protection set not read");
                    const DecodedFrame& current = read.replies.front();
                    std::array<double, kMaxSignals> merged{};
                    for (std::size_t i = 0; i < current.def->signals.size(); ++i) merged[i] = current.value[i];
                    for (const auto& [i, v] : values) merged[i] = v;
                    ProtectionLimits next = x.limits();
                    Result<void> consistent{};
                    if (set == 1) next.set1 = ProtectionSet1{merged[0], merged[1], merged[2], merged[3]}, consistent = check_consistent(*next.set1);
                    if (set == 2) next.set2 = ProtectionSet2{merged[0], merged[1], merged[2], merged[3]}, consistent = check_consistent(*next.set2);
                    if (set == 3) next.set3 = ProtectionSet3{merged[0], merged[1], merged[2], merged[3]}, consistent = check_consistent(*next.set3);
                    if (!consistent) return consistent.error();
                    if (auto ok = running_setpoint_inside(x, next); !ok) return ok.error();
                    return encode(kProtectionSets[set - 1].write_pf, x.id().address,
                                  std::span<const double>(merged.data(), current.def->signals.size()));
                }));
        }
        for (auto& s : steps::read_protection_sets({1, 2, 3}, false, transport::TxClass::normal)) plan.push_back(std::move(s));
        return plan;
    };
    run_with<ProtectionLimits>(m, std::move(op), [](Module& x, const CommandOutcome&) -> Result<ProtectionLimits> {
        return x.limits();
    }, std::move(done));
}

// ---- special settings, clock, per-phase power ----------------------------------------------

void Operations::write_setting(Module& m, const SettingDef& setting, const NamedValues& values, Done done) {
    if (setting.write_pf == 0)
        return fail(std::move(done), make_error(ErrorKind::invalid_argument,
                                                "setting " + std::string(setting.name) + " is read-only"));
    auto frame = encode_named(*find_frame(setting.write_pf), m.id().address, values);
    if (!frame) return fail(std::move(done), frame.error());
    if (auto ok = admit_control(m, "write " + std::string(setting.name)); !ok) return fail(std::move(done), ok.error());
    const bool bus_voltage = setting.write_pf == pf::set_bus_voltage;
    const auto q = values.find("reactive_power_kvar");
    const double reactive_kvar = bus_voltage && q != values.end() ? q->second : 0.0;
    Operation op;
    op.name = "write " + std::string(setting.name);
    op.plan = [bus_voltage, reactive_kvar, f = frame.value(), name = op.name](Module& x) -> Result<Plan> {
        Plan plan{Step::check_that("communicating", steps::communicating)};
        if (bus_voltage) {
            // Reactive power is bounded by what the module may deliver (protection set 2).
            for (auto& s : steps::read_limit_set_if_unknown(x, 2)) plan.push_back(std::move(s));
            plan.push_back(Step::check_that("reactive power inside the power limits", [reactive_kvar](Module& y) {
                return phase_power_inside(PhasePower::reactive, {reactive_kvar / 3, reactive_kvar / 3, reactive_kvar / 3},
                                          y.limits());
            }));
        }
        plan.push_back(Step::send(name, fixed(f)));
        return plan;
    };
    run(m, std::move(op), std::move(done));
}

void Operations::set_clock(Module& m, const ClockTime& t, Done done) {
    const double values[] = {double(t.year), double(t.month), double(t.day), double(t.hour), double(t.minute),
                             double(std::min(t.second, 59))};
    auto frame = encode(pf::set_clock, m.id().address, values);
    if (!frame) return fail(std::move(done), frame.error());
    if (auto ok = admit_control(m, "set clock"); !ok) return fail(std::move(done), ok.error());
    Operation op;
    op.name = "set clock";
    op.plan = [f = frame.value()](Module&) -> Result<Plan> {
        return Plan{Step::check_that("communicating", steps::communicating), Step::send("set clock", fixed(f))};
    };
    run(m, std::move(op), std::move(done));
}

void Operations::set_phase_power(Module& m, PhasePower which, const std::array<double, 3>& values, Done done) {
    const bool active = which == PhasePower::active;
    auto frame = encode(active ? pf::phase_active_power : pf::phase_reactive_power, m.id().address, values);
    if (!frame) return fail(std::move(done), frame.error());
    if (auto ok = admit_control(m, "per-phase power"); !ok) return fail(std::move(done), ok.error());
    Operation op;
    op.name = active ? "per-phase active power" : "per-phase reactive power";
    op.plan = [which, values, f = frame.value(), name = op.name](Module& x) -> Result<Plan> {
        Plan plan{Step::check_that("communicating", steps::communicating)};
        for (auto& s : steps::read_limit_set_if_unknown(x, 2)) plan.push_back(std::move(s));
        plan.push_back(Step::check_that("each phase and the total inside the power limits", [which, values](Module& y) {
            return phase_power_inside(which, values, y.limits());
        }));
        plan.push_back(Step::send(name, fixed(f)));
        return plan;
    };
    run(m, std::move(op), std::move(done));
}

}  // namespace ystpcs::engine
