// A simulated YSTECH PCS: the PCS side of the whole protocol, driven by frames in and a
// clock, with frames out through a sink. No I/O and no timers of its own: the owner calls
// advance(now) at next_deadline(). Behaviour follows the reference: periodic frames every
// 200 ms (0x13 also on change), a reply to every command, mode changes refused while the
// power stage is active, set-points refused outside the protection limits, "the other two
// bytes keep their values" in 0x0F, fault 0x800D after 5 s without the controller, and
// power-on self-start. An ARM firmware not newer than 2.1.38 refuses heartbeats that carry
// zero DC voltage and current (3.4): they count as missing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/codec.h"
#include "protocol/firmware_version.h"
#include "protocol/heartbeat.h"
#include "protocol/protection_limits.h"
#include "runtime/event_loop.h"
#include "sim/plant.h"

namespace ystpcs::sim {

struct FirmwareVersion {
    // hardware V.B.D, software V.B.D. By default the first ARM software that accepts a zero
    // heartbeat (newer than 2.1.38, spec 3.4); 2.1.38 and older refuse one.
    protocol::FirmwareVersion arm{1, 0, 0, 2, 1, 39};
    protocol::FirmwareVersion dsp{1, 0, 0, 1, 3, 7};
};

// "V.B.D" (each 0–255) → the three software bytes of `version`; false when malformed.
bool parse_software_version(std::string_view text, protocol::FirmwareVersion& version);

struct PcsConfig {
    std::uint8_t address = 0xFA;
    PlantConfig plant;
    protocol::ProtectionLimits limits;   // factory protection parameters; default_limits() fills them
    FirmwareVersion firmware;
    runtime::Duration period = std::chrono::milliseconds(200);
    runtime::Duration heartbeat_timeout = std::chrono::seconds(5);
    runtime::Duration self_check = std::chrono::seconds(1);
    runtime::Duration soft_start = std::chrono::milliseconds(500);
    runtime::Duration physics_step = std::chrono::milliseconds(50);
};

// Factory protection parameters for a battery and module: voltages around the battery's
// nominal voltage, currents and powers at the module's rating, grid limits of Appendix C.
protocol::ProtectionLimits default_limits(const PlantConfig& plant);

class PcsModel {
public:
    using FrameSink = std::function<void(const protocol::CanFrame&)>;

    PcsModel(PcsConfig config, FrameSink sink);

    // Mains on: self-check, then standby, or the last mode again when self-start is set.
    void power_on(runtime::Instant now);
    // Every frame seen on the bus; the model keeps what is addressed to it (or broadcast).
    void on_frame(const protocol::CanFrame& frame, runtime::Instant now);
    // Runs physics, periodic frames and timeouts up to `now`.
    void advance(runtime::Instant now);
    runtime::Instant next_deadline() const;

    // ---- fault injection and control (pcs-sim's control channel, tests) ----
    void inject_fault(std::uint16_t code, runtime::Instant now);
    void go_silent(runtime::Duration duration, runtime::Instant now);  // sends nothing meanwhile
    void drop_replies(unsigned count);                                 // the next `count` replies are lost
    void refuse_commands(unsigned count);  // the next `count` commands with a result frame answer failure, unexecuted
    void corrupt_frames(unsigned count);                               // the next `count` periodic frames are garbled
    // A misbehaving peer: while its power stage operates (past soft start), 0x13 reports running
    // state `state` whatever the mode regulates (a real module, commanded cc, reported
    // constant-voltage operation at +50 A). std::nullopt: truthful again.
    void misreport_state(std::optional<std::uint8_t> state);
    void power_cycle(runtime::Instant now);
    void set_soc(double soc);
    void set_io_inputs(const std::array<std::uint8_t, 4>& inputs);
    nlohmann::ordered_json state_json(runtime::Instant now) const;

    // Called after every change of running state or fault code.
    void set_observer(std::function<void(const PcsModel&)> observer) { observer_ = std::move(observer); }

