// Values as people type them: "400", "400V", "-50A", "10kW", "500mA", "1.5ohm", "2.5s".
#pragma once

#include <string>
#include <string_view>

#include "protocol/result.h"

namespace ystpcs::ctl {

// The value in `unit` (V, A, W, var, Ω, s, %, Hz, or "" for none). A suffix must be that
// unit, optionally with a prefix m, k or M; a bare number is taken in `unit`. `what` names
// the value in errors ("cccv voltage").
Result<double> parse_quantity(std::string_view text, std::string_view unit, std::string_view what);

}  // namespace ystpcs::ctl
