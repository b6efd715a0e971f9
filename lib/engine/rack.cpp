#include "engine/rack.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "protocol/codec.h"
#include "protocol/heartbeat.h"

namespace ystpcs::engine {

using namespace protocol;

Rack::Rack(runtime::EventLoop& loop, EngineOptions options, CommandedStateStore& store)
    : loop_(loop),
      options_(options),
      store_(store),
      heartbeat_(loop, options.heartbeat_period, [this](runtime::Instant due) { on_tick(due); }) {}

Rack::~Rack() {
    heartbeat_.stop();
    for (auto* t : transports_) {
        t->on_frame(nullptr);
        t->on_sent(nullptr);
        t->on_state(nullptr);
        t->keep_quiet_before(nullptr);
    }
}

void Rack::attach(transport::CanTransport& t) {
    transports_.push_back(&t);
    counters_[&t];
    t.on_frame([this, &t](const transport::ReceivedFrame& rx) { on_frame(t, rx); });
    t.on_sent([this, &t](const CanFrame& f, runtime::WallTime when) {
        for (auto* o : observers_) o->frame(t, f, when, true);
    });
    t.on_state([this, &t](transport::BusState s) {
        spdlog::info("{}: bus {}", t.name(), transport::to_string(s));
        for (auto* o : observers_) o->interface_changed(t);
    });
    t.keep_quiet_before([this]() -> std::optional<runtime::Instant> {
        if (!heartbeat_.running()) return std::nullopt;
        return heartbeat_.next_deadline();
    });
}

Module& Rack::add_module(transport::CanTransport& t, std::uint8_t address, bool configured) {
    if (Module* existing = find(t.name(), address)) return *existing;
    auto m = std::make_unique<Module>(ModuleId{t.name(), address}, loop_, t, options_, store_, configured);
    Module& ref = *m;
    ref.set_observer([this](Module& mod, const ModuleChange& change) {
        for (auto* o : observers_) o->module_changed(mod, change);
    });
    ref.set_heartbeat_sender([this](Module& mod) { send_heartbeat_now(mod); });
    modules_.push_back(std::move(m));
    spdlog::info("{}: serving PCS {} ({})", t.name(), address, configured ? "configured" : "discovered");
    for (auto* o : observers_) o->module_added(ref);
    return ref;
}

bool Rack::remove_module(const std::string& key) {
    const auto it = std::find_if(modules_.begin(), modules_.end(), [&](const auto& m) { return m->name() == key; });
    if (it == modules_.end()) return false;
    std::unique_ptr<Module> m = std::move(*it);
    modules_.erase(it);
    for (auto* o : observers_) o->module_removed(*m);
    spdlog::info("{}: no longer served", key);
    return true;
}

Module* Rack::find(const std::string& key) {
    for (auto& m : modules_)
        if (m->name() == key) return m.get();
    return nullptr;
}

Module* Rack::find(const std::string& interface, std::uint8_t address) {
    for (auto& m : modules_)
        if (m->id().address == address && m->id().interface == interface) return m.get();
    return nullptr;
}

std::vector<Module*> Rack::modules() const {
    std::vector<Module*> out;
    for (const auto& m : modules_) out.push_back(m.get());
    return out;
}

std::vector<transport::CanTransport*> Rack::transports() const { return transports_; }

const InterfaceCounters& Rack::interface_counters(const transport::CanTransport& t) const { return counters_.at(&t); }

void Rack::set_options(const EngineOptions& options) {
    const auto period = options_.heartbeat_period;
    // A module's external-device data follows the configuration where the configuration
    // changed for it: a choice made at run time (D-Bus) survives an unrelated reload.
    for (auto& m : modules_) {
        const auto next = options.external_data_for(m->name());
        if (!(options_.external_data_for(m->name()) == next))
            if (auto r = m->set_external_data_policy(next); !r)
                spdlog::error("{}: external_data from the configuration: {}", m->name(), r.error().message);
    }
    options_ = options;
    options_.heartbeat_period = period;
    for (auto& m : modules_) m->set_command_timing(CommandTiming{options_.reply_timeout, options_.retries});
}

void Rack::add_observer(RackObserver* observer) { observers_.push_back(observer); }

void Rack::remove_observer(RackObserver* observer) {
    observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
}

void Rack::on_frame(transport::CanTransport& t, const transport::ReceivedFrame& rx) {
    for (auto* o : observers_) o->frame(t, rx.frame, rx.timestamp, false);
    auto& counters = counters_[&t];
    const Ownership owner = classify(rx.frame);
    if (owner.traffic == Traffic::not_pcs) {
        ++counters.not_pcs;
        return;
    }
    if (owner.traffic != Traffic::from_pcs) {
        // Another controller is commanding PCS on this bus: worth knowing, never obeyed.
        if (counters.other_controller++ % 1000 == 0)
            spdlog::warn("{}: a frame from another controller (0xB4) to PCS {}: is a second controller on the bus?",
                         t.name(), owner.pcs);
        return;
    }
    const DecodeOutcome d = decode(rx.frame);
    Module* m = find(t.name(), owner.pcs);
    if (m == nullptr) {
        // Only a frame that decodes as PCS traffic makes a module appear: a malformed or
        // unknown frame is no evidence that a PCS lives at that address.
        if (!d.ok()) {
            ++counters.not_pcs;
            return;
        }
        if (!options_.discovery) {
            ++counters.undiscovered;
            return;
        }
        m = &add_module(t, owner.pcs, false);
    }
    if (d.ok()) m->on_frame(d.frame(), rx);
    else m->count_undecodable(d.failure());
}

namespace {
// The module's heartbeat now: its health, and the external-device data its policy chooses,
// through the protocol table. Values the table refuses (a mirrored measurement beyond the
// fields) give way to zeros: the heartbeat itself is never withheld.
std::optional<CanFrame> heartbeat_frame(Module& m, runtime::Instant now) {
    const auto& ext = m.external_data();
    ExternalDataChoice choice = choose_external_data(ext.policy(), ext.client_values(), m.dc_measurement(), now);
    const auto state = static_cast<std::uint8_t>(m.health());
    auto frame = encode_heartbeat(m.id().address, choice.values, state);
    std::string refused;
    if (!frame) {
        refused = frame.error().message;
        choice = {{}, ExternalDataSource::zero, ExternalDataIssue::not_encodable};
        frame = encode_heartbeat(m.id().address, choice.values, state);
        if (!frame) return std::nullopt;
    }
    m.note_external_data(choice, carries_zero_dc(frame.value()), refused);
    return frame.value();
}
}  // namespace

void Rack::send_heartbeat_now(Module& m) {
    if (const auto f = heartbeat_frame(m, loop_.now())) {
        m.transport().send(*f, transport::TxClass::heartbeat);
        ++m.counters().heartbeats;
    }
}

void Rack::on_tick(runtime::Instant due) {
    const auto now = loop_.now();
    send_heartbeats(now);
    for (auto& m : modules_) m->check_link(now);
    for (auto* o : observers_) o->tick(due);
}

void Rack::send_heartbeats(runtime::Instant now) {
    // One batch per interface: every module's heartbeat leaves in the same instant.
    for (auto* t : transports_) {
        std::vector<CanFrame> batch;
        for (auto& m : modules_) {
            if (&m->transport() != t) continue;
            if (const auto f = heartbeat_frame(*m, now)) {
                batch.push_back(*f);
                ++m->counters().heartbeats;
            }
        }
        if (!batch.empty()) t->send_batch(batch, transport::TxClass::heartbeat);
    }
}

}  // namespace ystpcs::engine
