// The daemon's whole state as JSON: what SIGUSR1 writes to the log (until the D-Bus API,
// and still afterwards for bug reports).
#pragma once

#include <nlohmann/json.hpp>

#include "engine/rack.h"

namespace ystpcs::daemon {

nlohmann::ordered_json module_json(const engine::Module& m, runtime::Instant now);
nlohmann::ordered_json rack_json(const engine::Rack& rack, runtime::Instant now);

}  // namespace ystpcs::daemon
