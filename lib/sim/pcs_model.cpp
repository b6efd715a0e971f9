#include "sim/pcs_model.h"

#include <algorithm>
#include <cmath>

#include "protocol/replies.h"

namespace ystpcs::sim {

using namespace protocol;
using runtime::Instant;

namespace {

constexpr std::uint8_t kPeriodicFrames[] = {pf::dc_output,     pf::capacity_energy, pf::state_fault,  pf::grid_voltage,
                                            pf::grid_current,  pf::system_power,    pf::load_voltage, pf::load_current,
                                            pf::load_power,    pf::phase_a_power,   pf::phase_b_power, pf::phase_c_power,
                                            pf::precise_dc_output};

// A sensor saturates at the ends of what its field can carry; a simulated PCS reports the
// nearest representable value rather than nothing.
CanFrame encode_saturated(std::uint8_t pcs, std::uint8_t pf_code, std::array<double, kMaxSignals> values) {
    const FrameDef& def = *find_frame(pf_code);
    for (std::size_t i = 0; i < def.signals.size(); ++i) {
        const Range r = valid_range(def.signals[i]);
        values[i] = std::clamp(values[i], r.min, r.max);
    }
    auto f = encode(def, pcs, std::span<const double>(values.data(), def.signals.size()));
    return f.ok() ? f.value() : CanFrame{};
}

std::array<double, kMaxSignals> defaults_for_setting(std::uint8_t type) {
    switch (type) {
        case 0x01: return {750.0, 0.0};           // bus voltage 750 V, no reactive power
        case 0x02: return {0, 0, 0, 0};           // IO outputs off
        case 0x03: return {0};                    // split-phase disabled
        case 0x04: return {7};                    // A-phase host
        case 0x05: return {1, 1.0};               // power-factor control at 1.000
        case 0x06: return {0};                    // on/off-grid switching disabled
        case 0x07: return {0, 1, 1000};           // single module, 1 module, Hall ratio 1000
        case 0x08: return {0, 0, 1};              // single channel, no parallel, 1 channel
        case 0x09: return {0};                    // bus parallel disabled
        default: return {};
    }
}

bool is_operating_state(std::uint8_t s) { return power_stage_active(s) && s != running_state::soft_start; }

}  // namespace

ProtectionLimits default_limits(const PlantConfig& plant) {
    const auto& r = plant.rating;
    const double nominal = plant.battery.nominal_voltage_v;
    auto tenth = [](double v) { return std::round(v * 10.0) / 10.0; };
    ProtectionLimits l;
    l.set1 = ProtectionSet1{tenth(std::min(1000.0, nominal * 1.15)), tenth(std::max(0.0, nominal * 0.75)),
                            r.dc_current_max_a, r.dc_current_max_a};
    l.set2 = ProtectionSet2{r.rated_power_kw, r.rated_power_kw, 264.0, 176.0};  // faults 257/258
    l.set3 = ProtectionSet3{55.0, 45.0, 55, 45};
    return l;
}

PcsModel::PcsModel(PcsConfig config, FrameSink sink)
    : config_(std::move(config)), sink_(std::move(sink)), plant_(config_.plant), mode_(mode_code::standby) {
    limits_ = config_.limits.set1 ? config_.limits : default_limits(config_.plant);
    for (const auto& s : kSettings)
        if (s.write_pf != 0) settings_[s.type] = defaults_for_setting(s.type);
}

bool parse_software_version(std::string_view text, protocol::FirmwareVersion& version) {
    std::array<std::uint8_t, 3> parts{};
    std::size_t part = 0;
    unsigned value = 0;
    bool digits = false;
    for (const char c : text) {
        if (c >= '0' && c <= '9') {
            value = value * 10 + static_cast<unsigned>(c - '0');
            digits = true;
            if (value > 255) return false;
        } else if (c == '.' && digits && part < 2) {
            parts[part++] = static_cast<std::uint8_t>(value);
            value = 0;
            digits = false;
        } else {
            return false;
        }
    }
    if (!digits || part != 2) return false;
    parts[2] = static_cast<std::uint8_t>(value);
    std::copy(parts.begin(), parts.end(), version.begin() + 3);
    return true;
}

// ---- time ---------------------------------------------------------------------------------

void PcsModel::power_on(Instant now) {
    powered_ = true;
    physics_time_ = now;
    next_periodic_ = now;
    silent_until_ = now;
    last_heard_.reset();
    fault_ = 0;
    self_check_until_ = now + config_.self_check;
    set_state(running_state::self_check);
}

Instant PcsModel::next_deadline() const {
    Instant t = next_periodic_;
    if (state_ == running_state::self_check) t = std::min(t, self_check_until_);
    if (state_ == running_state::soft_start) t = std::min(t, soft_start_until_);
    if (last_heard_) t = std::min(t, *last_heard_ + config_.heartbeat_timeout);
    return t;
}

void PcsModel::advance(Instant now) {
    while (powered_) {
        const Instant t = next_deadline();
        if (t > now) break;
        step_physics(t);
        if (state_ == running_state::self_check && t >= self_check_until_) {
            set_state(running_state::standby);
            // Power-on self-start: the last mode again, as if the controller had said start.
            if (self_start_) start(t);
        }
        if (state_ == running_state::soft_start && t >= soft_start_until_) set_state(operating_state());
        if (last_heard_ && t >= *last_heard_ + config_.heartbeat_timeout) {
            last_heard_.reset();  // raised once; the next frame from a controller re-arms it
            raise_fault(fault_code::can1_communication);
        }
        if (t >= next_periodic_) {
            send_periodic();
            next_periodic_ += config_.period;  // absolute: the n-th frame at t0 + n·period
        }
    }
    step_physics(now);
}

void PcsModel::step_physics(Instant until) {
    while (physics_time_ < until) {
        const Instant next = std::min(until, physics_time_ + config_.physics_step);
        const double dt = runtime::seconds(next - physics_time_);
        physics_time_ = next;
        // Stepped while stopped too: temperatures relax.
        const PlantEvent e = plant_.step(dt, limits_);
        switch (e) {
            case PlantEvent::none: break;
            case PlantEvent::finished: set_state(running_state::stop); break;
            case PlantEvent::over_voltage: raise_fault(fault_code::battery_over_voltage); break;
            case PlantEvent::under_voltage: raise_fault(fault_code::battery_under_voltage); break;
            case PlantEvent::over_current: raise_fault(fault_code::over_current); break;
            case PlantEvent::over_power: raise_fault(fault_code::over_power); break;
            case PlantEvent::over_temperature: raise_fault(fault_code::over_temperature); break;
        }
        // CC-CV moves between constant-current and constant-voltage operation.
        if (plant_.running() && is_operating_state(state_) && operating_state() != state_) set_state(operating_state());
    }
}

// ---- state --------------------------------------------------------------------------------

std::uint8_t PcsModel::operating_state() const {
    switch (plant_.regulation()) {
        case Regulation::constant_current: return running_state::constant_current;
        case Regulation::constant_voltage: return running_state::constant_voltage;
        case Regulation::ac_power: return running_state::ac_constant_power;
        case Regulation::off_grid: return running_state::off_grid_inverter;
        case Regulation::idle: return mode_ == mode_code::standby ? running_state::standby : running_state::short_idle;
        case Regulation::off: break;
    }
    return running_state::stop;
}

std::array<double, kMaxModeParams> PcsModel::engineering_params() const {
    std::array<double, kMaxModeParams> out{};
    if (const ModeDef* m = find_mode(mode_))
        for (std::size_t i = 0; i < m->params.size(); ++i) out[i] = mode_param_from_raw(m->params[i], raw_params_[i]);
    return out;
}

bool PcsModel::start(Instant now) {
    const ModeDef* m = find_mode(mode_);
    if (fault_ != 0 || m == nullptr || state_ == running_state::self_check) return false;
    plant_.start(*m, engineering_params());
    soft_start_until_ = now + config_.soft_start;
    set_state(running_state::soft_start);
    return true;
}

void PcsModel::stop() {
    plant_.stop();
    set_state(running_state::stop);
}

void PcsModel::raise_fault(std::uint16_t code) {
    plant_.stop();
    const bool changed = fault_ != code || state_ != running_state::fault;
    fault_ = code;
    if (state_ != running_state::fault) {
        set_state(running_state::fault);
    } else if (changed) {
        send_state_fault();
        if (observer_) observer_(*this);
    }
}

void PcsModel::clear_fault() {
    if (state_ != running_state::fault && fault_ == 0) return;
    fault_ = 0;
    set_state(running_state::standby);
}

void PcsModel::set_state(std::uint8_t state) {
    if (state == state_) return;
    state_ = state;
    send_state_fault();  // 0x13 also goes out at once on a change of state or fault
    if (observer_) observer_(*this);
}

// ---- frames in ----------------------------------------------------------------------------

void PcsModel::on_frame(const CanFrame& frame, Instant now) {
    if (!powered_) return;
    const Ownership owner = classify(frame);
    const bool for_me = (owner.traffic == Traffic::to_pcs && owner.pcs == config_.address) ||
                        owner.traffic == Traffic::broadcast;
    if (!for_me) return;
    advance(now);
    ++commands_received_;
    const DecodeOutcome d = decode(frame);
    if (d.ok() && d.frame().def->pf == pf::heartbeat) {
        last_heartbeat_data_ = external_device_data(d.frame());
        if (carries_zero_dc(d.frame()) && !accepts_zero_dc(config_.firmware.arm)) {
            // What the reference implies for older firmware: a zero heartbeat is not one. It
            // counts as missing, state byte included: it never keeps the communication alive
            // (it only starts the 5 s clock when nothing did), so 0x800D follows.
            ++heartbeats_refused_;
            if (!last_heard_) last_heard_ = now;
            return;
        }
    }
    last_heard_ = now;  // any frame from the controller keeps the communication alive
    if (!d.ok()) return;  // a real PCS ignores what it cannot parse
    handle_command(d.frame(), now);
}

void PcsModel::handle_command(const DecodedFrame& cmd, Instant now) {
    if (refuse_commands_ > 0 && refuse(cmd)) return;
    switch (cmd.def->pf) {
        case pf::heartbeat: handle_heartbeat(cmd, now); return;
        case pf::read_protection: {
            const auto* set = find_protection_set(cmd.raw[0]);
            if (set == nullptr) return;  // no such set: no answer
            std::array<double, kMaxSignals> v{};
            const auto values = set->type == 1   ? values_of(*limits_.set1)
                                : set->type == 2 ? values_of(*limits_.set2)
                                                 : values_of(*limits_.set3);
            std::copy(values.begin(), values.end(), v.begin());
            reply_values(set->reading_pf, v);
            return;
        }
        case pf::write_protection_1:
        case pf::write_protection_2:
        case pf::write_protection_3: handle_protection_write(cmd); return;
        case pf::set_clock: {
            // A PCS has a real-time clock; the simulator only checks the date is valid.
            reply(pf::set_clock_result, {check_values(cmd).ok() ? 1.0 : 0.0});
            return;
        }
        case pf::set_mode: handle_mode(cmd); return;
        case pf::mode_params_12:
        case pf::mode_params_34: handle_mode_params(cmd); return;
        case pf::start_stop: handle_start_stop(cmd, now); return;
        case pf::phase_active_power:
        case pf::phase_reactive_power: {
            bool ok = check_values(cmd).ok();
            const std::array<double, 3> v{cmd.value[0], cmd.value[1], cmd.value[2]};
            if (ok && cmd.def->pf == pf::phase_active_power) ok = check_phase_active_power(v, limits_).ok();
            if (ok) (cmd.def->pf == pf::phase_active_power ? phase_active_kw_ : phase_reactive_kvar_) = v;
            reply(pf::mode_result, {ok ? 1.0 : 0.0});
            return;
        }
        case pf::read_setting: handle_read_setting(static_cast<std::uint8_t>(cmd.raw[0])); return;
        default: break;
    }
    if (find_setting_by_write_pf(cmd.def->pf) != nullptr) handle_setting_write(cmd);
}

void PcsModel::handle_heartbeat(const DecodedFrame& cmd, Instant) {
    // "A PCS that sees 0x03 shuts down and reports an external-device fault."
    if (cmd.raw[2] == controller_state::fault && state_ != running_state::fault) raise_fault(kExternalDeviceFault);
}

void PcsModel::handle_start_stop(const DecodedFrame& cmd, Instant now) {
    if (!check_values(cmd).ok()) {
        reply(pf::start_stop_result, {0});
        return;
    }
    // Three independent commands; each byte is taken as it is (the controller repeats the
    // two it does not change). Clear first, so that "clear + start" restarts a faulted PCS.
    self_start_ = cmd.raw[2] == 1;
    if (cmd.raw[1] == 1) clear_fault();
    bool ok = true;
    if (cmd.raw[0] == 1) {
        if (!plant_.running()) ok = start(now);
    } else if (plant_.running()) {
        stop();
    }
    reply(pf::start_stop_result, {ok ? 1.0 : 0.0});
}

void PcsModel::handle_mode(const DecodedFrame& cmd) {
    // "The working mode cannot be changed while the PCS runs." Started in idle or standby
    // mode, nothing runs: the change is allowed and ends that idle run.
    const bool ok = !power_stage_active(state_) && check_values(cmd).ok();
    if (ok) {
        if (plant_.running()) stop();
        mode_ = static_cast<std::uint8_t>(cmd.raw[0]);
        raw_params_ = {};
    }
    reply(pf::mode_result, {ok ? 1.0 : 0.0});
}

void PcsModel::handle_mode_params(const DecodedFrame& cmd) {
    const ModeDef* m = find_mode(mode_);
    bool ok = m != nullptr;
    std::array<std::int32_t, kMaxModeParams> next = raw_params_;
    for (std::size_t i = 0; ok && i < cmd.def->signals.size(); ++i) {
        const std::size_t index = cmd.def->first_mode_param + i;
        const auto raw = static_cast<std::int32_t>(cmd.raw[i]);
        // Set-points must stay inside the mode's definition and the protection parameters.
        if (index < m->params.size()) ok = check_setpoint(*m, index, mode_param_from_raw(m->params[index], raw), limits_).ok();
        next[index] = raw;
    }
    if (ok) {
        raw_params_ = next;
        if (plant_.running()) plant_.update_params(engineering_params());
    }
    reply(pf::mode_result, {ok ? 1.0 : 0.0});
}

void PcsModel::handle_protection_write(const DecodedFrame& cmd) {
    const auto* set = find_protection_set_by_write_pf(cmd.def->pf);
    bool ok = check_values(cmd).ok();
    ProtectionLimits next = limits_;
    if (ok) {
        store_protection_frame(next, cmd);
        ok = check_consistent(*next.set1).ok() && check_consistent(*next.set2).ok() && check_consistent(*next.set3).ok();
    }
    if (ok) limits_ = next;
    reply(pf::protection_write_result, {static_cast<double>(set->type), ok ? 1.0 : 0.0});
}

void PcsModel::handle_setting_write(const DecodedFrame& cmd) {
    const auto* s = find_setting_by_write_pf(cmd.def->pf);
    const bool ok = check_values(cmd).ok();
    if (ok) std::copy(cmd.value.begin(), cmd.value.end(), settings_[s->type].begin());
    reply(pf::setting_result, {static_cast<double>(s->type), ok ? 1.0 : 0.0});
}

void PcsModel::handle_read_setting(std::uint8_t type) {
    const SettingDef* s = find_setting(type);
    if (s == nullptr) return;
    if (type == 0x02) {  // the read answers the inputs (and two analogue inputs), not the outputs
        reply(pf::io_inputs, {double(io_inputs_[0]), double(io_inputs_[1]), double(io_inputs_[2]),
                              double(io_inputs_[3]), 2.5, 1.25});
        return;
    }
    if (type == 0x0A) {
        const auto& a = config_.firmware.arm;
        const auto& d = config_.firmware.dsp;
        reply(pf::arm_version, {double(a[0]), double(a[1]), double(a[2]), double(a[3]), double(a[4]), double(a[5])});
        reply(pf::dsp_version, {double(d[0]), double(d[1]), double(d[2]), double(d[3]), double(d[4]), double(d[5])});
        return;
    }
    if (type == 0x0B) {
        reply(pf::mode_reading, {double(mode_)});
        reply(pf::mode_params_12_reading, {double(raw_params_[0]), double(raw_params_[1])});
        reply(pf::mode_params_34_reading, {double(raw_params_[2]), double(raw_params_[3])});
        return;
    }
    reply_values(s->read_pfs[0], settings_[type]);
}

// ---- frames out ---------------------------------------------------------------------------

void PcsModel::send_periodic() {
    const Measurements m = plant_.measure();
    for (std::uint8_t p : kPeriodicFrames) {
        std::array<double, kMaxSignals> v{};
        switch (p) {
            case pf::dc_output: v = {m.dc_voltage_v, m.dc_current_a, m.dc_power_kw, m.inlet_temperature_c}; break;
            case pf::capacity_energy: v = {m.capacity_ah, m.energy_wh, m.outlet_temperature_c}; break;
            case pf::state_fault: v = {double(reported_state()), double(fault_)}; break;
            case pf::grid_voltage: v = {m.grid_voltage_v[0], m.grid_voltage_v[1], m.grid_voltage_v[2]}; break;
            case pf::grid_current:
                v = {m.grid_current_a[0], m.grid_current_a[1], m.grid_current_a[2], m.grid_power_factor};
                break;
            case pf::system_power:
                v = {m.system_active_kw, m.system_reactive_kvar, m.system_apparent_kva, m.grid_frequency_hz};
                break;
            case pf::load_voltage: v = {m.load_voltage_v[0], m.load_voltage_v[1], m.load_voltage_v[2]}; break;
            case pf::load_current: v = {m.load_current_a[0], m.load_current_a[1], m.load_current_a[2]}; break;
            case pf::load_power: v = {m.load_active_kw, m.load_reactive_kvar, m.load_apparent_kva}; break;
            case pf::phase_a_power:
            case pf::phase_b_power:
            case pf::phase_c_power: {
                const std::size_t ph = p - pf::phase_a_power;
                v = {m.phase_active_kw[ph], m.phase_reactive_kvar[ph], m.phase_apparent_kva[ph]};
                break;
            }
            case pf::precise_dc_output: v = {m.dc_voltage_v, m.dc_current_a}; break;
            default: continue;
        }
        CanFrame f = encode_saturated(config_.address, p, v);
        if (corrupt_frames_ > 0) {
            --corrupt_frames_;
            switch (corrupt_kind_++ % 3) {
                case 0: f.dlc = 4; break;                                       // short frame
                case 1: f.id = from_pcs_id(0x99, config_.address); break;       // unknown PF
                default: f.extended = false; f.id &= 0x7FF; break;              // standard identifier
            }
        }
        emit(f, false);
    }
}

void PcsModel::send_state_fault() {
    emit(encode_saturated(config_.address, pf::state_fault, {double(reported_state()), double(fault_)}), false);
}

void PcsModel::reply(std::uint8_t pf_code, std::initializer_list<double> values) {
    std::array<double, kMaxSignals> v{};
    std::copy(values.begin(), values.end(), v.begin());
    reply_values(pf_code, v);
}

void PcsModel::reply_values(std::uint8_t pf_code, const std::array<double, kMaxSignals>& values) {
    emit(encode_saturated(config_.address, pf_code, values), true);
}

void PcsModel::emit(const CanFrame& frame, bool is_reply) {
    if (is_reply && drop_replies_ > 0) {
        --drop_replies_;
        return;
    }
    if (silent(physics_time_)) return;
    ++frames_sent_;
    sink_(frame);
}

bool PcsModel::silent(Instant now) const { return now < silent_until_; }

// ---- control ------------------------------------------------------------------------------

void PcsModel::inject_fault(std::uint16_t code, Instant now) {
    advance(now);
    if (code == 0) clear_fault();
    else raise_fault(code);
}

void PcsModel::go_silent(runtime::Duration duration, Instant now) {
    advance(now);
    silent_until_ = now + duration;
}

void PcsModel::drop_replies(unsigned count) { drop_replies_ = count; }

void PcsModel::refuse_commands(unsigned count) { refuse_commands_ = count; }

bool PcsModel::refuse(const DecodedFrame& cmd) {
    // Only commands answered by a result frame can say "failure"; they are not executed.
    const auto expect = expected_reply(cmd.def->pf, static_cast<std::uint8_t>(cmd.raw[0]));
    if (!expect) return false;
    const FrameDef* result = find_frame(expect->frames[0].pf);
    if (result == nullptr || result->role != FrameRole::result) return false;
    --refuse_commands_;
    if (expect->frames[0].type) reply(result->pf, {double(*expect->frames[0].type), 0.0});
    else reply(result->pf, {0.0});
    return true;
}

void PcsModel::corrupt_frames(unsigned count) { corrupt_frames_ = count; }

void PcsModel::misreport_state(std::optional<std::uint8_t> state) {
    const std::uint8_t before = reported_state();
    misreported_state_ = state;
    if (reported_state() != before) send_state_fault();  // a change of the reported state goes out at once
}

std::uint8_t PcsModel::reported_state() const {
    return misreported_state_ && is_operating_state(state_) ? *misreported_state_ : state_;
}

void PcsModel::power_cycle(Instant now) {
    advance(now);
    plant_.stop();
    // Settings, limits, mode, parameters and the self-start flag survive in the PCS's flash.
    power_on(now);
}

void PcsModel::set_soc(double soc) { plant_.set_soc(soc); }

void PcsModel::set_io_inputs(const std::array<std::uint8_t, 4>& inputs) { io_inputs_ = inputs; }

nlohmann::ordered_json PcsModel::state_json(Instant now) const {
    nlohmann::ordered_json j;
    j["address"] = config_.address;
    j["state"] = state_;
    j["state_name"] = std::string(running_state_name(state_));
    j["reported_state"] = reported_state();
    j["misreport"] = misreported_state_ ? nlohmann::ordered_json(*misreported_state_) : nlohmann::ordered_json(nullptr);
    j["fault_code"] = fault_;
    j["fault_text"] = std::string(fault_info(fault_).meaning);
    const ModeDef* m = find_mode(mode_);
    j["mode"] = m ? std::string(m->name) : "unknown";
    auto params = nlohmann::ordered_json::object();
    const auto eng = engineering_params();
    if (m)
        for (std::size_t i = 0; i < m->params.size(); ++i) params[std::string(m->params[i].name)] = eng[i];
    j["params"] = params;
    j["self_start"] = self_start_;
    j["running"] = plant_.running();
    j["soc"] = plant_.soc();
    j["voltage_v"] = plant_.terminal_voltage_v();
    j["current_a"] = plant_.current_a();
    j["silent"] = silent(now);
    j["controller_heard_s_ago"] =
        last_heard_ ? nlohmann::ordered_json(runtime::seconds(now - *last_heard_)) : nlohmann::ordered_json(nullptr);
    j["limits"] = {{"max_output_voltage_v", limits_.set1->max_output_voltage_v},
                   {"min_output_voltage_v", limits_.set1->min_output_voltage_v},
                   {"max_charge_current_a", limits_.set1->max_charge_current_a},
                   {"max_discharge_current_a", limits_.set1->max_discharge_current_a},
                   {"max_charge_power_kw", limits_.set2->max_charge_power_kw},
                   {"max_discharge_power_kw", limits_.set2->max_discharge_power_kw}};
    j["arm_software"] = software_text(config_.firmware.arm);
    j["accepts_zero_heartbeat"] = accepts_zero_dc(config_.firmware.arm);
    j["heartbeats_refused"] = heartbeats_refused_;
    j["heartbeat_dc"] = last_heartbeat_data_ ? nlohmann::ordered_json{{"voltage_v", last_heartbeat_data_->dc_voltage_v},
                                                                      {"current_a", last_heartbeat_data_->dc_current_a}}
                                             : nlohmann::ordered_json(nullptr);
    j["frames_sent"] = frames_sent_;
    j["commands_received"] = commands_received_;
    return j;
}

}  // namespace ystpcs::sim
