#include "daemon/config.h"

#include <algorithm>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "protocol/can_id.h"
#include "protocol/ratings.h"
#include "runtime/config_reader.h"
#include "sim/pcs_model.h"

namespace ystpcs::daemon {

namespace {

using json = nlohmann::json;

using runtime::ConfigReader;

Error bad(const std::string& key, const std::string& why) { return runtime::config_error(key, why); }

Result<void> software_version(const ConfigReader& r, const std::string& key, protocol::FirmwareVersion& out) {
    if (!r.at(key).is_string() || !sim::parse_software_version(r.at(key).get<std::string>(), out))
        return bad(r.path(key), "must be an ARM software version \"V.B.D\" (each 0-255), e.g. \"2.1.38\"");
    return {};
}

// {"source": ..., "fallback": ..., "max_age_s": ...} over `out`: keys left out keep its values.
Result<void> external_data(const ConfigReader& r, const std::string& key, engine::ExternalDataPolicy& out) {
    if (!r.has(key)) return {};
    if (!r.at(key).is_object())
        return bad(r.path(key), "must be an object {\"source\": \"zero\"|\"mirror\"|\"client\", \"fallback\": "
                                "\"zero\"|\"mirror\", \"max_age_s\": seconds}");
    const ConfigReader e(r.at(key), r.path(key));
    if (auto res = e.only({"source", "fallback", "max_age_s"}); !res) return res;
    std::string source(engine::to_string(out.source)), fallback(engine::to_string(out.fallback));
    if (auto res = e.string("source", source, {"zero", "mirror", "client"}); !res) return res;
    if (auto res = e.string("fallback", fallback, {"zero", "mirror"}); !res) return res;
    if (auto res = e.seconds("max_age_s", out.max_age, runtime::seconds(engine::kMinExternalDataAge),
                             runtime::seconds(engine::kMaxExternalDataAge));
        !res)
        return res;
    out.source = *engine::parse_external_data_source(source);
    out.fallback = *engine::parse_external_data_source(fallback);
    return {};
}

#define TRY(expr)                           \
    do {                                    \
        if (auto r_ = (expr); !r_) return r_.error(); \
    } while (0)

bool valid_interface_name(const std::string& s) {
    if (s.empty() || s.size() > 15) return false;
    for (char c : s)
        if (c == '/' || c == ' ' || c == '\t' || c == ':') return false;
    return true;
}

}  // namespace

Result<Config> parse_config(const std::string& json_text, Config c) {
    const auto parsed = runtime::parse_config_document(json_text);
    if (!parsed) return parsed.error();
    const json& doc = parsed.value();
    const ConfigReader r(doc);
    TRY(r.only({"interfaces", "simulate", "simulation", "modules", "discovery", "kernel_filters", "heartbeat_period_s",
                "link_timeout_s", "reply_timeout_s", "retries", "stop_wait_s", "on_shutdown", "state_directory",
                "log_level", "bus", "bus_address", "control_group", "properties_interval_s", "external_data"}));
    // Before the modules: theirs are given over it.
    TRY(external_data(r, "external_data", c.engine.external_data));

    if (r.has("interfaces")) {
        if (!r.at("interfaces").is_array()) return bad("interfaces", "must be a list of interface names");
        c.interfaces.clear();
        for (std::size_t i = 0; i < r.at("interfaces").size(); ++i) {
            const auto& v = r.at("interfaces")[i];
            const std::string key = "interfaces[" + std::to_string(i) + "]";
            if (!v.is_string() || !valid_interface_name(v.get<std::string>()))
                return bad(key, "must be a network interface name such as \"can0\"");
            c.interfaces.push_back(v.get<std::string>());
        }
    }
    long long simulate = c.simulate;
    TRY(r.integer("simulate", simulate, 0, 254));
    c.simulate = static_cast<unsigned>(simulate);
    if (r.has("simulation")) {
        if (!r.at("simulation").is_object()) return bad("simulation", "must be an object");
        const ConfigReader s(r.at("simulation"), "simulation");
        TRY(s.only({"model", "battery_voltage_v", "capacity_ah", "internal_resistance_ohm", "soc", "seed", "control_socket",
                    "arm_version", "arm_version_by_address"}));
        TRY(s.string("control_socket", c.simulation.control_socket));
        if (!c.simulation.control_socket.empty() && c.simulation.control_socket[0] != '/')
            return bad("simulation.control_socket", "must be an absolute path");
        std::set<std::string> models;
        for (const auto& m : protocol::kModuleRatings) models.insert(std::string(m.model));
        TRY(s.string("model", c.simulation.model, models));
        TRY(s.number("battery_voltage_v", c.simulation.battery_voltage_v, 10, 1000));
        TRY(s.number("capacity_ah", c.simulation.capacity_ah, 0.1, 6500));
        TRY(s.number("internal_resistance_ohm", c.simulation.internal_resistance_ohm, 0.0001, 10));
        TRY(s.number("soc", c.simulation.soc, 0, 1));
        long long seed = 0;
        if (s.has("seed")) {
            TRY(s.integer("seed", seed, 0, std::numeric_limits<long long>::max()));
            c.simulation.seed = static_cast<std::uint64_t>(seed);
        }
        if (s.has("arm_version")) {
            protocol::FirmwareVersion v = sim::FirmwareVersion{}.arm;  // the simulated hardware, other software
            TRY(software_version(s, "arm_version", v));
            c.simulation.arm_version = v;
        }
        if (s.has("arm_version_by_address")) {
            const auto& by = s.at("arm_version_by_address");
            if (!by.is_object()) return bad("simulation.arm_version_by_address", "must be an object {\"1\": \"2.1.38\", ...}");
            c.simulation.arm_version_by_address.clear();
            const ConfigReader a(by, "simulation.arm_version_by_address");
            for (const auto& [key, value] : by.items()) {
                char* end = nullptr;
                const long address = std::strtol(key.c_str(), &end, 10);
                if (key.empty() || *end != '\0' || address < 1 || address > 254)
                    return bad(a.path(key), "must be a simulated module's address 1-254");
                protocol::FirmwareVersion v = sim::FirmwareVersion{}.arm;  // the simulated hardware, other software
                TRY(software_version(a, key, v));
                c.simulation.arm_version_by_address[static_cast<std::uint8_t>(address)] = v;
            }
        }
    }
    if (r.has("modules")) {
        if (!r.at("modules").is_array()) return bad("modules", "must be a list of {\"interface\": ..., \"address\": ...}");
        c.modules.clear();
        c.engine.external_data_by_module.clear();
        for (std::size_t i = 0; i < r.at("modules").size(); ++i) {
            const std::string key = "modules[" + std::to_string(i) + "]";
            if (!r.at("modules")[i].is_object()) return bad(key, "must be {\"interface\": \"can0\", \"address\": 250}");
            const ConfigReader m(r.at("modules")[i], key);
            TRY(m.only({"interface", "address", "external_data"}));
            if (!m.has("interface") || !m.has("address")) return bad(key, "needs both \"interface\" and \"address\"");
            ConfiguredModule mod;
            TRY(m.string("interface", mod.interface));
            if (!valid_interface_name(mod.interface) && mod.interface != "sim")
                return bad(key + ".interface", "must be a network interface name such as \"can0\"");
            long long address = 0;
            TRY(m.integer("address", address, 1, 254));
            if (!protocol::is_valid_pcs_address(static_cast<unsigned>(address)))
                return bad(key + ".address", "180 (0xB4) is the controller's address, never a PCS");
            mod.address = static_cast<std::uint8_t>(address);
            for (const auto& other : c.modules)
                if (other.interface == mod.interface && other.address == mod.address)
                    return bad(key, "module " + mod.interface + "/" + std::to_string(address) + " is listed twice");
            if (m.has("external_data")) {
                engine::ExternalDataPolicy own = c.engine.external_data;
                TRY(external_data(m, "external_data", own));
                c.engine.external_data_by_module[mod.interface + "/" + std::to_string(address)] = own;
            }
            c.modules.push_back(mod);
        }
    }
    TRY(r.boolean("discovery", c.engine.discovery));
    TRY(r.boolean("kernel_filters", c.kernel_filters));
    TRY(r.seconds("heartbeat_period_s", c.engine.heartbeat_period, 0.05, 1.0));
    TRY(r.seconds("link_timeout_s", c.engine.link_timeout, 0.4, 60));
    TRY(r.seconds("reply_timeout_s", c.engine.reply_timeout, 0.05, 30));
    long long retries = c.engine.retries;
    TRY(r.integer("retries", retries, 0, 10));
    c.engine.retries = static_cast<int>(retries);
    TRY(r.seconds("stop_wait_s", c.engine.stop_wait, 0.5, 600));
    std::string policy = c.on_shutdown == ShutdownPolicy::stop_modules ? "stop" : "leave-running";
    TRY(r.string("on_shutdown", policy, {"stop", "leave-running"}));
    c.on_shutdown = policy == "stop" ? ShutdownPolicy::stop_modules : ShutdownPolicy::leave_running;
    TRY(r.string("state_directory", c.state_directory));
    if (r.has("state_directory") && (c.state_directory.empty() || c.state_directory[0] != '/'))
        return bad("state_directory", "must be an absolute path");
    TRY(r.string("log_level", c.log_level, {"trace", "debug", "info", "warn", "error", "critical"}));
    TRY(r.string("bus", c.bus, {"system", "session", "none"}));
    TRY(r.string("bus_address", c.bus_address));
    TRY(r.string("control_group", c.control_group));
    if (r.has("control_group") && c.control_group.empty()) return bad("control_group", "must not be empty");
    TRY(r.seconds("properties_interval_s", c.properties_interval, 0.05, 10));
    return c;
}

void Overrides::apply(Config& c) const {
    for (const auto& i : interfaces)
        if (std::find(c.interfaces.begin(), c.interfaces.end(), i) == c.interfaces.end()) c.interfaces.push_back(i);
    if (simulate) c.simulate = *simulate;
    if (log_level) c.log_level = *log_level;
    if (state_directory) c.state_directory = *state_directory;
    if (bus) c.bus = *bus;
    if (bus_address) c.bus_address = *bus_address;
    if (discovery) c.engine.discovery = *discovery;
    if (control_socket) c.simulation.control_socket = *control_socket;
}

Result<Config> load_config(const std::string& path, Config base) {
    const auto text = runtime::read_config_file(path);
    if (!text) return text.error();
    auto c = parse_config(text.value(), std::move(base));
    if (!c) return make_error(c.error().kind, path + ": " + c.error().message);
    return c;
}

}  // namespace ystpcs::daemon
