// What a client can ask of a module, with the safety interlocks of the product:
//  - 0x0F always repeats the two bytes it does not change, from what was last commanded
//    (persisted); unknown after a fresh install, byte 1 is inferred from the running state
//    and self-start defaults to off;
//  - no mode change while the power stage is active, unless the caller asks stop_first
//    (stop → wait for a non-active state → mode → parameters → start again only if asked);
//  - set-points are checked against the mode's parameter definitions and the module's
//    protection limits, which are read first when not known; out of range: nothing is sent;
//  - broadcast (PS = 0) only through broadcast_stop(), never implicitly.
// Every operation ends by calling its callback exactly once, from the event loop.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/rack.h"
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

class Operations {
public:
    explicit Operations(Rack& rack) : rack_(rack) {}

    void start(Module& m, Done done);
    void stop(Module& m, Done done);
    void clear_faults(Module& m, Done done);
    void set_self_start(Module& m, bool on, Done done);
    // `params` in Appendix A units (V, A, W, Ω, s, %), one per parameter of the mode.
    void set_mode(Module& m, const protocol::ModeDef& mode, std::vector<double> params, SetModeOptions options,
                  Done done);
    void read_mode(Module& m, DoneWith<WorkingMode> done);
    // Reads all three protection sets.
    void read_protection(Module& m, DoneWith<protocol::ProtectionLimits> done);
    // Writes the given limits (names as in the protocol table, e.g. "max_charge_current_a").
    // A set is written whole: its other values are read fresh from the module first. The
    // sets are read back afterwards.
    void write_protection(Module& m, std::map<std::string, double> changes, DoneWith<protocol::ProtectionLimits> done);
    void read_setting(Module& m, const protocol::SettingDef& setting, DoneWith<Replies> done);
    void write_setting(Module& m, const protocol::SettingDef& setting, const protocol::NamedValues& values, Done done);
    // The module's clock, in local time as the module's front panel shows it.
    void set_clock(Module& m, runtime::WallTime time, Done done);
    void read_versions(Module& m, DoneWith<FirmwareVersions> done);
    void set_phase_power(Module& m, PhasePower which, const std::array<double, 3>& values, Done done);
    // Heartbeat state 3 to the module at once and from then on (until clear_faults), and 0x0F stop.
    void emergency_stop(Module& m, Done done);
    // 0x0F stop to every PCS of an interface (PS = 0), sent once, answered by nobody in particular.
    void broadcast_stop(transport::CanTransport& t, Done done);

    // What the bus learns when a module (re)appears: protection limits, versions, mode.
    void read_on_discovery(Module& m);

private:
    void send_start_stop(Module& m, bool start, bool clear_faults, bool self_start, std::string what,
                         std::function<void(Result<void>)> done);
    Result<bool> inferred_start_byte(const Module& m) const;
    void ensure_limits(Module& m, const protocol::ModeDef& mode, Done done);
    // Mode code (0x0B, unless only set-points change), parameters (0x0C, 0x0D), then start if asked.
    void write_mode(Module& m, const protocol::ModeDef& mode, const std::array<std::int32_t, 4>& raw, bool send_code,
                    bool start, Done done);
    void submit(Module& m, const Result<protocol::CanFrame>& frame, std::string what, DoneWith<Replies> done);

    Rack& rack_;
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

}  // namespace ystpcs::engine
