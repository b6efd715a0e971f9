#include "engine/external_data.h"

#include <cstdio>

#include <spdlog/spdlog.h>

namespace ystpcs::engine {

using protocol::ExternalDeviceData;

std::string_view to_string(ExternalDataSource source) {
    switch (source) {
        case ExternalDataSource::zero: return "zero";
        case ExternalDataSource::mirror: return "mirror";
        case ExternalDataSource::client: return "client";
    }
    return "zero";
}

std::optional<ExternalDataSource> parse_external_data_source(std::string_view name) {
    for (auto s : {ExternalDataSource::zero, ExternalDataSource::mirror, ExternalDataSource::client})
        if (to_string(s) == name) return s;
    return std::nullopt;
}

namespace {

std::string seconds_text(double s) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}
std::string seconds_text(runtime::Duration d) { return seconds_text(runtime::seconds(d)); }

bool fresh(const std::optional<TimedValues>& v, runtime::Duration max_age, runtime::Instant now) {
    return v && now - v->at <= max_age;
}

}  // namespace

Result<runtime::Duration> external_data_age(double seconds) {
    // Checked as a double: a huge one does not fit a duration.
    if (!(seconds >= runtime::seconds(kMinExternalDataAge) && seconds <= runtime::seconds(kMaxExternalDataAge))) {
        return make_error(ErrorKind::out_of_range, "max_age_s = " + seconds_text(seconds) + " is outside the allowed range " +
                                                       seconds_text(kMinExternalDataAge) + " … " +
                                                       seconds_text(kMaxExternalDataAge));
    }
    return std::chrono::duration_cast<runtime::Duration>(std::chrono::duration<double>(seconds));
}

Result<void> check_policy(const ExternalDataPolicy& p) {
    if (p.fallback == ExternalDataSource::client)
        return make_error(ErrorKind::invalid_argument, "fallback must be \"zero\" or \"mirror\", not \"client\"");
    if (auto age = external_data_age(runtime::seconds(p.max_age)); !age) return age.error();
    return {};
}

ExternalDataChoice choose_external_data(const ExternalDataPolicy& p, const std::optional<TimedValues>& client,
                                        const std::optional<TimedValues>& measured, runtime::Instant now) {
    using S = ExternalDataSource;
    using I = ExternalDataIssue;
    switch (p.source) {
        case S::zero: return {};
        case S::mirror:
            if (!measured) return {{}, S::zero, I::no_measurement};
            if (!fresh(measured, p.max_age, now)) return {{}, S::zero, I::measurement_stale};
            return {measured->values, S::mirror, I::none};
        case S::client: {
            if (fresh(client, p.max_age, now)) return {client->values, S::client, I::none};
            const I issue = client ? I::client_values_stale : I::no_client_values;
            if (p.fallback == S::mirror && fresh(measured, p.max_age, now)) return {measured->values, S::mirror, issue};
            return {{}, S::zero, issue};
        }
    }
    return {};
}

std::string describe_issue(const ExternalDataChoice& c, const ExternalDataPolicy& p) {
    const std::string age = "max_age_s (" + seconds_text(p.max_age) + ")";
    std::string fallback;
    if (c.origin == ExternalDataSource::mirror) fallback = "sending the module's own DC measurement (fallback mirror)";
    else if (p.fallback == ExternalDataSource::mirror)
        fallback = "sending zeros (fallback mirror, but the module's DC measurement is not fresh either)";
    else fallback = "sending zeros (fallback zero)";
    switch (c.issue) {
        case ExternalDataIssue::none: return "";
        case ExternalDataIssue::no_client_values: return "no values from a client yet (source client): " + fallback;
        case ExternalDataIssue::client_values_stale:
            return "the client's values are older than " + age + ": " + fallback + " until a client sets new ones";
        case ExternalDataIssue::no_measurement:
            return "the module has not reported its DC voltage and current (0x11) yet (source mirror): sending zeros";
        case ExternalDataIssue::measurement_stale:
            return "the module's DC measurement (0x11) is older than " + age + " (source mirror): sending zeros";
        case ExternalDataIssue::not_encodable:
            return "the values lie outside what the heartbeat can carry (0 … 1000 V, -1000 … 1000 A): sending zeros";
    }
    return "";
}

