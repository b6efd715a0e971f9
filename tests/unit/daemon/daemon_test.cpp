// ystpcsd's pure parts: configuration parsing (unknown keys and bad values named), the
// authorization rule, module object paths; systemd's status text and the state dump of a rack
// in fake time.
#include <doctest/doctest.h>

#include <cstdlib>

#include "../engine/bench.h"
#include "daemon/config.h"
#include "daemon/dbus/authorizer.h"
#include "daemon/state_dump.h"
#include "daemon/systemd_status.h"
#include "dbus/names.h"

using namespace ystpcs;
using namespace ystpcs::daemon;

namespace {
std::string error_of(const std::string& json) {
    const auto r = parse_config(json);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}
}  // namespace

TEST_CASE("a full configuration parses, with comments") {
    const auto r = parse_config(R"({
        // rack 3
        "interfaces": ["can0", "can1"],
        "modules": [{"interface": "can0", "address": 250}, {"interface": "can1", "address": 1}],
        "discovery": false, "kernel_filters": true,
        "link_timeout_s": 1.5, "reply_timeout_s": 0.8, "retries": 1, "stop_wait_s": 20,
        "on_shutdown": "leave-running", "state_directory": "/var/lib/x", "log_level": "debug",
        "bus": "session", "control_group": "rack", "properties_interval_s": 0.5,
        "simulate": 2, "simulation": {"model": "PMA060", "soc": 0.8, "seed": 4, "control_socket": "/run/s.sock"}
    })");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    const Config& c = r.value();
    CHECK(c.interfaces == std::vector<std::string>{"can0", "can1"});
    REQUIRE(c.modules.size() == 2);
    CHECK(c.modules[0].address == 250);
    CHECK_FALSE(c.engine.discovery);
    CHECK(c.engine.link_timeout == std::chrono::milliseconds(1500));
    CHECK(c.engine.retries == 1);
    CHECK(c.on_shutdown == ShutdownPolicy::leave_running);
    CHECK(c.simulation.model == "PMA060");
    CHECK(c.simulation.seed == 4u);
    CHECK(c.properties_interval == std::chrono::milliseconds(500));
    const Config defaults = parse_config("{}").value();
    CHECK(defaults.engine.discovery);
    CHECK(defaults.state_directory == "/var/lib/ystpcsd");
    CHECK(defaults.engine.heartbeat_period == std::chrono::milliseconds(200));
}

TEST_CASE("unknown keys and bad values are refused, naming the key") {
    CHECK(error_of(R"({"interface": ["can0"]})").find("configuration key 'interface': unknown key") == 0);
    CHECK(error_of(R"({"interfaces": "can0"})").find("'interfaces'") != std::string::npos);
    CHECK(error_of(R"({"interfaces": ["can0", 7]})").find("'interfaces[1]'") != std::string::npos);
    CHECK(error_of(R"({"modules": [{"interface": "can0", "address": 180}]})").find("'modules[0].address': 180 (0xB4)") != std::string::npos);
    CHECK(error_of(R"({"modules": [{"interface": "can0", "address": 0}]})").find("between 1 and 254") != std::string::npos);
    CHECK(error_of(R"({"modules": [{"interface": "can0"}]})").find("needs both") != std::string::npos);
    CHECK(error_of(R"({"modules": [{"interface": "can0", "address": 1}, {"interface": "can0", "address": 1}]})")
              .find("listed twice") != std::string::npos);
    CHECK(error_of(R"({"modules": [{"interface": "can0", "address": 1, "port": 2}]})").find("'modules[0].port'") != std::string::npos);
    CHECK(error_of(R"({"link_timeout_s": 0.1})").find("'link_timeout_s': must be between 0.4 and 60, not 0.1") != std::string::npos);
    CHECK(error_of(R"({"retries": 1.5})").find("'retries': must be a whole number") != std::string::npos);
    CHECK(error_of(R"({"on_shutdown": "pause"})").find("\"leave-running\", \"stop\"") != std::string::npos);
    CHECK(error_of(R"({"discovery": "yes"})").find("'discovery': must be true or false") != std::string::npos);
    CHECK(error_of(R"({"state_directory": "var/lib"})").find("absolute path") != std::string::npos);
    CHECK(error_of(R"({"simulation": {"model": "PMA999"}})").find("'simulation.model'") != std::string::npos);
    CHECK(error_of(R"({"simulation": {"soc": 1.5}})").find("'simulation.soc'") != std::string::npos);
    CHECK(error_of(R"({"simulation": {"colour": 1}})").find("'simulation.colour'") != std::string::npos);
    CHECK(error_of(R"({"bus": "tcp"})").find("'bus'") != std::string::npos);
    CHECK(error_of("[1, 2]").find("must be a JSON object") != std::string::npos);
    CHECK(error_of("{").find("not valid JSON") != std::string::npos);
}

