// ystpcs-bridge's pure parts: its configuration, the validity rules of what it knows (stale
// values are null and have no metric), the Prometheus exposition, the MQTT topics, the write
// checks and the rate limit, the HTTP request head.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "bridge/config.h"
#include "bridge/fleet_state.h"
#include "bridge/http_server.h"
#include "bridge/metrics.h"
#include "bridge/mqtt_topics.h"
#include "bridge/write_gate.h"

using namespace ystpcs;
using namespace ystpcs::bridge;
using json = nlohmann::json;

namespace {

std::string config_error(const std::string& text) {
    const auto r = parse_bridge_config(text);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

// A module as the reader leaves it after GetManagedObjects and GetValues.
ModuleState live_module() {
    ModuleState m("/org/ystpcs/pcs1/can0/250", {"can0", 250});
    m.update({{"Connected", true},
              {"DcVoltage", 650.5},
              {"DcCurrent", -20.0},
              {"DcPower", -13.01},
              {"Energy", 2.5},
              {"InletTemperature", 31.0},
              {"GridVoltageU", std::nan("")},
              {"RunningState", 12},
              {"RunningStateName", "constant-current operation"},
              {"PowerStageActive", true},
              {"FaultCode", 0},
              {"FaultText", "no fault"},
              {"HeartbeatState", 2},
              {"WorkingMode", "cc"},
              {"WorkingModeParameters", {{"current_a", -20.0}}},
              {"LastSeen", 1700000000123456ULL},
              {"ArmVersion", ""},
              {"Counters", {{"rx", 120}, {"timeouts", 1}, {"brand_new", 3}}}},
             false);
    m.mark_reported({"DcVoltage", "DcCurrent", "DcPower", "Energy", "InletTemperature", "GridVoltageU", "RunningState", "FaultCode"});
    return m;
}

}  // namespace

TEST_CASE("a full bridge configuration parses, with comments") {
    const auto r = parse_bridge_config(R"({
        // rack 3
        "site": "rack-03", "bus": "system", "poll_interval_s": 2, "log_level": "debug",
        "metrics": {"enabled": true, "address": "::1", "port": 9100},
        "mqtt": {"enabled": true, "host": "broker.lab", "port": 8883, "client_id": "r3", "keepalive_s": 20,
                 "username": "rack3", "password_file": "/etc/ystpcs-bridge/password", "retain": true,
                 "tls": {"enabled": true, "ca_file": "/etc/ssl/lab-ca.pem"},
                 "publish_interval_s": 2, "reconnect_min_s": 0.5, "reconnect_max_s": 30,
                 "writes": {"enabled": true, "modules": ["can0/250", "can-1/7"], "per_minute": 6, "burst": 2}}
    })");
    REQUIRE(r.ok());
    const auto& c = r.value();
    CHECK(c.site == "rack-03");
    CHECK(runtime::seconds(c.poll_interval) == 2);
    CHECK(c.metrics.enabled);
    CHECK(c.metrics.address == "::1");
    CHECK(c.metrics.port == 9100);
    CHECK(c.mqtt.host == "broker.lab");
    CHECK(c.mqtt.tls.enabled);
    CHECK(c.mqtt.retain);
    CHECK(c.mqtt.writes.modules == std::vector<std::string>{"can0/250", "can-1/7"});
    CHECK(c.mqtt.writes.burst == 2);
}

TEST_CASE("the defaults: both parts off, localhost, writes off") {
    const auto r = parse_bridge_config("{}");
    REQUIRE(r.ok());
    CHECK_FALSE(r.value().metrics.enabled);
    CHECK(r.value().metrics.address == "127.0.0.1");
    CHECK_FALSE(r.value().mqtt.enabled);
    CHECK_FALSE(r.value().mqtt.writes.enabled);
    CHECK(r.value().mqtt.writes.modules.empty());
}

