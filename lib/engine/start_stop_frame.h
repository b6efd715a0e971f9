// Frame 0x0F carries three commands — start/stop (byte 1), clear faults (byte 2), power-on
// self-start (byte 3) — and "when only one of them changes, the other two must repeat their
// current values". What "current" means decides whether a module starts that nobody asked to
// start, so the rules live here, in one place (docs/dbus-api.md, "What 0x0F repeats"):
//
//  - Byte 1, when the command does not change it (clear faults, self-start): 1 only when the
//    last start/stop this daemon handed to the bus since it started was a start (its reply
//    may have been lost: the frame was on the bus) AND the module reports an active power
//    stage now; 0 when it reports a stopped power stage. A module that runs without such a
//    start (started before a restart, or by its self-start) cannot be given either byte
//    without changing what it does: refused, as is an unknown running state. The value
//    stored before a restart is never used for byte 1.
//  - Byte 3: the last self-start this daemon commanded, in this life or before it (the module
//    keeps the flag itself; repeating the stored value is what keeps it); off when never.
#pragma once

#include <optional>

#include "engine/module.h"
#include "protocol/can_frame.h"
#include "protocol/result.h"

namespace ystpcs::engine {

// Byte 1 for a 0x0F that does not mean to change start/stop; an interlock error when no
// value would leave the module as it is.
Result<bool> repeated_start_byte(const Module& m, const char* what);
bool repeated_self_start(const Module& m);
Result<protocol::CanFrame> start_stop_frame(const Module& m, bool start, bool clear_faults, bool self_start);

}  // namespace ystpcs::engine
