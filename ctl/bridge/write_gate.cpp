#include "bridge/write_gate.h"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "runtime/config_reader.h"

namespace ystpcs::bridge {

using json = nlohmann::json;

bool TokenBucket::take(runtime::Instant now) {
    if (last_) tokens_ = std::min(burst_, tokens_ + runtime::seconds(now - *last_) * rate_per_s_);
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
}

Result<WriteCommand> parse_write(const std::string& path, const json& value) {
    const auto is_one = [](const json& v) { return (v.is_boolean() && v.get<bool>()) || (v.is_number() && v.get<double>() == 1); };
    WriteCommand c;
    if (path == "Start" || path == "Stop") {
        if (!is_one(value)) return make_error(ErrorKind::invalid_argument, path + " takes {\"value\": 1}");
        c.kind = path == "Start" ? WriteCommand::Kind::start : WriteCommand::Kind::stop;
        return c;
    }
    if (path == "SetPoint") {
        if (!value.is_object() || !value.contains("mode") || !value["mode"].is_string())
            return make_error(ErrorKind::invalid_argument, "SetPoint takes {\"value\": {\"mode\": \"cc\", \"current_a\": -50, ...}}");
        c.kind = WriteCommand::Kind::set_point;
        c.mode = value["mode"].get<std::string>();
        for (const auto& [name, v] : value.items()) {
            if (name == "mode") continue;
            if (!v.is_number() || !std::isfinite(v.get<double>()))
                return make_error(ErrorKind::invalid_argument, "SetPoint parameter '" + name + "' must be a number");
            c.params[name] = v.get<double>();
        }
        if (c.params.empty()) return make_error(ErrorKind::invalid_argument, "SetPoint names no parameter");
        return c;
    }
    return make_error(ErrorKind::invalid_argument, "'" + path + "' is not writable (Start, Stop, SetPoint)");
}

WriteGate::WriteGate(runtime::EventLoop& loop, const WritesConfig& config, FleetReader& reader, Report report)
    : loop_(loop), config_(config), reader_(reader), report_(std::move(report)), bucket_(config.per_minute, config.burst) {}

void WriteGate::handle(const std::string& topic, const TopicRequest& request, const std::string& payload) {
    json result{{"topic", topic}, {"write", request.path}};
    const auto refuse = [&](const std::string& code, const std::string& why) { finish(result, "refused", code, why); };

    json body = json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (body.is_object() && body.contains("id")) result["id"] = body["id"];
    if (!config_.enabled) return refuse("writes-disabled", "writes are disabled in the bridge's configuration (mqtt.writes.enabled)");
    if (request.service != kPcsService) return refuse("not-writable", "only pcs/<instance>/{Start,Stop,SetPoint} are writable");
    const ModuleState* module = reader_.state().module_by_instance(request.instance);
    if (!module) return refuse("unknown-module", "no module '" + request.instance + "' is served");
    result["module"] = module->name();
    if (std::find(config_.modules.begin(), config_.modules.end(), module->name()) == config_.modules.end())
        return refuse("module-not-listed", "module " + module->name() + " is not in mqtt.writes.modules");
    if (body.is_discarded() || !body.is_object() || !body.contains("value"))
        return refuse("invalid", "the payload must be JSON: {\"value\": ...}");
    const auto command = parse_write(request.path, body["value"]);
    if (!command) return refuse("invalid", command.error().message);
    if (command->kind == WriteCommand::Kind::set_point) {
        const auto mode = module->text("WorkingMode");
        if (!mode) return refuse("mode-unknown", "the working mode of " + module->name() + " is not known yet");
        if (*mode != command->mode)
            return refuse("mode-change", "the module is in mode '" + *mode + "'; a set-point over MQTT never changes the mode");
    }
    // A stop is never held back: neither by the rate limit nor by writes still running.
    if (command->kind != WriteCommand::Kind::stop) {
        if (in_flight_ >= kMaxInFlight) return refuse("busy", std::to_string(in_flight_) + " writes are still running");
        if (!bucket_.take(loop_.now()))
            return refuse("rate-limited", "more than " + std::to_string(config_.burst) + " writes at once or " +
                                              runtime::ConfigReader::format(config_.per_minute) + " per minute");
    }
    ++in_flight_;
    auto done = [this, result](const CallOutcome& outcome) mutable {
        --in_flight_;
        finish(result, outcome.ok ? "ok" : "error", outcome.error_name, outcome.error_message);
    };
    switch (command->kind) {
        case WriteCommand::Kind::start: reader_.start_module(module->path(), std::move(done)); break;
        case WriteCommand::Kind::stop: reader_.stop_module(module->path(), std::move(done)); break;
        case WriteCommand::Kind::set_point: reader_.set_mode(module->path(), command->mode, command->params, std::move(done)); break;
    }
}

void WriteGate::finish(json result, const std::string& outcome, const std::string& error_name, const std::string& message) {
    result["result"] = outcome;
    if (!error_name.empty()) result["error"] = error_name;
    if (!message.empty()) result["message"] = message;
    result["time"] = runtime::unix_seconds(loop_.wall_now());
    ++counts_[outcome];
    const std::string what = result.value("topic", "") + (result.contains("module") ? " (" + result["module"].get<std::string>() + ")" : "");
    if (outcome == "ok") {
        spdlog::info("MQTT write {}: ok", what);
    } else if (log_budget_.take(loop_.now())) {
        // Refusals are counted and published each; the log takes about one a second, so that
        // a client that keeps trying cannot flood the journal.
        spdlog::warn("MQTT write {}: {} {}: {}{}", what, outcome, error_name, message,
                     unlogged_ ? " (" + std::to_string(unlogged_) + " earlier failed writes not logged)" : "");
        unlogged_ = 0;
    } else {
        ++unlogged_;
    }
    report_(result);
}

}  // namespace ystpcs::bridge
