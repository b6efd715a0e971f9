// `pcsctl profile compile`: PyBaMM-style lines ("Charge at 50 A until 700 V", "Rest for 30
// minutes", "Discharge at 20 kW until 600 V or 2 hours") into the profile JSON, which is then
// validated like any profile. Grammar: docs/profiles.md "Text form". A line the grammar does
// not know is an error naming the line and the word; nothing is guessed, and the safety
// envelope and every step's maximum time are never invented.
#pragma once

#include <string>
#include <string_view>

#include "protocol/result.h"

namespace ystpcs::profile {

// The profile JSON (pretty-printed), already checked by parse_profile.
Result<std::string> compile_text(std::string_view text);

}  // namespace ystpcs::profile
