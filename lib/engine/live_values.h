// Every value a module reports, as last received: one slot per signal of every frame a PCS
// sends that carries data (periodic and reading frames), with the time it arrived. Values
// are never zeroed when the module goes quiet; they age, and the module says it is lost.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/codec.h"
#include "runtime/event_loop.h"

namespace ystpcs::engine {

// A position in the live-value table, derived once from the protocol table.
struct ValueSlot {
    const protocol::FrameDef* frame;
    const protocol::SignalDef* signal;
    std::uint8_t signal_index;
};

// All slots, in protocol-table order; mode parameter frames are excluded (their values mean
// nothing without the mode; the module keeps the working mode separately).
std::span<const ValueSlot> value_slots();
std::optional<std::size_t> slot_index(std::uint8_t pf, std::uint8_t signal_index);
std::optional<std::size_t> slot_index(const protocol::SignalRef& ref);

inline constexpr std::size_t kMaxSlots = 256;
using SlotSet = std::bitset<kMaxSlots>;

struct LiveValue {
    double value = 0;
    std::int64_t raw = 0;
    runtime::Instant received{};
    runtime::WallTime timestamp{};
    bool known = false;
};

class LiveValues {
public:
    LiveValues();
    // Stores every signal of a periodic/reading frame; returns the slots whose value changed.
    SlotSet store(const protocol::DecodedFrame& frame, runtime::Instant received, runtime::WallTime timestamp);
    const LiveValue& at(std::size_t slot) const { return values_[slot]; }
    const LiveValue& at(const protocol::SignalRef& ref) const;
    std::size_t size() const { return values_.size(); }

private:
    std::vector<LiveValue> values_;
};

}  // namespace ystpcs::engine
