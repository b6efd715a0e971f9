// Keeps each module's value history and event journal: samples the history once per
// heartbeat round, and journals what the module's changes mean (faults, link, running
// state). Clients add the commands they ran (the D-Bus layer knows who asked). Records
// live as long as their module.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "engine/event_journal.h"
#include "engine/rack.h"
#include "engine/value_history.h"

namespace ystpcs::engine {

class ModuleRecorder final : public RackObserver {
public:
    ModuleRecorder(Rack& rack, HistoryOptions options = {});
    ~ModuleRecorder() override;

    const ValueHistory* history(const Module& m) const;
    const EventJournal* journal(const Module& m) const;
    void record(Module& m, std::string kind, std::string text);
    // Told of every event as it is journaled (the D-Bus layer's signal).
    using Listener = std::function<void(Module&, const ModuleEvent&)>;
    void set_listener(Listener listener) { listener_ = std::move(listener); }

    void module_added(Module& m) override;
    void module_removed(Module& m) override;
    void module_changed(Module& m, const ModuleChange& change) override;
    void tick(runtime::Instant due) override;

    // What a module's history row holds now: NaN for values not known or while the link is lost.
    static HistoryRow sample(const Module& m);

private:
    struct Records {
        ValueHistory history;
        EventJournal journal;
        std::uint16_t last_fault = 0;  // a report of "no fault" is an event only after a fault
        explicit Records(HistoryOptions o) : history(o) {}
    };
    Rack& rack_;
    HistoryOptions options_;
    std::map<const Module*, std::unique_ptr<Records>> records_;
    Listener listener_;
};

}  // namespace ystpcs::engine
