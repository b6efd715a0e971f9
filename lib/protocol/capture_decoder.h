// Decodes a capture line by line (candump text), remembering each PCS's working mode so
// that later mode-parameter frames of the same stream can be scaled.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/candump.h"
#include "protocol/codec.h"
#include "protocol/mode_params.h"

namespace ystpcs::protocol {

struct CaptureEntry {
    bool skipped = false;                    // blank or comment line
    std::optional<CapturedFrame> captured;   // the line was a CAN frame
    std::optional<DecodedFrame> decoded;     // ...and PCS protocol traffic
    const ModeDef* mode = nullptr;           // mode known for a mode-parameter frame
    std::string error;                       // why the line is not decoded (when !decoded)
};

class CaptureDecoder {
public:
    CaptureEntry decode(std::string_view line);
    // {"t", "iface", "id", "pf", ...} or {"error", "line", ...}; null for skipped lines.
    nlohmann::ordered_json to_json(const CaptureEntry& entry, std::size_t line_number) const;

private:
    ModeTracker modes_;
};

}  // namespace ystpcs::protocol
