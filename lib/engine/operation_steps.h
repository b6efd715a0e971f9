// Steps that several operations share: the reads, the start with its interlocks, and the
// interlock checks themselves. Each check reads the module's state when its step runs.
#pragma once

#include <initializer_list>
#include <vector>

#include "engine/module.h"
#include "engine/operation.h"
#include "protocol/modes.h"
#include "protocol/settings.h"

namespace ystpcs::engine::steps {

// ---- reads ----
// `discovery`: a failed read is logged and the plan goes on; reads of an operation that only
// reads go out in the transport's lowest class (bulk), behind control commands.
Plan read_protection_sets(std::vector<int> sets, bool discovery, transport::TxClass tx = transport::TxClass::bulk);
// The sets `mode`'s parameters are bounded by and that are not known yet.
Plan read_limits_for(const Module& m, const protocol::ModeDef& mode);
Plan read_limit_set_if_unknown(const Module& m, int set);
Step read_working_mode(bool discovery);
Step read_setting(const protocol::SettingDef& setting, bool discovery);
// The working mode a 0x1D type 0x0B reading carried (params_known false when 0x37/0x38 missed).
WorkingMode working_mode_from(const CommandOutcome& outcome);

// ---- interlocks ----
Result<void> communicating(const Module& m);
// Start may be asked: no emergency stop, a known state that is not a fault.
Result<void> may_start(const Module& m);
// The mode the module will start in has set-points inside its protection limits.
Result<void> setpoints_inside_limits(const Module& m);
Result<void> power_stage_stopped(const Module& m, const std::string& what);

// ---- start ----
// The interlocks, the wait for the end of a self-check (bounded), the interlocks again, then
// 0x0F start (the start/stop of this life before it restored if the frame is withdrawn unsent),
// then the wait for the module to report running (or a fault).
Plan start(const Module& m);
// After a stop was answered: wait (briefly, never failing) for the stopped state.
Step after_stop(const Module& m);

}  // namespace ystpcs::engine::steps
