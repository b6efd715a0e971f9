// pcs-sim's control language for tests and demos: one command per line, one JSON reply
// line per command ({"ok": true, ...} or {"ok": false, "error": "..."}).
//
//   help                              the list below
//   state [ADDR]                      state of every module, or of one, as JSON
//   fault [ADDR] CODE                 raise fault CODE (decimal or 0x…; 0 clears it)
//   silent [ADDR] SECONDS             send no frame at all for SECONDS
//   drop-replies [ADDR] COUNT         lose the next COUNT command replies
//   refuse [ADDR] COUNT               answer the next COUNT commands with "failure", unexecuted
//   corrupt [ADDR] COUNT              garble the next COUNT periodic frames
//   misreport [ADDR] STATE|off        a misbehaving peer: while operating, report running state
//                                     STATE (Appendix B, e.g. 11) whatever the mode regulates
//   battery [ADDR] soc=FRACTION       set the battery's state of charge (0 … 1)
//   io [ADDR] I1 I2 I3 I4             set the IO inputs the PCS reports (0/1)
//   power-cycle [ADDR]                mains off and on (self-start applies)
//
// ADDR may be left out when the simulator runs one module.
#pragma once

#include <string>
#include <string_view>

#include "runtime/event_loop.h"

namespace ystpcs::sim {

class SimulatedRack;

std::string execute_control_command(SimulatedRack& rack, runtime::Instant now, std::string_view line);

}  // namespace ystpcs::sim
