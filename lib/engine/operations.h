// What a client can ask of a module, with the safety policies of the product. Each operation
// reads as a straight line: validate the arguments (nothing sent when they are wrong), plan
// the steps against the module's state when the operation's turn comes, run them one at a
// time on the module's OperationQueue. The rules:
//  - one operation at a time per module; a stop or emergency stop pre-empts everything and is
//    never refused (not while shutting down, not when the link looks lost);
//  - interlocks are checked when their step runs: no mode change while the power stage is
//    active (stop_first stops, waits, then changes), no start during an emergency stop, in a
//    fault, in an unknown state, or with set-points outside the protection limits;
//  - 0x0F repeats what start_stop_frame.h says, never a stored flag for byte 1;
//  - every value that reaches the bus is bounded: the field's range, the mode parameter's
//    range, the module's protection limits (read first when unknown), per phase as in sum;
//  - reads are rate-limited per caller and, for unprivileged callers, in total (ReadBudget);
//    a module queues at most 8 control operations and, apart from them, 4 reads;
//  - broadcast (PS = 0) only through broadcast_stop(), never implicitly.
// Every callback is called exactly once, from the event loop, never from within the call.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/rack.h"
#include "engine/read_budget.h"
#include "protocol/modes.h"
#include "protocol/settings.h"

namespace ystpcs::engine {

using Done = std::function<void(Result<void>)>;
template <class T>
using DoneWith = std::function<void(Result<T>)>;

struct SetModeOptions {
    bool stop_first = false;  // stop a running module first instead of refusing
    bool start = false;       // start once mode and parameters are set
};

enum class PhasePower { active, reactive };

// Who asks for a read: `id` names the client (a D-Bus unique name) for the rate limit;
// `privileged` (root, the control group) are not held back by other users' reads.
struct Caller {
    std::string id;
    bool privileged = false;
};

// The module's clock as its front panel shows it (local civil time).
struct ClockTime {
    int year = 2000, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

class Operations {
public:
    explicit Operations(Rack& rack, ReadBudgetOptions budget = {});
    ~Operations();
    Operations(const Operations&) = delete;
    Operations& operator=(const Operations&) = delete;

    // ---- stopping: never refused ----
    void stop(Module& m, Done done);
    // Heartbeat state 3 at once and from then on (latched across restarts until a successful
    // clear_faults), then a pre-empting 0x0F stop.
    void emergency_stop(Module& m, Done done);
    void emergency_stop_all(Done done);
    // 0x0F stop to every PCS of an interface (PS = 0) when their self-start flags agree, else a
    // stop to each module.
    void broadcast_stop(transport::CanTransport& t, Done done);

    // ---- control ----
    void start(Module& m, Done done);
    void clear_faults(Module& m, Done done);
    void set_self_start(Module& m, bool on, Done done);
    // `params` in Appendix A units (V, A, W, Ω, s, %), one per parameter of the mode.
    void set_mode(Module& m, const protocol::ModeDef& mode, std::vector<double> params, SetModeOptions options,
                  Done done);
    // Writes the given limits (names as in the protocol table, e.g. "max_charge_current_a").
    // A set is written whole: its other values are read fresh from the module first; a set
    // that would put the running set-point outside it is refused; all sets are read back.
    void write_protection(Module& m, std::map<std::string, double> changes, DoneWith<protocol::ProtectionLimits> done);
    void write_setting(Module& m, const protocol::SettingDef& setting, const protocol::NamedValues& values, Done done);
    void set_clock(Module& m, const ClockTime& time, Done done);
    // Per phase, kW (active) or kvar (reactive).
    void set_phase_power(Module& m, PhasePower which, const std::array<double, 3>& values, Done done);
    // Stops serving a discovered module (configured ones are removed from the configuration).
    void forget(const std::string& key, Done done);

    // ---- reads: anyone, within the caller's read budget ----
    void read_mode(Module& m, const Caller& caller, DoneWith<WorkingMode> done);
    void read_protection(Module& m, const Caller& caller, DoneWith<protocol::ProtectionLimits> done);
    void read_setting(Module& m, const Caller& caller, const protocol::SettingDef& setting, DoneWith<Replies> done);
    void read_versions(Module& m, const Caller& caller, DoneWith<FirmwareVersions> done);
    // What the bus learns when a module (re)appears, one read after the other: protection
    // limits, versions, working mode.
    void read_on_discovery(Module& m);

    // From now on, control operations other than stops are refused (Busy): the daemon stops.
    void set_shutting_down(bool shutting_down) { shutting_down_ = shutting_down; }
    bool shutting_down() const { return shutting_down_; }
    void set_read_budget(const ReadBudgetOptions& options) { budget_.set_options(options); }

    // Told synchronously of every stop asked of a module (stop, emergency stop, each module of
    // a broadcast stop), before it is queued: a profile running on it is pre-empted.
    using StopListener = std::function<void(Module&, bool emergency)>;
    void set_stop_listener(StopListener listener) { stop_listener_ = std::move(listener); }
    // Consulted before every control operation other than a stop (a module running a profile
    // refuses other clients' commands): an error refuses it, nothing is sent.
    using ControlGuard = std::function<Result<void>(const Module&, const std::string& what)>;
    void set_control_guard(ControlGuard guard) { control_guard_ = std::move(guard); }

private:
    // Queues `op` on `m`; `op.complete` is wrapped to answer `done` from the loop.
    void run(Module& m, Operation op, Done done);
    template <class T>
    void run_with(Module& m, Operation op, std::function<Result<T>(Module&, const CommandOutcome&)> value,
                  DoneWith<T> done);
    Result<void> admit_control(const Module& m, const std::string& what) const;
    Result<void> admit_read(const Caller& caller);
    void fail(Done done, Error e);
    static Operation stop_operation(std::string name);

    Rack& rack_;
    ReadBudget budget_;
    bool shutting_down_ = false;
    StopListener stop_listener_;
    ControlGuard control_guard_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Reads limits, versions and mode whenever a module's link comes up (first contact or return).
class DiscoveryReads final : public RackObserver {
public:
    DiscoveryReads(Rack& rack, Operations& ops);
    ~DiscoveryReads() override;
    void module_changed(Module& m, const ModuleChange& change) override;

private:
    Rack& rack_;
    Operations& ops_;
};

// The protocol table's name for a limit ("max_charge_current_a") → its set (1..3) and index.
struct LimitField {
    int set;
    std::size_t index;
};
std::optional<LimitField> find_limit_field(std::string_view name);

// Protection limits to write, by set (1..3) and field index; every name known, every value
// inside its field's range. Nothing is sent for a change this refuses.
using ProtectionChanges = std::map<int, std::map<std::size_t, double>>;
Result<ProtectionChanges> validate_protection_changes(const std::map<std::string, double>& changes);

}  // namespace ystpcs::engine
