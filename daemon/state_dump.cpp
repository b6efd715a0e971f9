#include "daemon/state_dump.h"

#include "protocol/faults.h"
#include "protocol/frame_json.h"
#include "protocol/modes.h"
#include "protocol/running_states.h"

namespace ystpcs::daemon {

using json = nlohmann::ordered_json;

namespace {
json optional_bool(const std::optional<bool>& b) { return b ? json(*b) : json(nullptr); }
}  // namespace

json module_json(const engine::Module& m, runtime::Instant now) {
    json j;
    j["module"] = m.name();
    j["configured"] = m.configured();
    j["connected"] = m.connected();
    j["last_seen_s_ago"] = m.last_seen_monotonic() ? json(runtime::seconds(now - *m.last_seen_monotonic())) : json(nullptr);
    j["state"] = m.running_state() ? json(*m.running_state()) : json(nullptr);
    j["state_name"] = m.running_state() ? json(std::string(protocol::running_state_name(*m.running_state()))) : json(nullptr);
    j["fault_code"] = m.fault_code() ? json(*m.fault_code()) : json(nullptr);
    if (m.fault_code()) j["fault_text"] = std::string(protocol::fault_info(*m.fault_code()).meaning);
    if (const auto& mode = m.working_mode()) {
        const auto* def = protocol::find_mode(mode->code);
        json w{{"code", mode->code}, {"name", def ? std::string(def->name) : "unknown"}, {"reported", mode->reported}};
        if (def)
            for (std::size_t i = 0; i < def->params.size(); ++i)
                w[std::string(def->params[i].name)] = protocol::mode_param_from_raw(def->params[i], mode->raw[i]);
        j["working_mode"] = w;
    }
    const auto cmd = m.commanded();
    j["commanded"] = {{"start", optional_bool(cmd.start)}, {"self_start", optional_bool(cmd.self_start)}};
    j["heartbeat_state"] = static_cast<int>(m.health());
    const auto& ext = m.external_data();
    json sent = nullptr;
    if (ext.sent_any())
        sent = {{"dc_voltage_v", ext.sent().values.dc_voltage_v},
                {"dc_current_a", ext.sent().values.dc_current_a},
                {"origin", std::string(engine::to_string(ext.sent().origin))}};
    j["external_data"] = {{"source", std::string(engine::to_string(ext.policy().source))},
                          {"fallback", std::string(engine::to_string(ext.policy().fallback))},
                          {"max_age_s", runtime::seconds(ext.policy().max_age)},
                          {"sent", sent},
                          {"warnings", ext.warnings()}};
    j["counters"] = engine::named_counters(m.counters());
    json values = json::object();
    for (std::size_t i = 0; i < engine::value_slots().size(); ++i) {
        const auto& slot = engine::value_slots()[i];
        const auto& v = m.values().at(i);
        if (!v.known) continue;
        values[std::string(slot.frame->name) + "." + std::string(slot.signal->name)] = protocol::value_json(*slot.signal, v.value);
    }
    j["values"] = values;
    return j;
}

json rack_json(const engine::Rack& rack, runtime::Instant now) {
    json j;
    json ifaces = json::array();
    for (const auto* t : rack.transports()) {
        const auto tc = t->counters();
        const auto& ic = rack.interface_counters(*t);
        ifaces.push_back({{"name", t->name()},
                          {"state", std::string(transport::to_string(t->state()))},
                          {"rx", tc.rx_frames},
                          {"tx", tc.tx_frames},
                          {"tx_queued", tc.tx_queued},
                          {"tx_dropped", tc.tx_dropped},
                          {"rx_overflow", tc.rx_overflow},
                          {"error_frames", tc.error_frames},
                          {"bus_off", tc.bus_off},
                          {"reopened", tc.reopened},
                          {"not_pcs", ic.not_pcs},
                          {"other_controller", ic.other_controller},
                          {"undiscovered", ic.undiscovered}});
    }
    j["interfaces"] = ifaces;
    const auto& hb = rack.heartbeat_stats();
    j["heartbeat"] = {{"ticks", hb.ticks},
                      {"skipped", hb.skipped},
                      {"p99_lateness_ms", std::chrono::duration<double, std::milli>(hb.lateness_percentile(0.99)).count()},
                      {"max_lateness_ms", std::chrono::duration<double, std::milli>(hb.max_lateness).count()}};
    // The non-empty buckets, [upper bound in µs, rounds]: two dumps give the lateness of the
    // rounds between them (tests/bench/floor_report.py).
    json histogram = json::array();
    for (std::size_t i = 0; i < hb.lateness_histogram.size(); ++i)
        if (hb.lateness_histogram[i] != 0)
            histogram.push_back({std::chrono::duration_cast<std::chrono::microseconds>(engine::HeartbeatStats::kBucket).count() *
                                     static_cast<long>(i + 1),
                                 hb.lateness_histogram[i]});
    j["heartbeat"]["lateness_histogram_us"] = histogram;
    json modules = json::array();
    for (const auto* m : rack.modules()) modules.push_back(module_json(*m, now));
    j["modules"] = modules;
    return j;
}

}  // namespace ystpcs::daemon