TEST_CASE("external_data: a default for every module, and per module over it") {
    using engine::ExternalDataPolicy;
    using S = engine::ExternalDataSource;
    const auto r = parse_config(R"({
        "external_data": {"source": "client", "max_age_s": 5},
        "modules": [{"interface": "can0", "address": 250, "external_data": {"source": "mirror"}},
                    {"interface": "can0", "address": 251, "external_data": {"fallback": "mirror", "max_age_s": 1}},
                    {"interface": "can0", "address": 252}]
    })");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    const auto& e = r.value().engine;
    CHECK(e.external_data == ExternalDataPolicy{S::client, S::zero, std::chrono::seconds(5)});
    CHECK(e.external_data_for("can0/250") == ExternalDataPolicy{S::mirror, S::zero, std::chrono::seconds(5)});
    CHECK(e.external_data_for("can0/251") == ExternalDataPolicy{S::client, S::mirror, std::chrono::seconds(1)});
    CHECK(e.external_data_for("can0/252") == e.external_data);
    CHECK(e.external_data_for("can1/7") == e.external_data);  // discovered modules too
    const Config defaults = parse_config("{}").value();
    CHECK(defaults.engine.external_data == ExternalDataPolicy{S::zero, S::zero, std::chrono::seconds(2)});
    CHECK(error_of(R"({"external_data": {"source": "bms"}})")
              .find("'external_data.source': must be one of \"client\", \"mirror\", \"zero\", not \"bms\"") !=
          std::string::npos);
    CHECK(error_of(R"({"external_data": {"fallback": "client"}})").find("'external_data.fallback'") != std::string::npos);
    CHECK(error_of(R"({"external_data": {"max_age_s": 0.2}})")
              .find("'external_data.max_age_s': must be between 0.5 and 60, not 0.2") != std::string::npos);
    CHECK(error_of(R"({"external_data": {"voltage_v": 1}})").find("'external_data.voltage_v': unknown key") !=
          std::string::npos);
    CHECK(error_of(R"({"external_data": "mirror"})").find("'external_data': must be an object") != std::string::npos);
    CHECK(error_of(R"({"modules": [{"interface": "can0", "address": 9, "external_data": {"source": "x"}}]})")
              .find("'modules[0].external_data.source'") != std::string::npos);
}

TEST_CASE("the shipped configuration file parses") {
    const char* root = std::getenv("YSTPCS_SOURCE_ROOT");
    REQUIRE_MESSAGE(root != nullptr, "YSTPCS_SOURCE_ROOT is not set (run through meson test)");
    const auto c = load_config(std::string(root) + "/systemd/ystpcsd.json");
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    CHECK(c.value().interfaces == std::vector<std::string>{"can0"});
    CHECK(c.value().engine.external_data.source == engine::ExternalDataSource::zero);
}

TEST_CASE("simulated firmware: an ARM software version for all and by address") {
    const auto r = parse_config(R"({"simulation": {"arm_version": "2.1.40", "arm_version_by_address": {"1": "2.1.38", "3": "1.9.0"}}})");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    const auto& s = r.value().simulation;
    CHECK(s.arm_version_of(1) == protocol::FirmwareVersion{1, 0, 0, 2, 1, 38});
    CHECK(s.arm_version_of(2) == protocol::FirmwareVersion{1, 0, 0, 2, 1, 40});
    CHECK(s.arm_version_of(3) == protocol::FirmwareVersion{1, 0, 0, 1, 9, 0});
    CHECK_FALSE(parse_config("{}").value().simulation.arm_version_of(1).has_value());  // the simulator's default
    CHECK(error_of(R"({"simulation": {"arm_version": "2.1"}})").find("'simulation.arm_version': must be an ARM software version") !=
          std::string::npos);
    CHECK(error_of(R"({"simulation": {"arm_version": 2}})").find("'simulation.arm_version'") != std::string::npos);
    CHECK(error_of(R"({"simulation": {"arm_version_by_address": {"0": "2.1.38"}}})")
              .find("'simulation.arm_version_by_address.0': must be a simulated module's address") != std::string::npos);
    CHECK(error_of(R"({"simulation": {"arm_version_by_address": {"2": "2.1.x"}}})")
              .find("'simulation.arm_version_by_address.2'") != std::string::npos);
    CHECK(error_of(R"({"simulation": {"arm_version_by_address": ["2.1.38"]}})")
              .find("'simulation.arm_version_by_address': must be an object") != std::string::npos);
}

