#include "bridge/mqtt_topics.h"

#include <vector>

namespace ystpcs::bridge {

std::string notify_topic(const std::string& site, const std::string& service, const std::string& instance, const std::string& path) {
    return "N/" + site + "/" + service + "/" + instance + "/" + path;
}

std::string value_payload(const nlohmann::json& value) {
    // nlohmann writes NaN and infinities as null: "invalid", as dbus-flashmq says it.
    return nlohmann::json{{"value", value}}.dump();
}

std::optional<TopicRequest> parse_request_topic(const std::string& site, const std::string& topic) {
    std::vector<std::string> levels;
    std::size_t start = 0;
    for (;;) {
        const auto slash = topic.find('/', start);
        levels.push_back(topic.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (levels.size() < 3 || (levels[0] != "R" && levels[0] != "W") || levels[1] != site) return std::nullopt;
    TopicRequest r;
    if (levels[0] == "R" && levels.size() == 3 && levels[2] == "keepalive") {
        r.kind = TopicRequest::Kind::keepalive;
        return r;
    }
    if (levels.size() != 5) return std::nullopt;
    for (std::size_t i = 2; i < 5; ++i)
        if (levels[i].empty()) return std::nullopt;
    r.kind = levels[0] == "R" ? TopicRequest::Kind::read : TopicRequest::Kind::write;
    r.service = levels[2];
    r.instance = levels[3];
    r.path = levels[4];
    return r;
}

}  // namespace ystpcs::bridge
