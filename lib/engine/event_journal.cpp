#include "engine/event_journal.h"

namespace ystpcs::engine {

const ModuleEvent& EventJournal::add(runtime::WallTime time, std::string kind, std::string text) {
    if (events_.size() >= capacity_) events_.pop_front();
    events_.push_back(ModuleEvent{next_++, time, std::move(kind), std::move(text)});
    return events_.back();
}

std::vector<ModuleEvent> EventJournal::since(std::uint64_t after) const {
    std::vector<ModuleEvent> out;
    for (const auto& e : events_)
        if (e.sequence > after) out.push_back(e);
    return out;
}

}  // namespace ystpcs::engine
