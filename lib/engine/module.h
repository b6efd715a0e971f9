// One PCS as the controller knows it: every value it reported and when, its link health,
// its running state, fault, working mode, protection limits and versions, what this
// controller commanded in 0x0F (and how far that is to be believed), the emergency-stop
// latch, its heartbeat state, counters, and the queue of operations that run on it one at
// a time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/command_channel.h"
#include "engine/commanded_state.h"
#include "engine/engine_options.h"
#include "engine/external_data.h"
#include "engine/live_values.h"
#include "engine/operation_queue.h"
#include "engine/stop_reason.h"
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
    bool reported = false;      // true: read from the PCS (0x36–0x38); false: as last commanded
    bool params_known = true;   // false: the PCS reported the mode code (0x36) but not its parameters
    friend bool operator==(const WorkingMode&, const WorkingMode&) = default;
};

struct FirmwareVersions {
    std::optional<protocol::FirmwareVersion> arm;  // hardware V.B.D, software V.B.D
    std::optional<protocol::FirmwareVersion> dsp;
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
    bool external_data = false;         // its policy, where the values sent come from, the warnings
    bool external_data_values = false;  // the DC values the heartbeat carried
    bool fault_cleared = false;  // a fault gave way to none (not the first "no fault" heard)
    bool stop_reason = false;
    bool any() const {
        return values.any() || link || state || fault || mode || limits || versions || commanded || health ||
               external_data || external_data_values || stop_reason;
    }
    void merge(const ModuleChange& o) {
        values |= o.values;
        link |= o.link; state |= o.state; fault |= o.fault; mode |= o.mode;
        limits |= o.limits; versions |= o.versions; commanded |= o.commanded; health |= o.health;
        external_data |= o.external_data; external_data_values |= o.external_data_values;
        fault_cleared |= o.fault_cleared; stop_reason |= o.stop_reason;
    }
};

class Module {
public:
    using Observer = std::function<void(Module&, const ModuleChange&)>;

    Module(ModuleId id, runtime::EventLoop& loop, transport::CanTransport& transport, const EngineOptions& options,
           CommandedStateStore& store, bool configured);
    ~Module();
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    const ModuleId& id() const { return id_; }
    const std::string& name() const { return name_; }
    bool configured() const { return configured_; }
    transport::CanTransport& transport() { return transport_; }
    runtime::EventLoop& loop() { return loop_; }
    const EngineOptions& options() const { return options_; }
    OperationQueue& operations() { return queue_; }
    const OperationQueue& operations() const { return queue_; }
    void set_command_timing(CommandTiming timing) { channel_.set_timing(timing); }

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
    // The power stage delivers or absorbs power (an unknown state counts as active).
    bool power_stage_active() const;
    std::optional<std::uint16_t> fault_code() const { return fault_; }
    const std::optional<WorkingMode>& working_mode() const { return mode_; }
    const protocol::ProtectionLimits& limits() const { return limits_; }
    const FirmwareVersions& versions() const { return versions_; }
    const ModuleCounters& counters() const { return counters_; }
    ModuleCounters& counters() { return counters_; }

    // ---- what this controller commanded (docs/dbus-api.md, "What 0x0F repeats") ----
    // As stored: the last start/stop and self-start handed to the bus, in this daemon's life
    // or before (the stored start is then only a hint), and the emergency-stop latch.
    CommandedFlags commanded() const;
    // The last start (true) or stop (false) handed to the bus since this daemon started.
    std::optional<bool> start_commanded_this_life() const { return start_this_life_; }
    // What clients are shown: this life's start/stop, else the stored hint where the reported
    // running state confirms it, else nothing.
    std::optional<bool> confirmed_start() const;
    void note_start_stop(std::optional<bool> start);  // nullopt: back to "none in this life"
    // An operator asked for a stop (`who`: "uid 1000"): the reason, should the module stop
    // before the next start.
    void note_stop_request(std::string who);
    // Why the power stage last stopped; none while it runs or before a stop was seen.
    const std::optional<StopReason>& stop_reason() const { return stop_reason_; }
    void note_self_start(std::optional<bool> on);

    // The emergency-stop latch: heartbeat state 3 from now on, across shutdown and restart,
    // until a successful clear-faults releases it. Suspended while that clear-faults runs (a
    // PCS still hearing state 3 would fault again at once).
    bool emergency_stop_latched() const { return latched_; }
    void latch_emergency_stop();
    void suspend_emergency_stop(bool suspended);
    void release_emergency_stop();

    ControllerHealth health() const;
    // running or shutdown; the latch overrides both.
    void set_health(ControllerHealth health);

    // ---- the heartbeat's external-device data (engine/external_data.h) ----
    const ExternalData& external_data() const { return external_data_; }
    Result<void> set_external_data_policy(const ExternalDataPolicy& policy);
    // A client's DC voltage and current for the heartbeat (source "client").
    Result<void> set_external_data_values(const protocol::ExternalDeviceData& values);
    // The module's own last DC voltage and current (0x11), when it reported them.
    std::optional<TimedValues> dc_measurement() const;
    // Called by the rack for every heartbeat it sends this module: what it carried.
    void note_external_data(const ExternalDataChoice& sent, bool zero_on_bus, const std::string& encode_error = "");

    void set_commanded_mode(const WorkingMode& mode);
    void set_observer(Observer observer) { observer_ = std::move(observer); }
    // Called after every heartbeat this module was sent outside the schedule.
    void set_heartbeat_sender(std::function<void(Module&)> send) { send_heartbeat_ = std::move(send); }
    void send_heartbeat_now();

private:
    void notify(const ModuleChange& change);
    void update_state(std::uint8_t state, std::uint16_t fault, ModuleChange& change);
    void persist(const CommandedFlags& flags);

    ModuleId id_;
    std::string name_;
    runtime::EventLoop& loop_;
    transport::CanTransport& transport_;
    const EngineOptions& options_;
    CommandedStateStore& store_;
    bool configured_;
    ModuleCounters counters_;
    LiveValues values_;

    bool connected_ = false;
    std::optional<runtime::Instant> last_seen_;
    std::optional<runtime::WallTime> last_seen_wall_;
    std::optional<std::uint8_t> state_;
    std::optional<std::uint16_t> fault_;
    std::optional<WorkingMode> mode_;
    protocol::ProtectionLimits limits_;
    FirmwareVersions versions_;
    ControllerHealth health_ = ControllerHealth::running;
    bool latched_ = false;
    bool latch_suspended_ = false;
    std::optional<bool> start_this_life_;
    std::optional<std::string> stop_requested_by_;
    std::optional<StopReason> stop_reason_;
    Observer observer_;
    std::function<void(Module&)> send_heartbeat_;
    ExternalData external_data_;
    // Last: the queue ends its operations (and abandons the channel's command) first.
    CommandChannel channel_;
    OperationQueue queue_;
};

}  // namespace ystpcs::engine
