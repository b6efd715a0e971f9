// What the generators share: how the table's numbers, names and texts are written out, which
// enumerations the frames use, and what an enumeration says about values it does not list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/frames.h"

namespace ystpcs::generators {

std::string hex2(unsigned v);  // "0x1A"

// "0.1", "1", "10": a power of ten as a decimal.
std::string decimal_scale(int exp);

// Plain ASCII for formats read as Latin-1 or Windows-1252 (DBC): "°C" → "degC", "Ω" → "Ohm",
// "–" → "-", '"' → '\''. Anything else outside ASCII becomes '?' (tests keep the table free of it).
std::string ascii(std::string_view utf8);

// "running state" → "running_state", "on/off-grid switching" → "on_off_grid_switching".
std::string identifier(std::string_view text);

// Every enumeration the frames use, once each, in table order (the working mode included).
std::vector<const protocol::EnumDef*> enumerations_in_table();

// The texts an enumeration gives the raw values of `type` it does not list (its fallback, e.g.
// "failure" for results, "internal failure" above 0x8000 for faults), as runs of equal text.
struct UnlistedRun {
    std::int64_t first;
    std::int64_t last;
    std::string_view text;
};
std::vector<UnlistedRun> unlisted_runs(const protocol::EnumDef& e, protocol::RawType type);

// "0x0E" or "type 1: 0x02; type 2: 0x03": the frames that answer a command, empty for others.
std::string replies_of(const protocol::FrameDef& f);

// For a mode-parameter field: what it means in each working mode that uses it
// ("cccv: voltage_v 0.001 V"), one entry per mode.
struct ModeMeaning {
    const protocol::ModeDef* mode;
    const protocol::ModeParamDef* param;
};
std::vector<ModeMeaning> mode_meanings(const protocol::FrameDef& f, std::size_t signal_index);

}  // namespace ystpcs::generators