TEST_CASE("the shipped configuration parses, with both parts off and metrics on localhost") {
    const char* root = std::getenv("YSTPCS_SOURCE_ROOT");
    REQUIRE(root != nullptr);
    const auto r = load_bridge_config(std::string(root) + "/systemd/ystpcs-bridge.json");
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK_FALSE(r.value().metrics.enabled);
    CHECK(r.value().metrics.address == "127.0.0.1");
    CHECK_FALSE(r.value().mqtt.enabled);
    CHECK_FALSE(r.value().mqtt.writes.enabled);
    CHECK(r.value().mqtt.writes.modules.empty());
}

TEST_CASE("configuration errors name the key") {
    CHECK(config_error(R"({"mqtt": {"hots": "x"}})").find("'mqtt.hots': unknown key") != std::string::npos);
    CHECK(config_error(R"({"site": "rack/3"})").find("'site'") != std::string::npos);
    CHECK(config_error(R"({"metrics": {"address": "localhost"}})").find("'metrics.address'") != std::string::npos);
    CHECK(config_error(R"({"metrics": {"port": 0}})").find("'metrics.port'") != std::string::npos);
    CHECK(config_error(R"({"mqtt": {"writes": {"modules": ["can0"]}}})").find("'mqtt.writes.modules[0]'") != std::string::npos);
    CHECK(config_error(R"({"mqtt": {"writes": {"modules": ["can0/180"]}}})").find("'mqtt.writes.modules[0]'") != std::string::npos);
    CHECK(config_error(R"({"mqtt": {"tls": {"enabled": true}}})").find("ca_file") != std::string::npos);
    CHECK(config_error(R"({"mqtt": {"password_file": "/x"}})").find("needs a username") != std::string::npos);
    CHECK(config_error(R"({"mqtt": {"password_file": "x", "username": "u"}})").find("absolute path") != std::string::npos);
    CHECK(config_error(R"({"mqtt": {"reconnect_min_s": 10, "reconnect_max_s": 5}})").find("reconnect_max_s") != std::string::npos);
}

TEST_CASE("site ids are one topic level") {
    CHECK(valid_site_id("rack-03.lab_b"));
    CHECK_FALSE(valid_site_id(""));
    CHECK_FALSE(valid_site_id("a/b"));
    CHECK_FALSE(valid_site_id("a+"));
    CHECK_FALSE(valid_site_id("#"));
    CHECK(valid_site_id(default_site_id()));
}

TEST_CASE("a value is valid once reported, while the link is up, and not NaN") {
    ModuleState m("/org/ystpcs/pcs1/sim/1", {"sim", 1});
    m.update({{"Connected", true}, {"DcVoltage", 0.0}, {"RunningState", 0}, {"RunningStateName", "unknown"}}, false);
    CHECK(m.value("DcVoltage").is_null());          // not reported yet: the daemon's 0 means nothing
    CHECK(m.value("RunningStateName").is_null());
    CHECK(m.mark_reported({"DcVoltage", "RunningState"}).size() >= 3);  // the number, its text, PowerStageActive
    CHECK(m.value("DcVoltage") == 0.0);
    m.update({{"RunningState", 13}, {"RunningStateName", "standby"}}, true);
    CHECK(m.value("RunningStateName") == "standby");
    CHECK(m.name() == "sim/1");
    CHECK(m.instance() == "sim_1");

    // The link drops: every module value is stale, the daemon's own are not.
    const auto changed = m.update({{"Connected", false}}, true);
    CHECK(std::find(changed.begin(), changed.end(), "DcVoltage") != changed.end());
    CHECK(std::find(changed.begin(), changed.end(), "RunningStateName") != changed.end());
    CHECK(m.value("DcVoltage").is_null());
    CHECK(m.value("Connected") == false);
    m.update({{"Connected", true}}, true);
    CHECK(m.value("DcVoltage") == 0.0);

    // A value carried by PropertiesChanged has been reported.
    m.update({{"DcCurrent", -5.0}}, true);
    CHECK(m.value("DcCurrent") == -5.0);
    m.update({{"DcCurrent", std::nan("")}}, true);
    CHECK(m.value("DcCurrent").is_null());
}

