// pcsctl's exit statuses, documented in docs/pcsctl.1.md and `pcsctl --help`: scripts branch on them.
#pragma once

#include <string>

namespace ystpcs::ctl {

enum ExitCode : int {
    exit_ok = 0,
    exit_failure = 1,        // anything not listed below (a file that cannot be read, ...)
    exit_usage = 2,          // bad command line, unknown module, invalid or out-of-range value
    exit_unreachable = 3,    // the daemon is not on the bus (or the bus is not there)
    exit_denied = 4,         // not root nor in the control group
    exit_rejected = 5,       // the PCS answered "failure"
    exit_timeout = 6,        // the PCS did not answer in time
    exit_interlock = 7,      // refused by a safety interlock; nothing was sent
    exit_not_connected = 8,  // the module is not communicating, or the daemon is busy
    exit_wait_timeout = 9,   // wait: --timeout passed before the condition held
    exit_wait_fault = 10,    // wait: the module faulted (or its link was lost) before the condition held
};

// The exit status for a D-Bus error name.
int exit_code_for_error(const std::string& dbus_error_name);

}  // namespace ystpcs::ctl
