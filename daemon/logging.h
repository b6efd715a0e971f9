// Logging to stderr: with syslog priority prefixes ("<4>...") when stderr is the journal,
// so journald keeps the levels; with timestamps and colours otherwise.
#pragma once

#include <string>

#include "protocol/result.h"

namespace ystpcs::daemon {

Result<void> setup_logging(const std::string& level);
Result<void> set_log_level(const std::string& level);

}  // namespace ystpcs::daemon
