#include "engine/module.h"

#include <spdlog/spdlog.h>

#include "protocol/running_states.h"

namespace ystpcs::engine {

using namespace protocol;

namespace {
constexpr std::size_t kMaxQueuedControl = 8;
constexpr std::size_t kMaxQueuedReads = 4;
}

Module::Module(ModuleId id, runtime::EventLoop& loop, transport::CanTransport& transport, const EngineOptions& options,
               CommandedStateStore& store, bool configured)
    : id_(std::move(id)),
      name_(id_.key()),
      loop_(loop),
      transport_(transport),
      options_(options),
      store_(store),
      configured_(configured),
      external_data_(name_, options.external_data_for(name_)),
      channel_(loop, transport, "PCS " + id_.key(), CommandTiming{options.reply_timeout, options.retries},
               counters_.commands),
      queue_(loop, *this, channel_, kMaxQueuedControl, kMaxQueuedReads) {
    latched_ = store_.get(name_).emergency_stop;
    if (latched_)
        spdlog::warn("{}: emergency stop latched before the restart: heartbeat state 3 until faults are cleared", name_);
}

Module::~Module() = default;

std::map<std::string, std::uint64_t> named_counters(const ModuleCounters& c) {
    return {{"rx", c.rx},
            {"tx", c.commands.tx + c.heartbeats},
            {"heartbeats", c.heartbeats},
            {"decode_errors", c.decode_errors},
            {"unknown_frames", c.unknown_frames},
            {"replies", c.commands.replies},
            {"late_replies", c.commands.late_replies},
            {"timeouts", c.commands.timeouts},
            {"retries", c.commands.retries},
            {"rejected", c.commands.rejected},
            {"withdrawn", c.commands.withdrawn},
            {"links_lost", c.links_lost}};
}

void Module::on_frame(const DecodedFrame& frame, const transport::ReceivedFrame& rx) {
    ModuleChange change;
    ++counters_.rx;
    last_seen_ = rx.received;
    last_seen_wall_ = rx.timestamp;
    if (!connected_) {
        connected_ = true;
        change.link = true;
        spdlog::info("{}: communication {}", name_, counters_.links_lost > 0 ? "restored" : "established");
    }
    change.values = values_.store(frame, rx.received, rx.timestamp);
    switch (frame.def->pf) {
        case pf::state_fault:
            update_state(static_cast<std::uint8_t>(frame.raw[0]), static_cast<std::uint16_t>(frame.raw[1]), change);
            break;
        case pf::protection_1:
        case pf::protection_2:
        case pf::protection_3: {
            const ProtectionLimits before = limits_;
            store_protection_frame(limits_, frame);
            change.limits = !(before == limits_);
            break;
        }
        case pf::arm_version:
        case pf::dsp_version: {
            std::array<std::uint8_t, 6> v{};
            for (std::size_t i = 0; i < 6; ++i) v[i] = static_cast<std::uint8_t>(frame.raw[i]);
            auto& slot = frame.def->pf == pf::arm_version ? versions_.arm : versions_.dsp;
            change.versions = slot != v;
            slot = v;
            break;
        }
        // A mode reading arrives as 0x36, 0x37, 0x38. The code alone is knowledge already: a
        // PCS that never sends the parameter frames still says which mode it is in.
        case pf::mode_reading: {
            const WorkingMode m{static_cast<std::uint8_t>(frame.raw[0]), {}, true, false};
            change.mode = mode_ != m;
            mode_ = m;
            break;
        }
        case pf::mode_params_12_reading:
        case pf::mode_params_34_reading: {
            if (!mode_ || !mode_->reported) break;  // parameters without their code mean nothing
            WorkingMode m = *mode_;
            const std::size_t first = frame.def->pf == pf::mode_params_12_reading ? 0 : 2;
            m.raw[first] = static_cast<std::int32_t>(frame.raw[0]);
            m.raw[first + 1] = static_cast<std::int32_t>(frame.raw[1]);
            if (frame.def->pf == pf::mode_params_34_reading) m.params_known = true;
            change.mode = mode_ != m;
            mode_ = m;
            break;
        }
        default: break;
    }
    channel_.on_frame(frame);
    notify(change);
    if (change.state) queue_.state_changed();
}

void Module::count_undecodable(const NotDecodable& why) {
    ++counters_.rx;
    if (why.issue == DecodeIssue::unknown_pf) ++counters_.unknown_frames;
    else ++counters_.decode_errors;
    spdlog::debug("{}: ignored a frame: {}", name_, why.reason);
}

bool Module::power_stage_active() const { return !state_ || protocol::power_stage_active(*state_); }

void Module::update_state(std::uint8_t state, std::uint16_t fault, ModuleChange& change) {
    const bool was_active = state_ && protocol::power_stage_active(*state_);
    const bool active = protocol::power_stage_active(state);
    if (was_active && !active) {
        StopContext context{.emergency_stop_latched = latched_,
                            .controller_shutdown = health_ == ControllerHealth::shutdown,
                            .fault_code = fault,
                            .stop_requested_by = stop_requested_by_,
                            .mode_code = mode_ ? std::optional<std::uint8_t>(mode_->code) : std::nullopt};
        stop_reason_ = judge_stop(context);
        change.stop_reason = true;
        spdlog::info("{}: stopped: {} ({})", name_, stop_cause_name(stop_reason_->cause), stop_reason_->text);
    } else if (active && !was_active && stop_reason_) {
        stop_reason_.reset();
        change.stop_reason = true;
    }
    if (state_ != state) {
        change.state = true;
        state_ = state;
        spdlog::info("{}: running state {} ({})", name_, state, running_state_name(state));
    }
    if (fault_ != fault) {
        change.fault = true;
        if (fault != 0) spdlog::warn("{}: fault {} ({})", name_, fault, fault_info(fault).meaning);
        else if (fault_.value_or(0) != 0) spdlog::info("{}: fault cleared", name_);
        change.fault_cleared = fault == 0 && fault_.value_or(0) != 0;
        fault_ = fault;
    }
    // A change of the running state also changes what byte 1 of 0x0F would repeat.
    change.commanded = change.commanded || change.state;
}

void Module::check_link(runtime::Instant now) {
    if (!connected_ || !last_seen_ || now - *last_seen_ < options_.link_timeout) return;
    connected_ = false;
    ++counters_.links_lost;
    spdlog::warn("{}: communication lost (no frame for {:.1f} s); values are stale", name_,
                 runtime::seconds(now - *last_seen_));
    ModuleChange change;
    change.link = true;
    notify(change);
}

CommandedFlags Module::commanded() const { return store_.get(name_); }

std::optional<bool> Module::confirmed_start() const {
    if (start_this_life_) return start_this_life_;
    const auto hint = store_.get(name_).start;
    if (!hint || !state_) return std::nullopt;
    // The stored value is only a hint: believed where the module's own state agrees.
    if (*hint == protocol::power_stage_active(*state_)) return hint;
    return std::nullopt;
}

void Module::persist(const CommandedFlags& flags) {
    if (const auto r = store_.set(name_, flags); !r)
        spdlog::error("{}: cannot persist the commanded 0x0F bytes: {}", name_, r.error().message);
    ModuleChange change;
    change.commanded = true;
    notify(change);
}

void Module::note_stop_request(std::string who) { stop_requested_by_ = std::move(who); }

void Module::note_start_stop(std::optional<bool> start) {
    start_this_life_ = start;
    if (start.value_or(false)) stop_requested_by_.reset();
    if (!start) {
        ModuleChange change;
        change.commanded = true;
        notify(change);
        return;
    }
    CommandedFlags f = commanded();
    f.start = start;
    persist(f);
}

void Module::note_self_start(std::optional<bool> on) {
    CommandedFlags f = commanded();
    f.self_start = on;
    persist(f);
}

void Module::latch_emergency_stop() {
    const bool was = latched_ && !latch_suspended_;
    latched_ = true;
    latch_suspended_ = false;
    CommandedFlags f = commanded();
    f.emergency_stop = true;
    persist(f);
    if (!was) {
        ModuleChange change;
        change.health = true;
        notify(change);
    }
}

void Module::suspend_emergency_stop(bool suspended) {
    if (!latched_ || latch_suspended_ == suspended) return;
    latch_suspended_ = suspended;
    ModuleChange change;
    change.health = true;
    notify(change);
}

void Module::release_emergency_stop() {
    if (!latched_) return;
    latched_ = false;
    latch_suspended_ = false;
    CommandedFlags f = commanded();
    f.emergency_stop = false;
    persist(f);
    ModuleChange change;
    change.health = true;
    notify(change);
    spdlog::info("{}: emergency stop released", name_);
}

ControllerHealth Module::health() const {
    if (latched_ && !latch_suspended_) return ControllerHealth::emergency_stop;
    return health_;
}

void Module::set_health(ControllerHealth health) {
    if (health == ControllerHealth::emergency_stop) return latch_emergency_stop();
    if (health_ == health) return;
    health_ = health;
    ModuleChange change;
    change.health = true;
    notify(change);
}

void Module::send_heartbeat_now() {
    if (send_heartbeat_) send_heartbeat_(*this);
}

Result<void> Module::set_external_data_policy(const ExternalDataPolicy& policy) {
    const ExternalDataPolicy before = external_data_.policy();
    if (auto ok = external_data_.set_policy(policy); !ok) return ok;
    ModuleChange change;
    change.external_data = !(before == policy);
    notify(change);
    return {};
}

Result<void> Module::set_external_data_values(const ExternalDeviceData& values) {
    return external_data_.set_client_values(values, loop_.now());
}

std::optional<TimedValues> Module::dc_measurement() const {
    static constexpr auto kVoltage = signal_ref(pf::dc_output, "voltage_v");
    static constexpr auto kCurrent = signal_ref(pf::dc_output, "current_a");
    const LiveValue& v = values_.at(kVoltage);
    const LiveValue& i = values_.at(kCurrent);
    if (!v.known || !i.known) return std::nullopt;
    return TimedValues{{v.value, i.value}, std::min(v.received, i.received)};
}

void Module::note_external_data(const ExternalDataChoice& sent, bool zero_on_bus, const std::string& encode_error) {
    const auto u = external_data_.record(sent, zero_on_bus, versions_.arm, encode_error);
    ModuleChange change;
    change.external_data = u.status;
    change.external_data_values = u.values;
    notify(change);
}

void Module::set_commanded_mode(const WorkingMode& mode) {
    // A reading from the module is better knowledge than what was commanded, but a
    // successful command is newer than any earlier reading.
    ModuleChange change;
    change.mode = mode_ != mode;
    mode_ = mode;
    notify(change);
}

void Module::notify(const ModuleChange& change) {
    if (change.any() && observer_) observer_(*this, change);
}

}  // namespace ystpcs::engine
