#include "engine/module.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "protocol/running_states.h"

namespace ystpcs::engine {

using namespace protocol;

Module::Module(ModuleId id, runtime::EventLoop& loop, transport::CanTransport& transport, const EngineOptions& options,
               CommandedStateStore& store, bool configured)
    : id_(std::move(id)),
      name_(id_.key()),
      loop_(loop),
      transport_(transport),
      options_(options),
      store_(store),
      configured_(configured),
      commands_(loop, transport, "PCS " + id_.key(), CommandTiming{options.reply_timeout, options.retries},
                counters_.commands) {}

std::map<std::string, std::uint64_t> named_counters(const ModuleCounters& c) {
    return {{"rx", c.rx},
            {"tx", c.commands.tx + c.heartbeats},
            {"heartbeats", c.heartbeats},
            {"decode_errors", c.decode_errors},
            {"unknown_frames", c.unknown_frames},
            {"replies", c.commands.replies},
            {"timeouts", c.commands.timeouts},
            {"retries", c.commands.retries},
            {"rejected", c.commands.rejected},
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
        // A mode reading arrives as 0x36, 0x37, 0x38; it is taken as a whole at the last one.
        case pf::mode_reading:
            reported_mode_ = WorkingMode{static_cast<std::uint8_t>(frame.raw[0]), {}, true};
            mode_frames_seen_ = 1;
            break;
        case pf::mode_params_12_reading:
            reported_mode_.raw[0] = static_cast<std::int32_t>(frame.raw[0]);
            reported_mode_.raw[1] = static_cast<std::int32_t>(frame.raw[1]);
            mode_frames_seen_ |= 2;
            break;
        case pf::mode_params_34_reading:
            reported_mode_.raw[2] = static_cast<std::int32_t>(frame.raw[0]);
            reported_mode_.raw[3] = static_cast<std::int32_t>(frame.raw[1]);
            if ((mode_frames_seen_ | 4) == 7) {
                change.mode = mode_ != reported_mode_;
                mode_ = reported_mode_;
            }
            mode_frames_seen_ = 0;
            break;
        default: break;
    }
    commands_.on_frame(frame);
    notify(change);
}

void Module::count_undecodable(const NotDecodable& why) {
    ++counters_.rx;
    if (why.issue == DecodeIssue::unknown_pf) ++counters_.unknown_frames;
    else ++counters_.decode_errors;
    spdlog::debug("{}: ignored a frame: {}", name_, why.reason);
}

void Module::update_state(std::uint8_t state, std::uint16_t fault, ModuleChange& change) {
    const auto previous = state_;
    if (state_ != state) {
        change.state = true;
        state_ = state;
    }
    if (fault_ != fault) {
        change.fault = true;
        if (fault != 0) spdlog::warn("{}: fault {} ({})", name_, fault, fault_info(fault).meaning);
        else if (fault_.value_or(0) != 0) spdlog::info("{}: fault cleared", name_);
        fault_ = fault;
    }
    if (change.state) {
        spdlog::info("{}: running state {} ({})", name_, state, running_state_name(state));
        // Decision (ystpcs): a module that stopped by itself (fault, finished step, heartbeat
        // state 3) is remembered as stopped, so that a later clear-faults or self-start change,
        // which repeats byte 1, cannot restart a module its operator saw stop.
        if (previous && power_stage_active(*previous) && !power_stage_active(state)) {
            CommandedFlags f = commanded();
            if (f.start.value_or(false)) {
                f.start = false;
                set_commanded(f);
                change.commanded = true;
                spdlog::info("{}: stopped by itself; byte 1 of 0x0F now repeats 'stop'", name_);
            }
        }
        check_waiters();
    }
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

void Module::set_commanded(const CommandedFlags& flags) {
    if (const auto r = store_.set(name_, flags); !r)
        spdlog::error("{}: cannot persist the commanded 0x0F bytes: {}", name_, r.error().message);
    ModuleChange change;
    change.commanded = true;
    notify(change);
}

void Module::set_health(ControllerHealth health) {
    if (health_ == health) return;
    health_ = health;
    ModuleChange change;
    change.health = true;
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

void Module::wait_for_state(std::function<bool(std::optional<std::uint8_t>)> predicate, runtime::Duration timeout,
                            std::function<void(bool)> done) {
    if (predicate(state_)) {
        loop_.post([done = std::move(done)] { done(true); });
        return;
    }
    auto w = std::make_unique<StateWaiter>();
    w->predicate = std::move(predicate);
    w->done = std::move(done);
    w->id = ++next_waiter_;
    const std::uint64_t id = w->id;
    w->timer = loop_.create_timer([this, id] {
        const auto it = std::find_if(waiters_.begin(), waiters_.end(), [id](const auto& x) { return x->id == id; });
        if (it == waiters_.end()) return;
        auto done_fn = std::move((*it)->done);
        // Destroying the timer from its own callback is deferred to after it returns.
        loop_.post([w = std::shared_ptr<StateWaiter>(std::move(*it))] {});
        waiters_.erase(it);
        done_fn(false);
    });
    w->timer->arm(loop_.now() + timeout);
    waiters_.push_back(std::move(w));
}

void Module::check_waiters() {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (!(*it)->predicate(state_)) {
            ++it;
            continue;
        }
        auto done_fn = std::move((*it)->done);
        it = waiters_.erase(it);
        loop_.post([done_fn = std::move(done_fn)] { done_fn(true); });
    }
}

}  // namespace ystpcs::engine
