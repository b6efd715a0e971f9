#include "engine/live_values.h"

#include <stdexcept>

namespace ystpcs::engine {

namespace {

bool carries_values(const protocol::FrameDef& f) {
    return f.direction == protocol::Direction::from_pcs && !f.mode_parameters &&
           (f.role == protocol::FrameRole::periodic || f.role == protocol::FrameRole::reading);
}

struct SlotTable {
    std::vector<ValueSlot> slots;
    // First slot of each PF (or -1), so lookup is O(1).
    std::array<int, 256> first{};
    SlotTable() {
        first.fill(-1);
        for (const auto& f : protocol::kFrames) {
            if (!carries_values(f)) continue;
            first[f.pf] = static_cast<int>(slots.size());
            for (std::size_t i = 0; i < f.signals.size(); ++i)
                slots.push_back(ValueSlot{&f, &f.signals[i], static_cast<std::uint8_t>(i)});
        }
        if (slots.size() > kMaxSlots) throw std::logic_error("live-value table larger than kMaxSlots");
    }
};

const SlotTable& table() {
    static const SlotTable t;
    return t;
}

}  // namespace

std::span<const ValueSlot> value_slots() { return table().slots; }

std::optional<std::size_t> slot_index(std::uint8_t pf, std::uint8_t signal_index) {
    const int first = table().first[pf];
    if (first < 0) return std::nullopt;
    const auto* frame = table().slots[static_cast<std::size_t>(first)].frame;
    if (signal_index >= frame->signals.size()) return std::nullopt;
    return static_cast<std::size_t>(first) + signal_index;
}

std::optional<std::size_t> slot_index(const protocol::SignalRef& ref) { return slot_index(ref.pf, ref.index); }

LiveValues::LiveValues() : values_(value_slots().size()) {}

SlotSet LiveValues::store(const protocol::DecodedFrame& frame, runtime::Instant received, runtime::WallTime timestamp) {
    SlotSet changed;
    if (frame.def == nullptr) return changed;
    const int first = table().first[frame.def->pf];
    if (first < 0) return changed;
    for (std::size_t i = 0; i < frame.def->signals.size(); ++i) {
        auto& v = values_[static_cast<std::size_t>(first) + i];
        if (!v.known || v.raw != frame.raw[i]) changed.set(static_cast<std::size_t>(first) + i);
        v = LiveValue{frame.value[i], frame.raw[i], received, timestamp, true};
    }
    return changed;
}

const LiveValue& LiveValues::at(const protocol::SignalRef& ref) const {
    const auto slot = slot_index(ref);
    if (!slot) throw std::logic_error("signal has no live-value slot");
    return values_[*slot];
}

}  // namespace ystpcs::engine