TEST_CASE("the daemon's own properties: empty means not known") {
    const auto m = live_module();
    CHECK(m.value("ArmVersion").is_null());
    CHECK(m.value("WorkingMode") == "cc");
    CHECK(m.value("WorkingModeParameters")["current_a"] == -20.0);
    CHECK(m.value("Counters")["rx"] == 120);
    CHECK(property_kind("DcVoltage") == PropertyKind::reported);
    CHECK(property_kind("FaultText") == PropertyKind::reported);
    CHECK(property_kind("PowerStageActive") == PropertyKind::module_derived);
    CHECK(property_kind("Counters") == PropertyKind::daemon);
    CHECK(described_property("RunningStateName") == "RunningState");
}

TEST_CASE("every value metric comes from a property the module reports") {
    for (const auto& vm : value_metrics()) {
        INFO(vm.property);
        CHECK(property_kind(std::string(vm.property)) == PropertyKind::reported);
    }
}

TEST_CASE("metrics: base units, states as labels, counters, stale values left out") {
    FleetState state;
    state.set_daemon_up(true);
    state.update_manager({{"Version", "0.1.0"},
                          {"StateFileError", ""},
                          {"Heartbeat", {{"ticks", 500}, {"skipped", 0}, {"p50_lateness_us", 80}, {"p99_lateness_us", 400}, {"max_lateness_us", 1200}}},
                          {"Interfaces", json::array({{{"name", "can0"}, {"state", "up"}, {"counters", {{"rx", 10}, {"tx_dropped", 2}}}}})}});
    state.add_module("/org/ystpcs/pcs1/can0/250", {"can0", 250}) = live_module();
    BridgeStats stats{"0.1.0", "rack-03", true, true, 42, 1, {{"ok", 2}}};
    const std::string text = render_metrics(state, stats);
    const std::string mod = R"(interface="can0",address="250")";
    CHECK(has_line(text, "ystpcs_bridge_info{version=\"0.1.0\",site=\"rack-03\"} 1"));
    CHECK(has_line(text, "ystpcs_daemon_up 1"));
    CHECK(has_line(text, "ystpcs_bridge_mqtt_writes_total{result=\"ok\"} 2"));
    CHECK(has_line(text, "ystpcs_bridge_mqtt_writes_total{result=\"refused\"} 0"));
    CHECK(has_line(text, "ystpcs_module_link_up{" + mod + "} 1"));
    CHECK(has_line(text, "ystpcs_module_dc_voltage_volts{" + mod + "} 650.5"));
    CHECK(has_line(text, "ystpcs_module_dc_power_watts{" + mod + "} -13010"));
    CHECK(has_line(text, "ystpcs_module_step_energy_joules{" + mod + "} 9000"));
    CHECK(has_line(text, "ystpcs_module_temperature_celsius{" + mod + ",sensor=\"inlet\"} 31"));
    CHECK(has_line(text, "ystpcs_module_running_state{" + mod + ",state=\"constant-current operation\",code=\"12\"} 1"));
    CHECK(has_line(text, "ystpcs_module_running_state{" + mod + ",state=\"standby\",code=\"13\"} 0"));
    CHECK(has_line(text, "ystpcs_module_fault_code{" + mod + "} 0"));
    CHECK(text.find("ystpcs_module_fault_info") == std::string::npos);
    CHECK(has_line(text, "ystpcs_module_set_point_amperes{" + mod + ",parameter=\"current_a\"} -20"));
    CHECK(has_line(text, "ystpcs_module_working_mode_info{" + mod + ",mode=\"cc\"} 1"));
    CHECK(has_line(text, "ystpcs_module_last_seen_timestamp_seconds{" + mod + "} 1700000000.123456"));
    CHECK(has_line(text, "ystpcs_module_frames_received_total{" + mod + "} 120"));
    CHECK(has_line(text, "ystpcs_module_command_timeouts_total{" + mod + "} 1"));
    CHECK(has_line(text, "ystpcs_module_brand_new_total{" + mod + "} 3"));
    CHECK(has_line(text, "ystpcs_can_interface_state{interface=\"can0\",state=\"up\"} 1"));
    CHECK(has_line(text, "ystpcs_can_interface_state{interface=\"can0\",state=\"bus-off\"} 0"));
    CHECK(has_line(text, "ystpcs_can_frames_dropped_total{interface=\"can0\"} 2"));
    CHECK(has_line(text, "ystpcs_heartbeat_lateness_seconds{quantile=\"0.99\"} 0.0004"));
    CHECK(has_line(text, "ystpcs_heartbeat_lateness_seconds{quantile=\"1\"} 0.0012"));
    CHECK(text.find("# TYPE ystpcs_heartbeat_lateness_seconds summary") != std::string::npos);
    CHECK(has_line(text, "ystpcs_heartbeat_rounds_total 500"));
    CHECK(text.find("grid_voltage") == std::string::npos);  // NaN: no sample
    CHECK(text.find("ystpcs_module_dc_current_amperes{") != std::string::npos);
    // Every family once, HELP before TYPE before its samples.
    CHECK(text.find("# TYPE ystpcs_module_running_state gauge") < text.find("ystpcs_module_running_state{"));
    CHECK(text.find("# TYPE ystpcs_module_running_state gauge") == text.rfind("# TYPE ystpcs_module_running_state gauge"));

    // ystpcsd's percentiles are bucket bounds; they never pass the exact maximum here.
    state.update_manager({{"Heartbeat", {{"ticks", 500}, {"p50_lateness_us", 80}, {"p99_lateness_us", 1210}, {"max_lateness_us", 1203}}}});
    CHECK(has_line(render_metrics(state, stats), "ystpcs_heartbeat_lateness_seconds{quantile=\"0.99\"} 0.001203"));

    // A fault, with its code and text.
    auto* m = state.module("/org/ystpcs/pcs1/can0/250");
    m->update({{"FaultCode", 0x800D}, {"FaultText", "CAN1 communication fault"}}, true);
    CHECK(has_line(render_metrics(state, stats),
                   "ystpcs_module_fault_info{" + mod + ",code=\"0x800D\",text=\"CAN1 communication fault\"} 1"));

    // The link drops: the values go, the link and the counters stay.
    m->update({{"Connected", false}}, true);
    const std::string stale = render_metrics(state, stats);
    CHECK(has_line(stale, "ystpcs_module_link_up{" + mod + "} 0"));
    CHECK(stale.find("ystpcs_module_dc_voltage_volts") == std::string::npos);
    CHECK(stale.find("ystpcs_module_running_state{") == std::string::npos);
    CHECK(stale.find("ystpcs_module_fault_code") == std::string::npos);
    CHECK(has_line(stale, "ystpcs_module_frames_received_total{" + mod + "} 120"));

    // The daemon goes: nothing of it is known.
    state.set_daemon_up(false);
    const std::string down = render_metrics(state, stats);
    CHECK(has_line(down, "ystpcs_daemon_up 0"));
    CHECK(down.find("ystpcs_module_") == std::string::npos);
}