TEST_CASE("the command line wins over the file") {
    Config c = parse_config(R"({"interfaces": ["can0"], "simulate": 1, "log_level": "warn"})").value();
    Overrides o;
    o.interfaces = {"can1", "can0"};
    o.simulate = 3u;
    o.log_level = "debug";
    o.discovery = false;
    o.apply(c);
    CHECK(c.interfaces == std::vector<std::string>{"can0", "can1"});
    CHECK(c.simulate == 3u);
    CHECK(c.log_level == "debug");
    CHECK_FALSE(c.engine.discovery);
}

TEST_CASE("who may change modules: root, the daemon's user, the control group") {
    using dbus::Authorizer;
    using dbus::CallerCredentials;
    CHECK(Authorizer::allowed(CallerCredentials{0, {}}, 998, std::nullopt));
    CHECK(Authorizer::allowed(CallerCredentials{998, {}}, 998, std::nullopt));
    CHECK(Authorizer::allowed(CallerCredentials{1000, {100, 27, 996}}, 998, 996));
    CHECK_FALSE(Authorizer::allowed(CallerCredentials{1000, {100, 27}}, 998, 996));
    CHECK_FALSE(Authorizer::allowed(CallerCredentials{1000, {996}}, 998, std::nullopt));  // no such group
    CHECK_FALSE(Authorizer::allowed(CallerCredentials{65534, {}}, 0, 996));
}

TEST_CASE("module object paths escape interface names as sd-bus does, and parse back") {
    CHECK(ystpcs::dbus::module_path("can0", 250) == "/org/ystpcs/pcs1/can0/250");
    CHECK(ystpcs::dbus::module_path("sim", 1) == "/org/ystpcs/pcs1/sim/1");
    CHECK(ystpcs::dbus::module_path("can-1", 7) == "/org/ystpcs/pcs1/can_2d1/7");
    for (const char* name : {"can0", "can-1", "vcan.x", "a_b"}) {
        const auto ref = ystpcs::dbus::parse_module_path(ystpcs::dbus::module_path(name, 42));
        REQUIRE(ref.has_value());
        CHECK(ref->interface == name);
        CHECK(ref->address == 42);
    }
    CHECK_FALSE(ystpcs::dbus::parse_module_path("/org/ystpcs/pcs1").has_value());
    CHECK_FALSE(ystpcs::dbus::parse_module_path("/org/ystpcs/pcs1/can0/0").has_value());
    CHECK_FALSE(ystpcs::dbus::parse_module_path("/org/ystpcs/pcs1/can0/255").has_value());
    CHECK_FALSE(ystpcs::dbus::parse_module_path("/org/ystpcs/pcs1/can_zz/1").has_value());
    CHECK_FALSE(ystpcs::dbus::parse_module_path("/org/other/can0/1").has_value());
}

TEST_CASE("a module whose heartbeat draws a warning shows in systemd's STATUS and the state dump") {
    engine::testing::Bench b({1, 2}, true, [](sim::PcsConfig& c) {
        if (c.address == 1) REQUIRE(sim::parse_software_version("2.1.38", c.firmware.arm));
    });
    SystemdStatus status(*b.rack);
    b.run(std::chrono::seconds(2));  // versions read at discovery; zeros to both
    CHECK(status.text().find("HEARTBEAT WARNING on 1 module (external-device data: pcsctl status)") != std::string::npos);
    const auto dump = rack_json(*b.rack, b.loop.now());
    const auto& m1 = dump["modules"][0];
    REQUIRE(m1["module"] == "sim/1");
    CHECK(m1["external_data"]["source"] == "zero");
    CHECK(m1["external_data"]["sent"]["origin"] == "zero");
    CHECK(m1["external_data"]["warnings"].size() == 1);
    CHECK(dump["modules"][1]["external_data"]["warnings"].empty());
    REQUIRE(b.module(1).set_external_data_policy({engine::ExternalDataSource::mirror}).ok());
    b.run(std::chrono::milliseconds(400));
    CHECK(status.text().find("HEARTBEAT WARNING") == std::string::npos);
}

TEST_CASE("the state dump holds the heartbeat rounds' lateness histogram, non-empty buckets only") {
    engine::testing::Bench b;
    b.run(std::chrono::seconds(2));
    const auto hb = rack_json(*b.rack, b.loop.now())["heartbeat"];
    const auto ticks = hb["ticks"].get<std::uint64_t>();
    REQUIRE(ticks >= 10);
    // Fake time: every round ran on its deadline, all in the first bucket (under 10 µs).
    REQUIRE(hb["lateness_histogram_us"].size() == 1);
    CHECK(hb["lateness_histogram_us"][0][0] == 10);
    CHECK(hb["lateness_histogram_us"][0][1] == ticks);
}