    // ---- observation (tests) ----
    std::uint8_t address() const { return config_.address; }
    std::uint8_t running_state() const { return state_; }
    // What 0x13 carries: running_state(), unless misreport_state() says otherwise.
    std::uint8_t reported_state() const;
    std::uint16_t fault_code() const { return fault_; }
    bool self_start() const { return self_start_; }
    std::uint8_t mode() const { return mode_; }
    const std::array<std::int32_t, protocol::kMaxModeParams>& raw_params() const { return raw_params_; }
    const protocol::ProtectionLimits& limits() const { return limits_; }
    const Plant& plant() const { return plant_; }
    std::uint64_t frames_sent() const { return frames_sent_; }
    std::uint64_t commands_received() const { return commands_received_; }
    const FirmwareVersion& firmware() const { return config_.firmware; }
    // Heartbeats this firmware refused (zero DC values on a firmware not newer than 2.1.38).
    std::uint64_t heartbeats_refused() const { return heartbeats_refused_; }
    // The external-device data of the last heartbeat addressed to it, refused or not.
    const std::optional<protocol::ExternalDeviceData>& last_heartbeat_data() const { return last_heartbeat_data_; }

private:
    void handle_command(const protocol::DecodedFrame& cmd, runtime::Instant now);
    void handle_start_stop(const protocol::DecodedFrame& cmd, runtime::Instant now);
    void handle_mode(const protocol::DecodedFrame& cmd);
    void handle_mode_params(const protocol::DecodedFrame& cmd);
    void handle_protection_write(const protocol::DecodedFrame& cmd);
    void handle_setting_write(const protocol::DecodedFrame& cmd);
    void handle_read_setting(std::uint8_t type);
    void handle_heartbeat(const protocol::DecodedFrame& cmd, runtime::Instant now);

    bool start(runtime::Instant now);
    void stop();
    void raise_fault(std::uint16_t code);
    void clear_fault();
    void set_state(std::uint8_t state);
    std::uint8_t operating_state() const;
    std::array<double, protocol::kMaxModeParams> engineering_params() const;

    void step_physics(runtime::Instant now);
    void send_periodic();
    void send_state_fault();
    void reply(std::uint8_t pf, std::initializer_list<double> values);
    bool refuse(const protocol::DecodedFrame& cmd);
    void reply_values(std::uint8_t pf, const std::array<double, protocol::kMaxSignals>& values);
    void emit(const protocol::CanFrame& frame, bool is_reply);
    bool silent(runtime::Instant now) const;

    PcsConfig config_;
    FrameSink sink_;
    std::function<void(const PcsModel&)> observer_;
    Plant plant_;
    protocol::ProtectionLimits limits_;

    std::uint8_t state_ = 0;      // Appendix B; 0 until powered on
    std::uint16_t fault_ = 0;     // Appendix C
    bool self_start_ = false;
    std::uint8_t mode_;           // Appendix A; factory default standby
    std::array<std::int32_t, protocol::kMaxModeParams> raw_params_{};
    std::array<double, 3> phase_active_kw_{};
    std::array<double, 3> phase_reactive_kvar_{};
    std::map<std::uint8_t, std::array<double, protocol::kMaxSignals>> settings_;  // by setting type
    std::array<std::uint8_t, 4> io_inputs_{};
    std::chrono::seconds clock_offset_{0};

    bool powered_ = false;
    runtime::Instant self_check_until_{};
    runtime::Instant soft_start_until_{};
    std::optional<runtime::Instant> last_heard_;  // last frame from the controller
    runtime::Instant next_periodic_{};
    runtime::Instant physics_time_{};
    runtime::Instant silent_until_{};
    unsigned drop_replies_ = 0;
    unsigned refuse_commands_ = 0;
    unsigned corrupt_frames_ = 0;
    unsigned corrupt_kind_ = 0;
    std::optional<std::uint8_t> misreported_state_;
    std::uint64_t frames_sent_ = 0;
    std::uint64_t commands_received_ = 0;
    std::uint64_t heartbeats_refused_ = 0;
    std::optional<protocol::ExternalDeviceData> last_heartbeat_data_;
};

}  // namespace ystpcs::sim