TEST_CASE("docs/fleet.md lists every metric the bridge exposes, and no other") {
    const char* root = std::getenv("YSTPCS_SOURCE_ROOT");
    REQUIRE(root != nullptr);
    std::ifstream doc(std::string(root) + "/docs/fleet.md");
    REQUIRE(doc);
    std::set<std::string> documented;
    const std::regex row(R"(^\| `(ystpcs_[a-z_]+)` \|)");
    for (std::string line; std::getline(doc, line);)
        if (std::smatch m; std::regex_search(line, m, row)) documented.insert(m[1]);

    // Everything at once: every value, a fault, a set-point of every unit, an interface.
    FleetState state;
    state.set_daemon_up(true);
    json counters = json::object(), can_counters = json::object();
    for (const char* k : {"rx", "tx", "heartbeats", "decode_errors", "unknown_frames", "replies", "late_replies", "timeouts",
                          "retries", "rejected", "withdrawn", "links_lost"})
        counters[k] = 1;
    for (const char* k : {"rx", "tx", "tx_queued", "tx_dropped", "tx_withdrawn", "rx_overflow", "error_frames", "bus_off",
                          "reopened", "not_pcs", "other_controller", "undiscovered"})
        can_counters[k] = 1;
    state.update_manager({{"Version", "0.1.0"}, {"StateFileError", ""},
                          {"Heartbeat", {{"ticks", 1}, {"skipped", 0}, {"p50_lateness_us", 1}, {"p99_lateness_us", 1}, {"max_lateness_us", 1}}},
                          {"Interfaces", json::array({{{"name", "can0"}, {"state", "up"}, {"counters", can_counters}}})}});
    auto& m = state.add_module("/org/ystpcs/pcs1/can0/250", {"can0", 250});
    std::map<std::string, json> props{{"Connected", true}, {"LastSeen", 1}, {"RunningState", 6}, {"RunningStateName", "fault"},
                                      {"PowerStageActive", false}, {"FaultCode", 0x800D}, {"FaultText", "x"}, {"HeartbeatState", 2},
                                      {"WorkingMode", "pulse"}, {"Counters", counters},
                                      {"WorkingModeParameters", {{"voltage_v", 1}, {"current_a", 1}, {"power_w", 1}, {"reactive_power_var", 1},
                                                                 {"resistance_ohm", 1}, {"cycle_time_s", 1}, {"duty_pct", 1}, {"frequency_hz", 1}}}};
    std::set<std::string> reported{"RunningState", "FaultCode"};
    for (const auto& vm : value_metrics()) {
        props[std::string(vm.property)] = 1.0;
        reported.insert(std::string(vm.property));
    }
    m.update(props, false);
    m.mark_reported(reported);
    const std::string text = render_metrics(state, {"0.1.0", "lab", true, true, 1, 1, {}});
    std::set<std::string> emitted;
    const std::regex type_line(R"(^# TYPE (\S+) )");
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (std::smatch t; std::regex_search(line, t, type_line)) emitted.insert(t[1]);
    for (const auto& name : emitted) CHECK_MESSAGE(documented.count(name), name << " is not in docs/fleet.md");
    for (const auto& name : documented) CHECK_MESSAGE(emitted.count(name), name << " is in docs/fleet.md but not emitted");
}

