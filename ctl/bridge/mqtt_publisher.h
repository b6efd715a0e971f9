// The MQTT side of the bridge: what the daemon's modules report, as topics of the dbus-flashmq
// layout (mqtt_topics.h), published when they change and republished on request.
//
// Change-only, and bounded: every topic's current value is kept; a value that changed is
// published at the next flush (every publish_interval_s, default 1 s) if its payload differs
// from what this connection last sent for the topic, so a value that changes five times a
// second still costs one message per interval, and one that does not change costs nothing.
// State, fault and link topics go at once. While the socket has not taken the previous flush,
// the next waits (what changed meanwhile is published then, once). After every (re)connection
// the whole set is published again, and the status topic says "online"; the broker publishes
// the last will ("offline", retained) when the bridge vanishes without a clean disconnect.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "bridge/config.h"
#include "bridge/fleet_reader.h"
#include "bridge/mqtt_connection.h"
#include "bridge/write_gate.h"
#include "runtime/event_loop.h"

namespace ystpcs::bridge {

class MqttPublisher final : public FleetObserver {
public:
    MqttPublisher(runtime::EventLoop& loop, const BridgeConfig& config, FleetReader& reader);
    Result<void> start();
    // "offline" on the status topic, then a clean disconnect; `done` when it is over.
    void stop(std::function<void()> done);

    bool connected() const { return connection_.connected(); }
    std::uint64_t published() const { return connection_.published(); }
    std::uint64_t connects() const { return connection_.connects(); }
    const std::map<std::string, std::uint64_t>& write_counts() const { return writes_.counts(); }
    std::string endpoint() const { return connection_.endpoint(); }
    std::size_t topic_count() const { return current_.size(); }

    void daemon_changed(bool up) override;
    void module_added(const ModuleState& module) override;
    void module_changed(const ModuleState& module, const std::vector<std::string>& properties) override;
    void module_removed(const ModuleState& module) override;
    void manager_changed(const std::vector<std::string>& properties) override;

private:
    void connected_to_broker();
    void message(const std::string& topic, const std::string& payload);
    void set(const std::string& topic, const json& value, bool urgent);
    void flush(bool urgent_only);
    void publish_all();
    void publish_module(const ModuleState& module, const std::vector<std::string>& properties);
    std::string topic(const std::string& service, const std::string& instance, const std::string& path) const;

    runtime::EventLoop& loop_;
    std::string site_;
    bool retain_;
    runtime::Duration interval_;
    FleetReader& reader_;
    std::map<std::string, json> current_;         // every topic's value now
    std::map<std::string, std::string> sent_;     // what this connection last published per topic
    std::set<std::string> dirty_, urgent_, gone_;  // gone_: published as null once, then forgotten
    bool urgent_posted_ = false;
    std::unique_ptr<runtime::Timer> flush_timer_;
    MqttConnection connection_;
    WriteGate writes_;
};

}  // namespace ystpcs::bridge
