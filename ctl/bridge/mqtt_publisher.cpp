#include "bridge/mqtt_publisher.h"

#include <spdlog/spdlog.h>

#include "bridge/mqtt_topics.h"

namespace ystpcs::bridge {

namespace {

// Published at once, not at the next flush: what an alert or an operator waits for.
bool urgent_property(const std::string& name) {
    static const std::set<std::string> urgent{"Connected",  "RunningState",     "RunningStateName", "FaultCode",
                                              "FaultText",  "FaultAction",      "PowerStageActive", "HeartbeatState",
                                              "CommandedStart", "WorkingMode"};
    return urgent.count(name) > 0;
}

std::string status_payload(const char* status) { return value_payload(status); }

}  // namespace

MqttPublisher::MqttPublisher(runtime::EventLoop& loop, const BridgeConfig& config, FleetReader& reader)
    : loop_(loop),
      site_(config.site),
      retain_(config.mqtt.retain),
      interval_(config.mqtt.publish_interval),
      reader_(reader),
      connection_(loop, config.mqtt, config.mqtt.client_id.empty() ? "ystpcs-bridge-" + config.site : config.mqtt.client_id,
                  {notify_topic(config.site, kBridgeService, "0", "Status"), status_payload("offline")},
                  {[this] { connected_to_broker(); }, nullptr,
                   [this](const std::string& t, const std::string& p) { message(t, p); }}),
      writes_(loop, config.mqtt.writes, reader, [this](const json& result) {
          connection_.publish(topic(kBridgeService, "0", "WriteResult"), value_payload(result), 1, false);
      }) {
    flush_timer_ = loop_.create_timer([this] {
        flush(false);
        const auto next = flush_timer_->deadline() + interval_;
        flush_timer_->arm(next > loop_.now() ? next : loop_.now() + interval_);
    });
    // Not known until the bus answers.
    set(topic(kDaemonService, "0", "Connected"), nullptr, false);
}

Result<void> MqttPublisher::start() {
    if (auto r = connection_.start(); !r) return r;
    flush_timer_->arm(loop_.now() + interval_);
    return {};
}

void MqttPublisher::stop(std::function<void()> done) {
    flush_timer_->disarm();
    connection_.publish(topic(kBridgeService, "0", "Status"), status_payload("offline"), 1, true);
    connection_.stop(std::move(done));
}

std::string MqttPublisher::topic(const std::string& service, const std::string& instance, const std::string& path) const {
    return notify_topic(site_, service, instance, path);
}

void MqttPublisher::connected_to_broker() {
    sent_.clear();
    connection_.publish(topic(kBridgeService, "0", "Status"), status_payload("online"), 1, true);
    connection_.subscribe("R/" + site_ + "/#", 0);
    connection_.subscribe("W/" + site_ + "/#", 1);
    publish_all();
}

void MqttPublisher::message(const std::string& t, const std::string& payload) {
    const auto request = parse_request_topic(site_, t);
    if (!request) return;
    switch (request->kind) {
        case TopicRequest::Kind::keepalive:
            publish_all();
            connection_.publish("N/" + site_ + "/full_publish_completed", value_payload(runtime::unix_seconds(loop_.wall_now())), 0, false);
            break;
        case TopicRequest::Kind::read: {
            const auto it = current_.find(topic(request->service, request->instance, request->path));
            if (it == current_.end()) return;
            const std::string payload = value_payload(it->second);
            if (connection_.publish(it->first, payload, 0, retain_)) sent_[it->first] = payload;
            break;
        }
        case TopicRequest::Kind::write: writes_.handle(t, *request, payload); break;
    }
}

void MqttPublisher::set(const std::string& t, const json& value, bool urgent) {
    current_[t] = value;
    gone_.erase(t);
    dirty_.insert(t);
    if (!urgent) return;
    urgent_.insert(t);
    if (urgent_posted_) return;
    urgent_posted_ = true;
    // After the current callback: every change of one signal goes out together.
    loop_.post([this] {
        urgent_posted_ = false;
        flush(true);
    });
}

void MqttPublisher::flush(bool urgent_only) {
    if (!connection_.connected()) return;  // the next connection publishes everything
    if (!urgent_only && connection_.backed_up()) return;
    std::set<std::string> topics;
    topics.swap(urgent_only ? urgent_ : dirty_);
    if (!urgent_only) urgent_.clear();
    for (const auto& t : topics) {
        if (urgent_only) dirty_.erase(t);
        const auto it = current_.find(t);
        if (it == current_.end()) continue;
        const std::string payload = value_payload(it->second);
        auto& last = sent_[t];
        if (last != payload && connection_.publish(t, payload, 0, retain_)) last = payload;
        if (gone_.erase(t)) {
            current_.erase(t);
            sent_.erase(t);
        }
    }
}

void MqttPublisher::publish_all() {
    for (const auto& [t, value] : current_) {
        const std::string payload = value_payload(value);
        if (connection_.publish(t, payload, 0, retain_)) sent_[t] = payload;
    }
    dirty_.clear();
    urgent_.clear();
    for (const auto& t : gone_) {
        current_.erase(t);
        sent_.erase(t);
    }
    gone_.clear();
}

void MqttPublisher::publish_module(const ModuleState& m, const std::vector<std::string>& properties) {
    for (const auto& name : properties) set(topic(kPcsService, m.instance(), name), m.value(name), urgent_property(name));
}

void MqttPublisher::daemon_changed(bool up) {
    set(topic(kDaemonService, "0", "Connected"), up, true);
    if (up) return;
    // What the daemon said is no longer known.
    const std::string daemon_prefix = "N/" + site_ + "/" + kDaemonService + "/", can_prefix = "N/" + site_ + "/" + kCanService + "/";
    for (auto& [t, value] : current_)
        if ((t.rfind(daemon_prefix, 0) == 0 && t != topic(kDaemonService, "0", "Connected")) || t.rfind(can_prefix, 0) == 0)
            set(t, nullptr, true);
}

void MqttPublisher::module_added(const ModuleState& m) {
    std::vector<std::string> names;
    for (const auto& [name, v] : m.properties()) names.push_back(name);
    publish_module(m, names);
}

void MqttPublisher::module_changed(const ModuleState& m, const std::vector<std::string>& properties) {
    publish_module(m, properties);
}

void MqttPublisher::module_removed(const ModuleState& m) {
    const std::string prefix = topic(kPcsService, m.instance(), "");
    for (auto& [t, value] : current_)
        if (t.rfind(prefix, 0) == 0) {
            set(t, nullptr, true);
            gone_.insert(t);
        }
}

void MqttPublisher::manager_changed(const std::vector<std::string>& properties) {
    const auto& manager = reader_.state().manager();
    for (const auto& name : properties) {
        const auto it = manager.find(name);
        if (it == manager.end()) continue;
        if (name == "Interfaces" && it->second.is_array()) {
            for (const auto& i : it->second) {
                if (!i.contains("name") || !i["name"].is_string()) continue;
                const std::string iface = i["name"].get<std::string>();
                set(topic(kCanService, iface, "State"), i.value("state", json(nullptr)), true);
                set(topic(kCanService, iface, "Counters"), i.value("counters", json(nullptr)), false);
            }
        } else if (name == "Modules" && it->second.is_array()) {
            json names = json::array();
            for (const auto& p : it->second)
                if (const auto ref = p.is_string() ? dbus::parse_module_path(p.get<std::string>()) : std::nullopt)
                    names.push_back(ref->interface + "/" + std::to_string(ref->address));
            set(topic(kDaemonService, "0", "Modules"), names, false);
        } else if (name == "Version" || name == "Heartbeat" || name == "StateFileError") {
            set(topic(kDaemonService, "0", name), it->second, false);
        }
    }
}

}  // namespace ystpcs::bridge
