// daemon::parse_config() on arbitrary text. Whatever it accepts obeys the limits
// docs/configuration.md gives for each key: the daemon trusts a parsed Config as it is.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "check.h"
#include "daemon/config.h"
#include "protocol/can_id.h"
#include "protocol/ratings.h"

using namespace ystpcs;
using daemon::Config;

namespace {

bool interface_name(const std::string& s) {
    return !s.empty() && s.size() <= 15 && s.find_first_of("/ \t:") == std::string::npos;
}

bool inside(double v, double min, double max) { return std::isfinite(v) && v >= min && v <= max; }

// Durations come from seconds through a truncating cast: allow one nanosecond below.
bool inside(runtime::Duration d, double min_s, double max_s) {
    using std::chrono::duration;
    return d >= std::chrono::duration_cast<runtime::Duration>(duration<double>(min_s)) - runtime::Duration(1) &&
           d <= std::chrono::duration_cast<runtime::Duration>(duration<double>(max_s));
}

void check(const Config& c) {
    for (const auto& i : c.interfaces) FUZZ_CHECK(interface_name(i), "interface '%s'", i.c_str());
    FUZZ_CHECK(c.simulate <= 254, "simulate %u", c.simulate);
    const auto& s = c.simulation;
    FUZZ_CHECK(protocol::find_module_rating(s.model) != nullptr, "model '%s'", s.model.c_str());
    FUZZ_CHECK(inside(s.battery_voltage_v, 10, 1000), "battery_voltage_v %g", s.battery_voltage_v);
    FUZZ_CHECK(inside(s.capacity_ah, 0.1, 6500), "capacity_ah %g", s.capacity_ah);
    FUZZ_CHECK(inside(s.internal_resistance_ohm, 0.0001, 10), "internal_resistance_ohm %g", s.internal_resistance_ohm);
    FUZZ_CHECK(inside(s.soc, 0, 1), "soc %g", s.soc);
    FUZZ_CHECK(s.control_socket.empty() || s.control_socket[0] == '/', "control_socket '%s'", s.control_socket.c_str());
    std::set<std::pair<std::string, int>> seen;
    for (const auto& m : c.modules) {
        FUZZ_CHECK(interface_name(m.interface) || m.interface == "sim", "module interface '%s'", m.interface.c_str());
        FUZZ_CHECK(protocol::is_valid_pcs_address(m.address), "module address %u", m.address);
        FUZZ_CHECK(seen.emplace(m.interface, m.address).second, "module %s/%u twice", m.interface.c_str(), m.address);
    }
    const auto& e = c.engine;
    FUZZ_CHECK(inside(e.heartbeat_period, 0.05, 1.0), "heartbeat_period %lld ns", (long long)e.heartbeat_period.count());
    FUZZ_CHECK(inside(e.link_timeout, 0.4, 60), "link_timeout %lld ns", (long long)e.link_timeout.count());
    FUZZ_CHECK(inside(e.reply_timeout, 0.05, 30), "reply_timeout %lld ns", (long long)e.reply_timeout.count());
    FUZZ_CHECK(e.retries >= 0 && e.retries <= 10, "retries %d", e.retries);
    FUZZ_CHECK(inside(e.stop_wait, 0.5, 600), "stop_wait %lld ns", (long long)e.stop_wait.count());
    FUZZ_CHECK(inside(c.properties_interval, 0.05, 10), "properties_interval %lld ns",
               (long long)c.properties_interval.count());
    FUZZ_CHECK(!c.state_directory.empty() && c.state_directory[0] == '/', "state_directory '%s'",
               c.state_directory.c_str());
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical"};
    FUZZ_CHECK(levels.count(c.log_level) == 1, "log_level '%s'", c.log_level.c_str());
    FUZZ_CHECK(c.bus == "system" || c.bus == "session" || c.bus == "none", "bus '%s'", c.bus.c_str());
    FUZZ_CHECK(!c.control_group.empty(), "empty control_group");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto parsed = daemon::parse_config(text, Config{});
    if (!parsed) {
        FUZZ_CHECK(!parsed.error().message.empty(), "a configuration is refused without a reason");
        return 0;
    }
    check(parsed.value());
    return 0;
}
