// The MQTT layout, as Victron's dbus-flashmq has it:
//   N/<site>/<service>/<instance>/<path>   {"value": ...}   what the bridge publishes (null: invalid)
//   R/<site>/keepalive                      republish everything, then N/<site>/full_publish_completed
//   R/<site>/<service>/<instance>/<path>    republish that one topic
//   W/<site>/<service>/<instance>/<path>    {"value": ...}   a write (write_gate.h)
// Services: pcs/<interface>_<address>/<Module property>, can/<interface>/{State,Counters},
// ystpcsd/0/{Connected,Version,Heartbeat,StateFileError,Modules}, bridge/0/{Status,WriteResult}.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ystpcs::bridge {

inline constexpr const char* kPcsService = "pcs";
inline constexpr const char* kCanService = "can";
inline constexpr const char* kDaemonService = "ystpcsd";
inline constexpr const char* kBridgeService = "bridge";

std::string notify_topic(const std::string& site, const std::string& service, const std::string& instance, const std::string& path);
// {"value": v}; NaN is null.
std::string value_payload(const nlohmann::json& value);

struct TopicRequest {
    enum class Kind { keepalive, read, write };
    Kind kind = Kind::read;
    std::string service, instance, path;
};
// A request on R/<site>/... or W/<site>/..., or nothing for anything else (another site, N/).
std::optional<TopicRequest> parse_request_topic(const std::string& site, const std::string& topic);

}  // namespace ystpcs::bridge
