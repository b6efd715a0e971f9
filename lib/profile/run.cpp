#include "profile/run.h"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "engine/durable_file.h"
#include "engine/operation_steps.h"
#include "protocol/frames.h"
#include "protocol/protection_limits.h"
#include "protocol/running_states.h"

namespace ystpcs::profile {

using nlohmann::json;
using protocol::format_number;
using namespace std::chrono_literals;

namespace {

constexpr std::pair<RunState, std::string_view> kStates[] = {
    {RunState::preparing, "preparing"}, {RunState::running, "running"},     {RunState::paused, "paused"},
    {RunState::interrupted, "interrupted"}, {RunState::completed, "completed"}, {RunState::failed, "failed"},
    {RunState::aborted, "aborted"}};

// A sample older than this is not a measurement of now.
constexpr auto kFresh = 1s;
// Integration across a gap longer than this would invent charge: the gap is bridged by this.
constexpr double kMaxIntegrationStepS = 1.0;
constexpr auto kJournalPeriod = 10s;
constexpr auto kPublishPeriod = 1s;

Error refused(const std::string& message) { return make_error(ErrorKind::interlock, message); }

std::string condition_text(const EndCondition& c) {
    const auto q = name_of(c.quantity);
    return std::string(q) + " " + format_number(c.value, 3);
}

}  // namespace

std::string_view name_of(RunState s) {
    for (const auto& [k, v] : kStates)
        if (k == s) return v;
    return "?";
}

bool is_final(RunState s) { return s == RunState::completed || s == RunState::failed || s == RunState::aborted; }

std::optional<Sample> latest_sample(const engine::Module& m) {
    static const auto precise_v = *engine::slot_index(protocol::signal_ref(protocol::pf::precise_dc_output, "voltage_v"));
    static const auto precise_i = *engine::slot_index(protocol::signal_ref(protocol::pf::precise_dc_output, "current_a"));
    static const auto dc_v = *engine::slot_index(protocol::signal_ref(protocol::pf::dc_output, "voltage_v"));
    static const auto dc_i = *engine::slot_index(protocol::signal_ref(protocol::pf::dc_output, "current_a"));
    static const auto inlet = *engine::slot_index(protocol::signal_ref(protocol::pf::dc_output, "inlet_temperature_c"));
    static const auto outlet =
        *engine::slot_index(protocol::signal_ref(protocol::pf::capacity_energy, "outlet_temperature_c"));
    const auto& values = m.values();
    const auto& pv = values.at(precise_v);
    const auto& pi = values.at(precise_i);
    const auto& v = values.at(dc_v);
    const auto& i = values.at(dc_i);
    const bool precise = pv.known && pi.known && (!v.known || pv.received + kFresh >= v.received);
    const auto& sv = precise ? pv : v;
    const auto& si = precise ? pi : i;
    if (!sv.known || !si.known) return std::nullopt;
    Sample s;
    s.received = std::max(sv.received, si.received);
    s.wall = std::max(sv.timestamp, si.timestamp);
    s.voltage_v = sv.value;
    s.current_a = si.value;
    s.power_w = sv.value * si.value;
    const auto& ti = values.at(inlet);
    const auto& to = values.at(outlet);
    if (ti.known || to.known) s.temperature_c = std::max(ti.known ? ti.value : -1e9, to.known ? to.value : -1e9);
    return s;
}

ProfileRun::ProfileRun(std::string id, Profile profile, std::string module_key, RunPaths paths, engine::Rack& rack,
                       engine::Operations& ops, Changed changed)
    : id_(std::move(id)),
      profile_(std::move(profile)),
      module_key_(std::move(module_key)),
      paths_(std::move(paths)),
      rack_(rack),
      ops_(ops),
      changed_(std::move(changed)),
      bdf_(paths_.csv) {}

ProfileRun::~ProfileRun() { *alive_ = false; }

engine::Module* ProfileRun::module() const { return rack_.find(module_key_); }

template <class F>
void ProfileRun::call_ops(F&& f) {
    calling_ = true;
    f();
    calling_ = false;
}

const std::vector<Node>& ProfileRun::block(std::size_t depth) const {
    const std::vector<Node>* b = &profile_.steps;
    for (std::size_t k = 0; k < depth; ++k) b = &(*b)[pos_[k].index].children;
    return *b;
}

const Step* ProfileRun::step() const {
    if (pos_.empty() || is_final(state_)) return nullptr;
    const auto& b = block(pos_.size() - 1);
    const auto i = pos_.back().index;
    return i < b.size() && !b[i].repeat ? &b[i].step : nullptr;
}

long ProfileRun::cycle() const { return pos_.size() > 1 ? pos_[1].iteration : cycle_; }

std::vector<std::tuple<std::string, long, long>> ProfileRun::loops() const {
    std::vector<std::tuple<std::string, long, long>> out;
    for (std::size_t k = 1; k < pos_.size(); ++k) {
        const Node& rep = block(k - 1)[pos_[k - 1].index];
        out.emplace_back(rep.label.empty() ? rep.where : rep.label, pos_[k].iteration, rep.count);
    }
    return out;
}

void ProfileRun::descend() {
    while (block(pos_.size() - 1)[pos_.back().index].repeat) pos_.push_back(Level{0, 1});
}

bool ProfileRun::advance() {
    if (pos_.size() > 1) cycle_ = pos_[1].iteration;
    for (;;) {
        Level& lvl = pos_.back();
        ++lvl.index;
        if (lvl.index < block(pos_.size() - 1).size()) {
            descend();
            return true;
        }
        if (pos_.size() == 1) return false;
        const Node& rep = block(pos_.size() - 2)[pos_[pos_.size() - 2].index];
        if (lvl.iteration < rep.count) {
            ++lvl.iteration;
            lvl.index = 0;
            descend();
            return true;
        }
        pos_.pop_back();
    }
}

void ProfileRun::jump(const std::string& target) {
    if (pos_.size() > 1) cycle_ = pos_[1].iteration;
    // Validation guarantees the target lies ahead in this block or an enclosing one.
    for (std::size_t depth = pos_.size(); depth-- > 0;) {
        const auto& b = block(depth);
        for (std::size_t i = pos_[depth].index + 1; i < b.size(); ++i) {
            if (b[i].node_label() != target) continue;
            pos_.resize(depth + 1);
            pos_[depth].index = i;
            descend();
            return;
        }
    }
    finish(RunState::failed, "goto '" + target + "' found no target (a validation bug)");
}

void ProfileRun::set_state(RunState s, std::string reason) {
    const bool was = state_ != s;
    state_ = s;
    reason_ = std::move(reason);
    ++generation_;
    if (was) spdlog::info("profile run {} on {}: {}{}{}", id_, module_key_, name_of(s), reason_.empty() ? "" : ": ", reason_);
    journal();
    if (changed_) changed_(*this, true);
}

void ProfileRun::own_stop(engine::Done done) {
    engine::Module* m = module();
    if (m == nullptr) return done(make_error(ErrorKind::not_connected, "PCS " + module_key_ + " is not served"));
    call_ops([&] { ops_.stop(*m, std::move(done)); });
}

// ---- starting ------------------------------------------------------------------------------

void ProfileRun::prepare(std::function<void(Result<void>)> then) {
    engine::Module* m = module();
    if (m == nullptr) return then(make_error(ErrorKind::not_connected, "PCS " + module_key_ + " is not served"));
    if (auto ok = engine::steps::may_start(*m); !ok) return then(ok.error());
    if (m->power_stage_active())
        return then(refused("PCS " + m->name() + " is running; a profile starts from a stopped module: stop it first"));
    const auto& e = profile_.safety;
    // The envelope becomes the module's protection limits: the module itself trips on it.
    std::map<std::string, double> limits{{"max_output_voltage_v", e.max_voltage_v},
                                         {"min_output_voltage_v", e.min_voltage_v},
                                         {"max_charge_current_a", e.max_charge_current_a},
                                         {"max_discharge_current_a", e.max_discharge_current_a},
                                         {"max_charge_power_kw", e.max_charge_power_kw},
                                         {"max_discharge_power_kw", e.max_discharge_power_kw}};
    auto gen = generation_;
    call_ops([&] {
        ops_.write_protection(*m, limits, [this, alive = alive_, gen, then, limits](Result<protocol::ProtectionLimits> r) {
            if (!*alive) return;
            if (gen != generation_) return then(make_error(ErrorKind::cancelled, "the run changed state meanwhile"));
            if (!r) return then(make_error(r.error().kind, "writing the envelope to the protection limits: " + r.error().message));
            const auto& read = r.value();
            if (!read.set1 || !read.set2) return then(refused("the protection limits could not be read back"));
            // Read back: the module must hold what was written (within the fields' 0.1 resolution).
            const std::map<std::string, double> back{{"max_output_voltage_v", read.set1->max_output_voltage_v},
                                                     {"min_output_voltage_v", read.set1->min_output_voltage_v},
                                                     {"max_charge_current_a", read.set1->max_charge_current_a},
                                                     {"max_discharge_current_a", read.set1->max_discharge_current_a},
                                                     {"max_charge_power_kw", read.set2->max_charge_power_kw},
                                                     {"max_discharge_power_kw", read.set2->max_discharge_power_kw}};
            for (const auto& [k, v] : limits)
                if (std::abs(back.at(k) - v) > 0.051)
                    return then(refused("the module reports protection limit " + k + " = " + format_number(back.at(k), 1) +
                                        " after " + format_number(v, 1) + " was written: the envelope is not in force"));
            // Every step's set-points against the limits read back.
            std::string problem;
            std::function<void(const std::vector<Node>&)> walk = [&](const std::vector<Node>& nodes) {
                for (const auto& n : nodes) {
                    if (!problem.empty()) return;
                    if (n.repeat) {
                        walk(n.children);
                        continue;
                    }
                    const auto ms = mode_setting(n.step, profile_.safety);
                    if (!ms) continue;
                    std::array<double, protocol::kMaxModeParams> values{};
                    for (std::size_t i = 0; i < ms->params.size(); ++i) values[i] = ms->params[i];
                    if (auto ok = protocol::check_setpoints(*ms->mode, values, ms->params.size(), read); !ok)
                        problem = n.step.name() + ": " + ok.error().message;
                }
            };
            walk(profile_.steps);
            if (!problem.empty()) return then(make_error(ErrorKind::out_of_range, problem));
            engine::Module* mod = module();
            if (mod == nullptr) return then(make_error(ErrorKind::not_connected, "PCS " + module_key_ + " went away"));
            const auto s = latest_sample(*mod);
            if (!s || s->received + kFresh < rack_.loop().now())
                return then(refused("PCS " + mod->name() + " reports no recent DC voltage: the battery cannot be checked "
                                    "against the envelope"));
            const auto& env = profile_.safety;
            if (s->voltage_v < env.min_voltage_v || s->voltage_v > env.max_voltage_v)
                return then(make_error(ErrorKind::out_of_range,
                                       "the battery measures " + format_number(s->voltage_v, 1) +
                                           " V, outside the envelope (safety.min_voltage_v … max_voltage_v = " +
                                           format_number(env.min_voltage_v, 1) + " … " +
                                           format_number(env.max_voltage_v, 1) + " V); nothing was energised"));
            then(Result<void>{});
        });
    });
}

void ProfileRun::start(engine::Done done) {
    started_unix_s_ = runtime::unix_seconds(rack_.loop().wall_now());
    set_state(RunState::preparing, "");
    const auto gen = generation_;
    prepare([this, alive = alive_, gen, done](Result<void> r) {
        if (!*alive) return;
        if (gen != generation_) return done(make_error(ErrorKind::cancelled, "profile run " + id_ + " was " +
                                                                                 std::string(name_of(state_)) + " meanwhile"));
        if (!r) {
            finish(RunState::failed, "refused before energising: " + r.error().message);
            return done(r.error());
        }
        pos_ = {Level{0, 1}};
        descend();
        set_state(RunState::running, "");
        write_metadata();
        apply_step(true, done);
    });
}

// Runs the current step: its mode and set-points, started (stop_first stops another mode
// first), or for rest a stop. `fresh`: step time and counters start from zero.
void ProfileRun::apply_step(bool fresh, engine::Done done) {
    const Step* s = step();
    if (s == nullptr) return done(make_error(ErrorKind::invalid_argument, "no step to run"));
    if (fresh) {
        ++step_count_;
        step_time_s_ = step_ah_ = step_wh_ = 0;
        breaches_ = 0;
    }
    current_armed_ = false;
    phase_ = Phase::applying;
    ++generation_;
    const auto gen = generation_;
    spdlog::info("profile run {} on {}: step {} {} {}", id_, module_key_, step_count_, s->name(), name_of(s->type));
    if (changed_) changed_(*this, true);
    auto applied = [this, alive = alive_, gen, done, where = s->name()](Result<void> r) {
        if (!*alive) return;
        if (gen != generation_ || state_ != RunState::running) {
            done(r ? Result<void>(make_error(ErrorKind::cancelled, "profile run " + id_ + " is " +
                                                                       std::string(name_of(state_))))
                   : r);
            return;
        }
        if (!r) {
            finish(RunState::failed, where + ": " + r.error().message);
            return done(r.error());
        }
        phase_ = Phase::in_step;
        step_started_ = rack_.loop().now();
        journal();
        done(Result<void>{});
    };
    engine::Module* m = module();
    if (m == nullptr) return applied(make_error(ErrorKind::not_connected, "PCS " + module_key_ + " is not served"));
    const auto setting = mode_setting(*s, profile_.safety);
    if (!setting) {
        if (!m->power_stage_active()) return rack_.loop().post([applied] { applied(Result<void>{}); });
        return own_stop(applied);
    }
    engine::SetModeOptions o;
    o.stop_first = true;
    o.start = true;
    energised_ = true;
    call_ops([&] { ops_.set_mode(*m, *setting->mode, setting->params, o, applied); });
}

// ---- the loop's work --------------------------------------------------------------------

void ProfileRun::on_tick(runtime::Instant now) {
    const double dt = last_tick_ ? runtime::seconds(now - *last_tick_) : 0.0;
    last_tick_ = now;
    if (state_ != RunState::running && state_ != RunState::paused) return;
    engine::Module* m = module();
    if (m == nullptr) return;
    test_time_s_ += dt;
    if (state_ == RunState::running && phase_ == Phase::in_step) step_time_s_ += dt;
    std::optional<Sample> fresh;
    if (auto s = latest_sample(*m); s && (!last_sample_at_ || s->received > *last_sample_at_)) {
        if (state_ == RunState::running && last_sample_at_)
            integrate(last_sample_, *s, std::min(kMaxIntegrationStepS, runtime::seconds(s->received - *last_sample_at_)));
        last_sample_at_ = s->received;
        last_sample_ = *s;
        fresh = s;
        if (state_ == RunState::running) {
            if (!check_envelope(*s)) return;
            log_point(*s, false);
        }
    }
    if (state_ == RunState::running && phase_ == Phase::in_step) evaluate(*m, fresh, now);
    if (is_final(state_)) return;
    if (now - last_journal_ >= kJournalPeriod) journal();
    if (now - last_published_ >= kPublishPeriod) {
        last_published_ = now;
        if (changed_) changed_(*this, false);
    }
}

void ProfileRun::integrate(const Sample& previous, const Sample& s, double dt_s) {
    // Trapezoids: a current ramping between two samples (a start, a CV taper) is counted as the
    // line between them, not as the last value held over the interval.
    const double current_a = (previous.current_a + s.current_a) / 2;
    const double power_w = (previous.power_w + s.power_w) / 2;
    const double ah = std::abs(current_a) * dt_s / 3600.0;
    const double wh = std::abs(power_w) * dt_s / 3600.0;
    step_ah_ += ah;
    step_wh_ += wh;
    if (current_a < 0) totals_.charge_ah += ah, totals_.charge_wh += wh;
    else totals_.discharge_ah += ah, totals_.discharge_wh += wh;
}

bool ProfileRun::check_envelope(const Sample& s) {
    const auto& e = profile_.safety;
    std::string breach;
    const double i = s.current_a;  // protocol sign: negative charges
    // Resolution of 0x11 (0.1 V, 0.1 A) and the fields: a hair's margin before calling a breach.
    if (s.voltage_v > e.max_voltage_v + 0.05)
        breach = "voltage " + format_number(s.voltage_v, 2) + " V above safety.max_voltage_v " + format_number(e.max_voltage_v, 2) + " V";
    else if (s.voltage_v < e.min_voltage_v - 0.05)
        breach = "voltage " + format_number(s.voltage_v, 2) + " V below safety.min_voltage_v " + format_number(e.min_voltage_v, 2) + " V";
    else if (-i > e.max_charge_current_a + 0.05)
        breach = "charge current " + format_number(-i, 2) + " A above safety.max_charge_current_a";
    else if (i > e.max_discharge_current_a + 0.05)
        breach = "discharge current " + format_number(i, 2) + " A above safety.max_discharge_current_a";
    else if (-s.power_w > 1000 * e.max_charge_power_kw + 50)
        breach = "charge power " + format_number(-s.power_w / 1000, 2) + " kW above safety.max_charge_power_kw";
    else if (s.power_w > 1000 * e.max_discharge_power_kw + 50)
        breach = "discharge power " + format_number(s.power_w / 1000, 2) + " kW above safety.max_discharge_power_kw";
    else if (e.max_temperature_c && s.temperature_c && *s.temperature_c > *e.max_temperature_c)
        breach = "temperature " + format_number(*s.temperature_c, 1) + " °C above safety.max_temperature_c";
    if (breach.empty()) {
        breaches_ = 0;
        return true;
    }
    if (++breaches_ < e.debounce_samples) return true;
    log_point(s, true);
    if (const Step* st = step())
        records_.push_back({step_count_, st->where, st->label, std::string(name_of(st->type)), "envelope: " + breach,
                            step_time_s_, step_ah_, step_wh_});
    finish(RunState::failed, "envelope breached for " + std::to_string(breaches_) + " samples: " + breach);
    return false;
}

void ProfileRun::log_point(const Sample& s, bool force) {
    const auto& l = profile_.logging;
    bool due = force || test_time_s_ - last_log_test_time_s_ >= l.period_s - 1e-6;
    if (!due && last_logged_) {
        due = (l.delta_voltage_v > 0 && std::abs(s.voltage_v - last_logged_->voltage_v) >= l.delta_voltage_v) ||
              (l.delta_current_a > 0 && std::abs(s.current_a - last_logged_->current_a) >= l.delta_current_a);
    }
    if (!due) return;
    BdfPoint p;
    p.test_time_s = test_time_s_;
    p.unix_time_s = runtime::unix_seconds(s.wall);
    p.voltage_v = s.voltage_v;
    p.current_a = -s.current_a;  // BDF: charge positive; the PCS reports charging negative
    p.power_w = -s.power_w;
    p.cycle = cycle();
    p.step_count = step_count_;
    p.step_time_s = step_time_s_;
    p.charge_ah = totals_.charge_ah;
    p.discharge_ah = totals_.discharge_ah;
    p.charge_wh = totals_.charge_wh;
    p.discharge_wh = totals_.discharge_wh;
    if (auto ok = bdf_.append(p); !ok) spdlog::warn("profile run {}: {}", id_, ok.error().message);
    last_logged_ = s;
    last_log_test_time_s_ = test_time_s_;
}

void ProfileRun::evaluate(engine::Module& m, const std::optional<Sample>& fresh, runtime::Instant) {
    const Step* s = step();
    if (s == nullptr) return;
    const bool energising = s->type != StepType::rest;
    if (m.running_state() == protocol::running_state::fault) {
        const auto code = m.fault_code().value_or(0);
        records_.push_back({step_count_, s->where, s->label, std::string(name_of(s->type)),
                            "module fault " + std::to_string(code), step_time_s_, step_ah_, step_wh_});
        return finish(RunState::failed, "PCS " + m.name() + " reported fault " + std::to_string(code) + " (" +
                                            std::string(protocol::fault_info(code).meaning) + ") during " + s->name());
    }
    if (energising && !m.power_stage_active()) {
        // The module ended the step on its own: a CC-CV at its cut-off current is the step's
        // current condition; anything else is a failure.
        for (const auto& c : s->until)
            if (c.quantity == Quantity::current_below_a)
                return end_step(condition_text(c) + " A (the module ended the CC-CV at its cut-off current)", c.action, c.target);
        return finish(RunState::failed, "PCS " + m.name() + " stopped on its own during " + s->name() + " (state " +
                                            std::to_string(m.running_state().value_or(0)) + ")");
    }
    const bool sample_in_step = fresh && fresh->received >= step_started_;
    for (const auto& c : s->until) {
        bool fired = false;
        switch (c.quantity) {
            case Quantity::time_s: fired = step_time_s_ >= c.value - 1e-9; break;
            case Quantity::capacity_ah: fired = step_ah_ >= c.value; break;
            case Quantity::energy_wh: fired = step_wh_ >= c.value; break;
            case Quantity::voltage_above_v: fired = sample_in_step && fresh->voltage_v >= c.value; break;
            case Quantity::voltage_below_v: fired = sample_in_step && fresh->voltage_v <= c.value; break;
            case Quantity::temperature_above_c:
                fired = sample_in_step && fresh->temperature_c && *fresh->temperature_c >= c.value;
                break;
            case Quantity::current_below_a:
                // Armed once the current has exceeded the threshold in this step: a step starts
                // from zero current and must not end at once.
                if (sample_in_step && std::abs(fresh->current_a) > c.value) current_armed_ = true;
                fired = sample_in_step && current_armed_ && std::abs(fresh->current_a) <= c.value;
                break;
        }
        if (fired) {
            const char* unit = c.quantity == Quantity::time_s ? " s" : c.quantity == Quantity::capacity_ah ? " Ah"
                             : c.quantity == Quantity::energy_wh ? " Wh" : c.quantity == Quantity::temperature_above_c ? " °C"
                             : c.quantity == Quantity::current_below_a ? " A" : " V";
            return end_step(condition_text(c) + unit, c.action, c.target);
        }
    }
    if (step_time_s_ >= s->max_time_s - 1e-9) end_step("max_time_s " + format_number(s->max_time_s, 3) + " s", s->on_max_time, s->max_time_target);
}

void ProfileRun::end_step(const std::string& reason, Action action, const std::string& target) {
    const Step* s = step();
    if (s == nullptr) return;
    if (last_sample_at_)
        if (engine::Module* m = module())
            if (auto smp = latest_sample(*m)) log_point(*smp, true);
    records_.push_back({step_count_, s->where, s->label, std::string(name_of(s->type)), reason, step_time_s_, step_ah_, step_wh_});
    bdf_.sync();
    spdlog::info("profile run {} on {}: step {} {} ended: {} → {}", id_, module_key_, step_count_, s->name(), reason,
                 name_of(action));
    phase_ = Phase::idle;
    switch (action) {
        case Action::fail: return finish(RunState::failed, s->name() + " ended with action fail: " + reason);
        case Action::end: return finish(RunState::completed, s->name() + " ended the profile: " + reason);
        case Action::go_to: jump(target); break;
        case Action::next:
            if (!advance()) return finish(RunState::completed, "every step done");
            break;
    }
    if (is_final(state_)) return;
    write_metadata();
    apply_step(true, [this, alive = alive_](Result<void> r) {
        if (*alive && !r) spdlog::warn("profile run {}: {}", id_, r.error().message);
    });
}

void ProfileRun::finish(RunState s, std::string reason) {
    phase_ = Phase::idle;
    // The module is left stopped whatever the outcome, once the run energised it; a run
    // refused before that sends nothing (the module may be an operator's, running).
    engine::Module* m = module();
    if (m != nullptr && energised_)
        own_stop([id = id_](Result<void> r) {
            if (!r) spdlog::warn("profile run {}: stop at the end: {}", id, r.error().message);
        });
    bdf_.sync();
    set_state(s, std::move(reason));
    write_metadata();
}

void ProfileRun::interrupt(const std::string& reason, bool stop_module) {
    phase_ = Phase::idle;
    if (stop_module)
        own_stop([id = id_](Result<void> r) {
            if (!r) spdlog::warn("profile run {}: stop after the interruption: {}", id, r.error().message);
        });
    bdf_.sync();
    spdlog::warn("profile run {} on {} interrupted: {}", id_, module_key_, reason);
    set_state(RunState::interrupted, reason);
    write_metadata();
}

// ---- operator control ----------------------------------------------------------------------

void ProfileRun::pause(engine::Done done) {
    if (state_ != RunState::running)
        return done(refused("profile run " + id_ + " is " + std::string(name_of(state_)) + "; only a running run pauses"));
    phase_ = Phase::idle;
    set_state(RunState::paused, "paused by an operator");
    own_stop(std::move(done));
}

void ProfileRun::resume(engine::Done done) { resume_from(false, std::move(done)); }
void ProfileRun::restart_step(engine::Done done) { resume_from(true, std::move(done)); }

void ProfileRun::resume_from(bool restart, engine::Done done) {
    if (state_ != RunState::paused && state_ != RunState::interrupted)
        return done(refused("profile run " + id_ + " is " + std::string(name_of(state_)) +
                            "; only a paused or interrupted run resumes"));
    if (step() == nullptr) return done(refused("profile run " + id_ + " has no step to resume"));
    const RunState before = state_;
    const std::string before_reason = reason_;
    set_state(RunState::preparing, restart ? "restarting the step" : "resuming");
    const auto gen = generation_;
    // Live validation again: the battery may have changed, the module restarted.
    prepare([this, alive = alive_, gen, restart, before, before_reason, done](Result<void> r) {
        if (!*alive) return;
        if (gen != generation_) return done(make_error(ErrorKind::cancelled, "profile run " + id_ + " changed meanwhile"));
        if (!r) {
            set_state(before, before_reason);
            return done(r.error());
        }
        stop_on_contact_ = false;
        set_state(RunState::running, "");
        last_sample_at_.reset();
        if (restart) --step_count_;  // the step counts once more: apply_step(fresh) increments it
        apply_step(restart, done);
    });
}

void ProfileRun::abort(engine::Done done) {
    if (is_final(state_)) return done(refused("profile run " + id_ + " is already " + std::string(name_of(state_))));
    if (const Step* s = step(); s != nullptr && state_ != RunState::preparing)
        records_.push_back({step_count_, s->where, s->label, std::string(name_of(s->type)), "aborted", step_time_s_,
                            step_ah_, step_wh_});
    phase_ = Phase::idle;
    bdf_.sync();
    set_state(RunState::aborted, "aborted by an operator");
    write_metadata();
    engine::Module* m = module();
    if (m == nullptr) return rack_.loop().post([done] { done(Result<void>{}); });
    own_stop(std::move(done));
}

// ---- events --------------------------------------------------------------------------------

void ProfileRun::on_module_changed(engine::Module& m, const engine::ModuleChange& change) {
    if (change.link && !m.connected() && (state_ == RunState::running || state_ == RunState::preparing))
        return interrupt("communication with PCS " + m.name() + " lost", true);
    if (stop_on_contact_ && m.connected() && (change.state || change.link) && m.running_state() &&
        m.power_stage_active()) {
        stop_on_contact_ = false;
        spdlog::warn("profile run {}: PCS {} is still energised after the restart; stopping it (the run is "
                     "interrupted and waits for an operator)", id_, m.name());
        own_stop([id = id_](Result<void> r) {
            if (!r) spdlog::warn("profile run {}: stop: {}", id, r.error().message);
        });
    }
}

void ProfileRun::on_module_removed() {
    if (state_ == RunState::running || state_ == RunState::preparing || state_ == RunState::paused)
        interrupt("PCS " + module_key_ + " is no longer served", false);
}

void ProfileRun::on_foreign_stop(bool emergency) {
    if (calling_) return;
    if (state_ == RunState::running || state_ == RunState::preparing || (emergency && state_ == RunState::paused))
        interrupt(emergency ? "emergency stop of the module" : "the module was stopped by a Stop call", false);
}

void ProfileRun::on_daemon_stopping() {
    // The shutdown sequence stops the module (on_shutdown = stop) or leaves it to the daemon's
    // return, which finds the run interrupted and stops it (leave-running).
    if (state_ == RunState::running || state_ == RunState::preparing || state_ == RunState::paused)
        interrupt("ystpcsd stopped during the run", false);
}

// ---- journal ------------------------------------------------------------------------------

json ProfileRun::journal_json() const {
    json pos = json::array();
    for (const auto& l : pos_) pos.push_back({{"index", l.index}, {"iteration", l.iteration}});
    json recs = json::array();
    for (const auto& r : records_)
        recs.push_back({{"step_count", r.step_count}, {"where", r.where}, {"label", r.label}, {"type", r.type},
                        {"end_reason", r.end_reason}, {"duration_s", r.duration_s}, {"ah", r.ah}, {"wh", r.wh}});
    return {{"format", "ystpcs-profile-journal"},
            {"version", 1},
            {"id", id_},
            {"module", module_key_},
            {"state", name_of(state_)},
            {"reason", reason_},
            {"position", pos},
            {"step_count", step_count_},
            {"cycle", cycle_},
            {"test_time_s", test_time_s_},
            {"step_time_s", step_time_s_},
            {"step_ah", step_ah_},
            {"step_wh", step_wh_},
            {"totals", {{"charge_ah", totals_.charge_ah}, {"discharge_ah", totals_.discharge_ah},
                        {"charge_wh", totals_.charge_wh}, {"discharge_wh", totals_.discharge_wh}}},
            {"records", recs},
            {"started_unix_s", started_unix_s_},
            {"profile", profile_.text}};
}

void ProfileRun::journal() {
    last_journal_ = rack_.loop().now();
    if (paths_.journal.empty()) return;
    if (auto ok = engine::replace_durably(paths_.journal, journal_json().dump() + "\n"); !ok)
        spdlog::error("profile run {}: journal: {}", id_, ok.error().message);
}

void ProfileRun::write_metadata() {
    if (paths_.metadata.empty()) return;
    json steps = json::array();
    for (const auto& r : records_)
        steps.push_back({{"step_count", r.step_count}, {"where", r.where}, {"label", r.label}, {"type", r.type},
                         {"end_reason", r.end_reason}, {"duration_second", r.duration_s}, {"capacity_ah", r.ah},
                         {"energy_wh", r.wh}});
    json firmware = json::object();
    if (engine::Module* m = module()) {
        if (m->versions().arm) firmware["arm"] = protocol::software_text(*m->versions().arm);
        if (m->versions().dsp) firmware["dsp"] = protocol::software_text(*m->versions().dsp);
    }
    json columns = json::array();
    for (const char* c : kBdfColumns) columns.push_back(c);
    const json meta{{"format", "Battery Data Format (BDF) sidecar, ystpcs"},
                    {"data_file", paths_.csv.substr(paths_.csv.find_last_of('/') + 1)},
                    {"columns", columns},
                    {"current_sign", "current_ampere and power_watt are positive when charging the battery; the PCS "
                                     "reports charging current negative, so ystpcsd flipped its sign"},
                    {"capacity_energy", "charging_/discharging_capacity_ah and _energy_wh count from the start of the "
                                        "run, integrated by ystpcsd from the module's DC measurements"},
                    {"cycle_count", "the iteration of the outermost repeat block (0 before the first)"},
                    {"run", id_},
                    {"module", module_key_},
                    {"firmware", firmware},
                    {"profile_name", profile_.name},
                    {"profile_sha256", profile_.hash},
                    {"started_unix_second", started_unix_s_},
                    {"state", name_of(state_)},
                    {"reason", reason_},
                    {"steps", steps}};
    // Not fsync'd: the journal (which is) holds all of it, and the loop must not wait twice.
    if (auto ok = engine::replace_durably(paths_.metadata, meta.dump(2) + "\n", false); !ok)
        spdlog::warn("profile run {}: {}", id_, ok.error().message);
}

Result<std::unique_ptr<ProfileRun>> ProfileRun::restore(const std::string& text, RunPaths paths, engine::Rack& rack,
                                                        engine::Operations& ops, Changed changed) {
    const std::string where = paths.journal;
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("format", "") != "ystpcs-profile-journal")
        return make_error(ErrorKind::invalid_argument, paths.journal + " is not a profile journal");
    try {
        auto profile = parse_profile(j.at("profile").get<std::string>());
        if (!profile) return make_error(ErrorKind::invalid_argument, paths.journal + ": its profile: " + profile.error().message);
        auto run = std::make_unique<ProfileRun>(j.at("id").get<std::string>(), std::move(profile).value(),
                                                j.at("module").get<std::string>(), std::move(paths), rack, ops,
                                                std::move(changed));
        const std::string state = j.at("state").get<std::string>();
        for (const auto& [k, v] : kStates)
            if (v == state) run->state_ = k;
        run->reason_ = j.value("reason", "");
        for (const auto& l : j.at("position")) run->pos_.push_back(Level{l.at("index").get<std::size_t>(), l.at("iteration").get<long>()});
        run->step_count_ = j.value("step_count", std::uint64_t{0});
        run->cycle_ = j.value("cycle", 0L);
        run->test_time_s_ = j.value("test_time_s", 0.0);
        run->step_time_s_ = j.value("step_time_s", 0.0);
        run->step_ah_ = j.value("step_ah", 0.0);
        run->step_wh_ = j.value("step_wh", 0.0);
        const auto& t = j.at("totals");
        run->totals_ = {t.value("charge_ah", 0.0), t.value("discharge_ah", 0.0), t.value("charge_wh", 0.0), t.value("discharge_wh", 0.0)};
        for (const auto& r : j.at("records"))
            run->records_.push_back({r.value("step_count", std::uint64_t{0}), r.value("where", ""), r.value("label", ""),
                                     r.value("type", ""), r.value("end_reason", ""), r.value("duration_s", 0.0),
                                     r.value("ah", 0.0), r.value("wh", 0.0)});
        run->started_unix_s_ = j.value("started_unix_s", 0.0);
        // Check the position against the profile: a damaged journal must not index out of it.
        // A finished run has none (it ended past its last step).
        if (is_final(run->state_)) run->pos_.clear();
        for (std::size_t k = 0; k < run->pos_.size(); ++k)
            if (run->pos_[k].index >= run->block(k).size() || (k + 1 < run->pos_.size() && !run->block(k)[run->pos_[k].index].repeat))
                return make_error(ErrorKind::invalid_argument, run->paths_.journal + ": position outside the profile");
        if (run->state_ == RunState::running || run->state_ == RunState::preparing || run->state_ == RunState::paused) {
            run->reason_ = "ystpcsd restarted while the run was " + state +
                           "; nothing is restarted by itself: resume, restart-step or abort";
            run->state_ = RunState::interrupted;
            run->stop_on_contact_ = true;
            run->journal();
            run->write_metadata();
        } else if (run->state_ == RunState::interrupted) {
            run->stop_on_contact_ = true;
        }
        return run;
    } catch (const json::exception& e) {
        return make_error(ErrorKind::invalid_argument, where + ": " + e.what());
    }
}

}  // namespace ystpcs::profile