ExternalData::ExternalData(std::string module_name, ExternalDataPolicy policy)
    : name_(std::move(module_name)), policy_(policy) {}

Result<void> ExternalData::set_policy(const ExternalDataPolicy& p) {
    if (auto ok = check_policy(p); !ok) return ok;
    if (p == policy_) return {};
    policy_ = p;
    policy_changed_ = true;  // the warnings name the policy: re-made with the next heartbeat
    spdlog::info("{}: external-device data in the heartbeat: source {}, fallback {}, max age {}", name_,
                 to_string(p.source), to_string(p.fallback), seconds_text(p.max_age));
    return {};
}

Result<void> ExternalData::set_client_values(const ExternalDeviceData& values, runtime::Instant now) {
    if (auto ok = protocol::check_external_device_data(values); !ok) return ok;
    if (policy_.source != ExternalDataSource::client)
        return make_error(ErrorKind::interlock,
                          name_ + " sends " + std::string(to_string(policy_.source)) +
                              " as external-device data: a client's values are used only with source \"client\" "
                              "(SetExternalDataSource, or external_data.source in the configuration); nothing changed");
    client_ = TimedValues{values, now};
    return {};
}

ExternalData::Update ExternalData::record(const ExternalDataChoice& sent, bool zero_on_bus,
                                          const std::optional<protocol::FirmwareVersion>& arm,
                                          const std::string& encode_error) {
    Update u;
    u.values = !sent_any_ || !(sent.values == sent_.values);
    u.status = policy_changed_;
    policy_changed_ = false;
    if (!sent_any_ || sent.issue != sent_.issue || sent.origin != sent_.origin) {
        u.status = true;
        if (sent.issue == ExternalDataIssue::not_encodable)
            spdlog::warn("{}: external-device data: {}: sending zeros", name_, encode_error);
        else if (sent.issue == ExternalDataIssue::no_measurement)
            spdlog::info("{}: external-device data: {}", name_, describe_issue(sent, policy_));
        else if (sent.issue != ExternalDataIssue::none)
            spdlog::warn("{}: external-device data: {}", name_, describe_issue(sent, policy_));
        else if (sent_any_ && sent_.issue != ExternalDataIssue::none)
            spdlog::info("{}: external-device data: sending {} ({}) as asked", name_,
                         sent.origin == ExternalDataSource::mirror ? "the module's own DC measurement"
                         : sent.origin == ExternalDataSource::client ? "the client's values"
                                                                     : "zeros",
                         to_string(sent.origin));
    }
    std::string firmware;
    if (zero_on_bus && arm && !protocol::accepts_zero_dc(*arm))
        firmware = "ARM firmware " + protocol::software_text(*arm) +
                   " is not newer than 2.1.38 and may refuse heartbeats with zero DC voltage and current (spec 3.4): "
                   "it would fault with 0x800D after 5 s. Set this module's external-device data source to \"mirror\" "
                   "or \"client\" (configuration: external_data.source or modules[].external_data.source; D-Bus: "
                   "SetExternalDataSource; pcsctl external-data source)";
    if (firmware != firmware_warning_) {
        u.status = true;
        if (!firmware.empty()) spdlog::warn("{}: {}", name_, firmware);
        else if (arm && !protocol::accepts_zero_dc(*arm))
            spdlog::info("{}: the heartbeat no longer carries zero DC values", name_);
        firmware_warning_ = firmware;
    }
    sent_ = sent;
    sent_any_ = true;
    if (u.status) {
        warnings_.clear();
        if (sent.issue != ExternalDataIssue::none) warnings_.push_back(describe_issue(sent, policy_));
        if (!firmware_warning_.empty()) warnings_.push_back(firmware_warning_);
    }
    return u;
}

}  // namespace ystpcs::engine
