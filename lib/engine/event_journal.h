// What happened to one module, with times, for consoles and scripts that were not watching:
// faults raised and cleared (with text and action), link lost and restored, running-state
// changes, and the commands clients issued with their results. A bounded ring: the oldest
// events go first.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "runtime/event_loop.h"

namespace ystpcs::engine {

struct ModuleEvent {
    std::uint64_t sequence = 0;  // 1, 2, … in this daemon's life
    runtime::WallTime time{};
    std::string kind;            // "fault", "fault-cleared", "link-lost", "link-restored", "state", "command"
    std::string text;
};

class EventJournal {
public:
    explicit EventJournal(std::size_t capacity = 500) : capacity_(capacity) {}
    const ModuleEvent& add(runtime::WallTime time, std::string kind, std::string text);
    // Events with a sequence above `after` (0: all kept), oldest first.
    std::vector<ModuleEvent> since(std::uint64_t after) const;
    std::size_t size() const { return events_.size(); }

private:
    std::size_t capacity_;
    std::deque<ModuleEvent> events_;
    std::uint64_t next_ = 1;
};

}  // namespace ystpcs::engine
