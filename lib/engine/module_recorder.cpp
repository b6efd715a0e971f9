#include "engine/module_recorder.h"

#include <cstdio>
#include <limits>

#include "protocol/faults.h"
#include "protocol/running_states.h"

namespace ystpcs::engine {

ModuleRecorder::ModuleRecorder(Rack& rack, HistoryOptions options) : rack_(rack), options_(options) {
    for (auto* m : rack_.modules()) module_added(*m);
    rack_.add_observer(this);
}

ModuleRecorder::~ModuleRecorder() { rack_.remove_observer(this); }

const ValueHistory* ModuleRecorder::history(const Module& m) const {
    const auto it = records_.find(&m);
    return it == records_.end() ? nullptr : &it->second->history;
}

const EventJournal* ModuleRecorder::journal(const Module& m) const {
    const auto it = records_.find(&m);
    return it == records_.end() ? nullptr : &it->second->journal;
}

void ModuleRecorder::record(Module& m, std::string kind, std::string text) {
    const auto it = records_.find(&m);
    if (it == records_.end()) return;
    const auto& e = it->second->journal.add(rack_.loop().wall_now(), std::move(kind), std::move(text));
    if (listener_) listener_(m, e);
}

void ModuleRecorder::module_added(Module& m) {
    if (!records_.count(&m)) records_.emplace(&m, std::make_unique<Records>(options_));
}

void ModuleRecorder::module_removed(Module& m) { records_.erase(&m); }

void ModuleRecorder::module_changed(Module& m, const ModuleChange& c) {
    if (c.link) record(m, m.connected() ? "link-restored" : "link-lost",
                       m.connected() ? "frames arrive again" : "no frame for the link timeout; values are kept as stale");
    const auto it = records_.find(&m);
    if (it == records_.end()) return;
    if (c.fault && m.fault_code() && *m.fault_code() != it->second->last_fault) {
        const auto code = *m.fault_code();
        const auto before = it->second->last_fault;
        it->second->last_fault = code;
        if (code == 0) {
            char hex[16];
            std::snprintf(hex, sizeof hex, "0x%04X", before);
            record(m, "fault-cleared", std::string(hex) + " cleared: no fault");
        } else {
            const auto& f = protocol::fault_info(code);
            char hex[16];
            std::snprintf(hex, sizeof hex, "0x%04X", code);
            record(m, "fault", std::string(hex) + " " + std::string(f.meaning) + " — " + std::string(f.action));
        }
    }
    if (c.state && m.running_state())
        record(m, "state", std::string(protocol::running_state_name(*m.running_state())));
    if (c.health)
        record(m, "heartbeat", m.health() == ControllerHealth::emergency_stop ? "emergency stop (heartbeat state 3), latched until faults are cleared"
                               : m.health() == ControllerHealth::shutdown   ? "shutdown (heartbeat state 1)"
                                                                            : "running (heartbeat state 2)");
}

HistoryRow ModuleRecorder::sample(const Module& m) {
    HistoryRow row;
    for (std::size_t i = 0; i < kHistoryWidth; ++i) {
        const auto& v = m.values().at(kHistorySignals[i].ref);
        row[i] = m.connected() && v.known ? static_cast<float>(v.value) : std::numeric_limits<float>::quiet_NaN();
    }
    return row;
}

void ModuleRecorder::tick(runtime::Instant) {
    const auto now = rack_.loop().wall_now();
    for (auto& [m, r] : records_) r->history.add(now, sample(*m));
}

}  // namespace ystpcs::engine
