// What a module's heartbeat carries as external-device data (0x1A bytes 1–4: a DC voltage and
// current measured by the controller), per module: zeros (the reference's "no measurement";
// only ARM firmware newer than 2.1.38 accepts them), the module's own last measurement
// mirrored back, or values a client (a BMS bridge) sets. Values older than the policy's age
// are never sent: mirrored ones give way to zeros, a client's to the policy's fallback. What
// was sent, and why it differs from what was asked, is kept for the log, D-Bus and pcsctl.
//
// Decision: choosing the payload is not an operation on the module's OperationQueue. It
// sends no command and waits for no reply; it only changes what the next heartbeat round
// carries, and the heartbeat never waits behind the queue (as the emergency-stop latch does
// not). Queued, a BMS bridge's updates would wait behind a 10 s stop_first, be cancelled by
// every stop and fill the queue (Busy): its values would go stale exactly when they matter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/heartbeat.h"
#include "protocol/result.h"
#include "runtime/event_loop.h"

namespace ystpcs::engine {

enum class ExternalDataSource : std::uint8_t {
    zero,    // 0 V, 0 A: the controller measures nothing
    mirror,  // the module's own last DC voltage and current (0x11)
    client,  // values set by a client
};
std::string_view to_string(ExternalDataSource source);
std::optional<ExternalDataSource> parse_external_data_source(std::string_view name);

struct ExternalDataPolicy {
    ExternalDataSource source = ExternalDataSource::zero;
    // What a client's values give way to once older than max_age: zero or mirror.
    ExternalDataSource fallback = ExternalDataSource::zero;
    // Client values and mirrored measurements older than this are not sent.
    runtime::Duration max_age = std::chrono::seconds(2);
    friend bool operator==(const ExternalDataPolicy&, const ExternalDataPolicy&) = default;
};

// Bounds of max_age: at least two of the module's 200 ms frame periods, at most a minute.
inline constexpr runtime::Duration kMinExternalDataAge = std::chrono::milliseconds(500);
inline constexpr runtime::Duration kMaxExternalDataAge = std::chrono::seconds(60);
// A fallback of "client" and an age outside the bounds are refused, naming the field.
Result<void> check_policy(const ExternalDataPolicy& policy);
// max_age_s from a client: inside the bounds (OutOfRange naming the value otherwise).
Result<runtime::Duration> external_data_age(double seconds);

struct TimedValues {
    protocol::ExternalDeviceData values;
    runtime::Instant at{};
};

// Why the heartbeat does not carry what the policy's source asks for.
enum class ExternalDataIssue : std::uint8_t {
    none,
    no_client_values,     // source client: no client has set values yet
    client_values_stale,  // source client: the last values are older than max_age
    no_measurement,       // mirror: the module has not reported its DC values yet
    measurement_stale,    // mirror: its last DC values are older than max_age
    not_encodable,        // the values lie outside the heartbeat's fields (0 … 1000 V, ±1000 A)
};

struct ExternalDataChoice {
    protocol::ExternalDeviceData values;
    ExternalDataSource origin = ExternalDataSource::zero;  // where `values` come from
    ExternalDataIssue issue = ExternalDataIssue::none;
    friend bool operator==(const ExternalDataChoice&, const ExternalDataChoice&) = default;
};

// What the next heartbeat carries, by the policy, from the client's values and the module's
// measurement (each with the time it was set or received).
ExternalDataChoice choose_external_data(const ExternalDataPolicy& policy, const std::optional<TimedValues>& client,
                                        const std::optional<TimedValues>& measured, runtime::Instant now);
// "the client's values are older than max_age_s (2 s): sending zeros (fallback zero)".
std::string describe_issue(const ExternalDataChoice& choice, const ExternalDataPolicy& policy);

// One module's external-device data: its policy, a client's values, what the last heartbeat
// carried, and the warnings about it. Transitions are logged once, not every round.
class ExternalData {
public:
    ExternalData(std::string module_name, ExternalDataPolicy policy);

    const ExternalDataPolicy& policy() const { return policy_; }
    // Checked first (check_policy); logged.
    Result<void> set_policy(const ExternalDataPolicy& policy);
    // A client's values, checked against the heartbeat's fields through the protocol table
    // (OutOfRange naming the field), and refused (Interlock) unless the source is "client":
    // a value that would never reach the bus is not silently accepted.
    Result<void> set_client_values(const protocol::ExternalDeviceData& values, runtime::Instant now);
    const std::optional<TimedValues>& client_values() const { return client_; }

    struct Update {
        bool values = false;  // the DC values sent changed
        bool status = false;  // where they came from or the warnings changed
    };
    // Records what a heartbeat carried. `zero_on_bus`: it carried 0 V and 0 A as encoded;
    // `arm`: the module's ARM firmware when known (a firmware not newer than 2.1.38 is warned
    // about while it gets zeros).
    Update record(const ExternalDataChoice& sent, bool zero_on_bus, const std::optional<protocol::FirmwareVersion>& arm,
                  const std::string& encode_error = "");
    const ExternalDataChoice& sent() const { return sent_; }
    bool sent_any() const { return sent_any_; }
    // Why the heartbeat is not what the policy asks for, and firmware that may refuse it.
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    std::string name_;
    ExternalDataPolicy policy_;
    std::optional<TimedValues> client_;
    ExternalDataChoice sent_;
    bool sent_any_ = false;
    bool policy_changed_ = false;
    std::string firmware_warning_;
    std::vector<std::string> warnings_;
};

}  // namespace ystpcs::engine
