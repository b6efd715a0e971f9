// Mode parameter frames (0x0C/0x0D, 0x37/0x38) carry raw i32 values whose scale depends on
// the working mode (Appendix A). These helpers scale them once the mode is known and track
// the mode of each PCS through a stream of frames (0x0B commanded, 0x36 reported).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "protocol/codec.h"
#include "protocol/modes.h"

namespace ystpcs::protocol {

struct ScaledParam {
    const ModeParamDef* def;
    std::size_t index;     // 0-based parameter number (p1 = 0)
    std::int32_t raw;
    double value;
};

// The parameters a mode-parameter frame carries that `mode` defines (a CV frame's
// parameter 2 is unused and left out).
std::vector<ScaledParam> scale_mode_params(const DecodedFrame& frame, const ModeDef& mode);

class ModeTracker {
public:
    // Learns the mode from 0x0B (to one PCS or broadcast) and 0x36; ignores other frames.
    void observe(std::string_view context, const DecodedFrame& frame);
    // The mode that applies to a frame of PCS `pcs` on `context` (e.g. the interface).
    const ModeDef* mode_of(std::string_view context, std::uint8_t pcs) const;

private:
    struct Known {
        std::uint8_t code;
        std::uint64_t sequence;
    };
    std::map<std::pair<std::string, std::uint8_t>, Known, std::less<>> modes_;  // pcs 0: broadcast
    std::uint64_t sequence_ = 0;
};

}  // namespace ystpcs::protocol