TEST_CASE("sample values and label values as the exposition format spells them") {
    CHECK(format_sample_value(0.1) == "0.1");
    CHECK(format_sample_value(-13010) == "-13010");
    CHECK(format_sample_value(7e-5) == "0.00007");
    CHECK(format_sample_value(1e21) == "1e+21");
    CHECK(format_sample_value(1e-9) == "1e-09");
    CHECK(format_sample_value(INFINITY) == "+Inf");
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("MQTT topics in the dbus-flashmq layout") {
    CHECK(notify_topic("rack-03", "pcs", "can0_250", "DcVoltage") == "N/rack-03/pcs/can0_250/DcVoltage");
    CHECK(value_payload(650.5) == R"({"value":650.5})");
    CHECK(value_payload(std::nan("")) == R"({"value":null})");
    CHECK(value_payload(nullptr) == R"({"value":null})");

    const auto keepalive = parse_request_topic("rack-03", "R/rack-03/keepalive");
    REQUIRE(keepalive);
    CHECK(keepalive->kind == TopicRequest::Kind::keepalive);
    const auto read = parse_request_topic("rack-03", "R/rack-03/pcs/can0_250/DcVoltage");
    REQUIRE(read);
    CHECK(read->kind == TopicRequest::Kind::read);
    CHECK(read->instance == "can0_250");
    const auto write = parse_request_topic("rack-03", "W/rack-03/pcs/sim_1/Start");
    REQUIRE(write);
    CHECK(write->kind == TopicRequest::Kind::write);
    CHECK(write->path == "Start");
    CHECK_FALSE(parse_request_topic("rack-03", "W/rack-04/pcs/sim_1/Start"));
    CHECK_FALSE(parse_request_topic("rack-03", "N/rack-03/pcs/sim_1/Start"));
    CHECK_FALSE(parse_request_topic("rack-03", "W/rack-03/pcs/sim_1/Start/x"));
    CHECK_FALSE(parse_request_topic("rack-03", "W/rack-03/pcs//Start"));
    CHECK_FALSE(parse_request_topic("rack-03", "W/rack-03/keepalive"));
}

TEST_CASE("writes: what each path takes") {
    CHECK(parse_write("Start", 1).value().kind == WriteCommand::Kind::start);
    CHECK(parse_write("Start", true).value().kind == WriteCommand::Kind::start);
    CHECK(parse_write("Stop", 1).value().kind == WriteCommand::Kind::stop);
    CHECK_FALSE(parse_write("Start", 0).ok());
    CHECK_FALSE(parse_write("Start", "yes").ok());
    const auto sp = parse_write("SetPoint", {{"mode", "cccv"}, {"voltage_v", 700}, {"current_a", -100}, {"end_current_a", -5}});
    REQUIRE(sp.ok());
    CHECK(sp.value().mode == "cccv");
    CHECK(sp.value().params.at("current_a") == -100);
    CHECK_FALSE(parse_write("SetPoint", {{"current_a", -100}}).ok());
    CHECK_FALSE(parse_write("SetPoint", {{"mode", "cc"}}).ok());
    CHECK_FALSE(parse_write("SetPoint", {{"mode", "cc"}, {"current_a", "-100"}}).ok());
    CHECK(parse_write("ClearFaults", 1).error().message.find("not writable") != std::string::npos);
    CHECK_FALSE(parse_write("DcVoltage", 1).ok());
}

TEST_CASE("the rate limit: a burst, then the sustained rate") {
    TokenBucket bucket(12, 3);  // one every 5 s, three at once
    const runtime::Instant t0{};
    CHECK(bucket.take(t0));
    CHECK(bucket.take(t0));
    CHECK(bucket.take(t0));
    CHECK_FALSE(bucket.take(t0 + std::chrono::seconds(1)));
    CHECK(bucket.take(t0 + std::chrono::seconds(6)));
    CHECK_FALSE(bucket.take(t0 + std::chrono::seconds(7)));
    // Refills up to the burst, never beyond.
    const auto later = t0 + std::chrono::hours(1);
    CHECK(bucket.take(later));
    CHECK(bucket.take(later));
    CHECK(bucket.take(later));
    CHECK_FALSE(bucket.take(later));
}

TEST_CASE("HTTP: the request head, and what is answered") {
    CHECK_FALSE(parse_request_head("GET /metrics HTTP/1.1\r\nHost: x\r\n"));
    const auto ok = parse_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(ok);
    REQUIRE(ok->ok());
    CHECK(ok->value().method == "GET");
    CHECK(ok->value().target == "/metrics?x=1");
    CHECK_FALSE(parse_request_head("GARBAGE\r\n\r\n")->ok());
    CHECK(parse_request_head("GET /metrics HTTP/2.0\r\n\r\n")->error().kind == ErrorKind::rejected);
    CHECK(parse_request_head(std::string(HttpServer::kMaxHead + 1, 'a'))->error().kind == ErrorKind::limits_exceeded);

    const auto render = [] { return std::string("x 1\n"); };
    CHECK(respond({"GET", "/metrics"}, render).status == 200);
    CHECK(respond({"GET", "/metrics"}, render).content_type.find("version=0.0.4") != std::string::npos);
    CHECK(respond({"GET", "/other"}, render).status == 404);
    CHECK(respond({"POST", "/metrics"}, render).status == 405);
    const std::string head = serialize(respond({"HEAD", "/metrics"}, render), true);
    CHECK(head.find("Content-Length: 4\r\n") != std::string::npos);
    CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
}
