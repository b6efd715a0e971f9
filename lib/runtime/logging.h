// Logging to stderr: with syslog priority prefixes ("<4>...") when stderr is the journal,
// so journald keeps the levels; with timestamps and colours otherwise. One setup for every
// long-running program (ystpcsd, ystpcs-bridge).
#pragma once

#include <string>

#include "protocol/result.h"

namespace ystpcs::runtime {

// `name` is the logger's (the program's) name.
Result<void> setup_logging(const std::string& name, const std::string& level);
Result<void> set_log_level(const std::string& level);

}  // namespace ystpcs::runtime
