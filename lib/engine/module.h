// One PCS as the controller knows it: every value it reported and when, its link health,
// its running state, fault, working mode, protection limits and versions, what this
// controller last commanded in 0x0F, its heartbeat state, counters and command queue.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/command_engine.h"
#include "engine/commanded_state.h"
#include "engine/engine_options.h"
#include "engine/live_values.h"
#include "protocol/protection_limits.h"
#include "transport/can_transport.h"

namespace ystpcs::engine {

struct ModuleId {
    std::string interface;
    std::uint8_t address = 0;
    std::string key() const { return interface + "/" + std::to_string(address); }
    friend bool operator==(const ModuleId&, const ModuleId&) = default;
};

// The heartbeat's running-state byte: the controller's health as this module sees it.
enum class ControllerHealth : std::uint8_t {
    shutdown = 1,        // orderly shutdown of the controller
    running = 2,
    emergency_stop = 3,  // the PCS shuts down and reports an external-device fault
};

struct ModuleCounters {
    std::uint64_t rx = 0;              // frames from this PCS
    std::uint64_t decode_errors = 0;   // from this PCS but malformed (DLC, wrong direction)
    std::uint64_t unknown_frames = 0;  // from this PCS with a PF the protocol does not define
    std::uint64_t heartbeats = 0;      // heartbeats sent to it
    std::uint64_t links_lost = 0;
    CommandCounters commands;
};

// The counters by the names clients see (D-Bus Module.Counters, the SIGUSR1 state dump).
std::map<std::string, std::uint64_t> named_counters(const ModuleCounters& c);

struct WorkingMode {
    std::uint8_t code = 0;
    std::array<std::int32_t, protocol::kMaxModeParams> raw{};  // as carried by 0x0C/0x0D/0x37/0x38
    bool reported = false;  // true: read from the PCS (0x36–0x38); false: as last commanded
    friend bool operator==(const WorkingMode&, const WorkingMode&) = default;
};

struct FirmwareVersions {
    std::optional<std::array<std::uint8_t, 6>> arm;  // hardware V.B.D, software V.B.D
    std::optional<std::array<std::uint8_t, 6>> dsp;
};

// What changed, so observers publish only that.
struct ModuleChange {
    SlotSet values;
    bool link = false;
    bool state = false;
    bool fault = false;
    bool mode = false;
    bool limits = false;
    bool versions = false;
    bool commanded = false;
    bool health = false;
    bool any() const { return values.any() || link || state || fault || mode || limits || versions || commanded || health; }
    void merge(const ModuleChange& o) {
        values |= o.values;
        link |= o.link; state |= o.state; fault |= o.fault; mode |= o.mode;
        limits |= o.limits; versions |= o.versions; commanded |= o.commanded; health |= o.health;
    }
};

class Module {
public:
    using Observer = std::function<void(Module&, const ModuleChange&)>;

    Module(ModuleId id, runtime::EventLoop& loop, transport::CanTransport& transport, const EngineOptions& options,
           CommandedStateStore& store, bool configured);
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    const ModuleId& id() const { return id_; }
    const std::string& name() const { return name_; }
    bool configured() const { return configured_; }
    transport::CanTransport& transport() { return transport_; }
    CommandEngine& commands() { return commands_; }
    runtime::EventLoop& loop() { return loop_; }
    const EngineOptions& options() const { return options_; }

    // ---- from the bus ----
    void on_frame(const protocol::DecodedFrame& frame, const transport::ReceivedFrame& rx);
    void count_undecodable(const protocol::NotDecodable& why);
    // Communication is lost when no frame arrived for the link timeout; values are kept.
    void check_link(runtime::Instant now);

    // ---- what is known ----
    bool connected() const { return connected_; }
    std::optional<runtime::WallTime> last_seen() const { return last_seen_wall_; }
    std::optional<runtime::Instant> last_seen_monotonic() const { return last_seen_; }
    const LiveValues& values() const { return values_; }
    std::optional<std::uint8_t> running_state() const { return state_; }
    std::optional<std::uint16_t> fault_code() const { return fault_; }
    const std::optional<WorkingMode>& working_mode() const { return mode_; }
    const protocol::ProtectionLimits& limits() const { return limits_; }
    const FirmwareVersions& versions() const { return versions_; }
    const ModuleCounters& counters() const { return counters_; }
    ModuleCounters& counters() { return counters_; }

    // ---- what this controller commanded ----
    CommandedFlags commanded() const;
    void set_commanded(const CommandedFlags& flags);
    ControllerHealth health() const { return health_; }
    void set_health(ControllerHealth health);
    void set_commanded_mode(const WorkingMode& mode);

    void set_observer(Observer observer) { observer_ = std::move(observer); }
    // Calls `done(true)` once `predicate(running state)` holds (at once if it does now), or
    // `done(false)` after `timeout`.
    void wait_for_state(std::function<bool(std::optional<std::uint8_t>)> predicate, runtime::Duration timeout,
                        std::function<void(bool)> done);

private:
    struct StateWaiter {
        std::function<bool(std::optional<std::uint8_t>)> predicate;
        std::function<void(bool)> done;
        std::unique_ptr<runtime::Timer> timer;
        std::uint64_t id;
    };
    void notify(const ModuleChange& change);
    void update_state(std::uint8_t state, std::uint16_t fault, ModuleChange& change);
    void check_waiters();

    ModuleId id_;
    std::string name_;
    runtime::EventLoop& loop_;
    transport::CanTransport& transport_;
    const EngineOptions& options_;
    CommandedStateStore& store_;
    bool configured_;
    ModuleCounters counters_;
    CommandEngine commands_;
    LiveValues values_;

    bool connected_ = false;
    std::optional<runtime::Instant> last_seen_;
    std::optional<runtime::WallTime> last_seen_wall_;
    std::optional<std::uint8_t> state_;
    std::optional<std::uint16_t> fault_;
    std::optional<WorkingMode> mode_;
    WorkingMode reported_mode_;
    std::uint8_t mode_frames_seen_ = 0;
    protocol::ProtectionLimits limits_;
    FirmwareVersions versions_;
    ControllerHealth health_ = ControllerHealth::running;
    Observer observer_;
    std::vector<std::unique_ptr<StateWaiter>> waiters_;
    std::uint64_t next_waiter_ = 0;
};

}  // namespace ystpcs::engine
