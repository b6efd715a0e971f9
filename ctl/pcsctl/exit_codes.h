// pcsctl's exit statuses, documented in docs/pcsctl.1.md: scripts branch on them.
#pragma once

namespace ystpcs::ctl {

enum ExitCode : int {
    exit_ok = 0,
    exit_failure = 1,        // anything not listed below (a file that cannot be read, ...)
    exit_usage = 2,          // bad command line
};

}  // namespace ystpcs::ctl
