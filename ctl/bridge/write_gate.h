// Writes from MQTT (W/<site>/pcs/<instance>/<path>), the only way the bridge changes a module:
//   Start     {"value": 1}                                  -> Module.Start()
//   Stop      {"value": 1}                                  -> Module.Stop()
//   SetPoint  {"value": {"mode": "cc", "current_a": -50}}   -> Module.SetMode("cc", {...}, {})
// A payload may carry "id" (any JSON), echoed in the result for correlation.
//
// What stands between a message and the module, in order: writes enabled in the
// configuration; the module listed there; the path and value well-formed; a set-point only for
// the module's current working mode (never a mode change, never a start); the rate limit
// (a token bucket; stops are exempt: a stop is never held back); then the daemon itself, which
// checks the caller (the bridge's own user: root or the control group may, as the bus policy
// says) and validates every value exactly as for any D-Bus client. Every write ends with one
// result on N/<site>/bridge/0/WriteResult and one line in the log.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/config.h"
#include "bridge/fleet_reader.h"
#include "bridge/mqtt_topics.h"
#include "runtime/event_loop.h"

namespace ystpcs::bridge {

// Tokens refill continuously at `per_minute`, up to `burst`.
class TokenBucket {
public:
    TokenBucket(double per_minute, unsigned burst) : rate_per_s_(per_minute / 60.0), burst_(burst), tokens_(burst) {}
    bool take(runtime::Instant now);

private:
    double rate_per_s_;
    double burst_;
    double tokens_;
    std::optional<runtime::Instant> last_;
};

// What a write asks for, once its value was checked; or why it is refused.
struct WriteCommand {
    enum class Kind { start, stop, set_point };
    Kind kind = Kind::start;
    std::string mode;
    std::map<std::string, double> params;
};
Result<WriteCommand> parse_write(const std::string& path, const nlohmann::json& value);

class WriteGate {
public:
    using Report = std::function<void(const nlohmann::json& result)>;
    WriteGate(runtime::EventLoop& loop, const WritesConfig& config, FleetReader& reader, Report report);

    void handle(const std::string& topic, const TopicRequest& request, const std::string& payload);
    // Writes by result: ok, error (the daemon refused or failed), refused (by the bridge).
    const std::map<std::string, std::uint64_t>& counts() const { return counts_; }

    static constexpr int kMaxInFlight = 8;

private:
    void finish(nlohmann::json result, const std::string& outcome, const std::string& error_name, const std::string& message);

    runtime::EventLoop& loop_;
    WritesConfig config_;
    FleetReader& reader_;
    Report report_;
    TokenBucket bucket_;
    int in_flight_ = 0;
    std::map<std::string, std::uint64_t> counts_;
    TokenBucket log_budget_{60, 10};
    std::uint64_t unlogged_ = 0;
};

}  // namespace ystpcs::bridge
