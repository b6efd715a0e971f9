// The Prometheus text exposition (format 0.0.4) of what the bridge knows: base units, `_total`
// counters, states as a label with 0/1 values (as the NUT exporters do). A value that is not
// valid — never reported, NaN, or stale because the module's link is down (fleet_state.h) —
// has no sample at all, never a 0 that would look like a measurement. Pure: rendered from the
// state on each scrape.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/fleet_state.h"

namespace ystpcs::bridge {

// The bridge's own figures.
struct BridgeStats {
    std::string version;
    std::string site;
    bool mqtt_enabled = false;
    bool mqtt_connected = false;
    std::uint64_t mqtt_published = 0;
    std::uint64_t mqtt_connects = 0;
    std::map<std::string, std::uint64_t> writes;  // by result: ok, error, refused
};

// One metric of a module value: the D-Bus property it comes from and how it is scaled to
// base units; `label`/`label_value` tell apart the members of one family (phase="u").
struct ValueMetric {
    std::string_view property;
    std::string_view name;
    std::string_view help;
    double scale = 1;
    std::string_view label = "";
    std::string_view label_value = "";
};
// Every value metric, in exposition order (docs/fleet.md lists them).
const std::vector<ValueMetric>& value_metrics();

std::string render_metrics(const FleetState& state, const BridgeStats& stats);

// Label value escaping of the exposition format: \\, \" and \n.
std::string escape_label_value(std::string_view v);
// Shortest text that reads back as the same double; +Inf, -Inf, NaN as the format spells them.
std::string format_sample_value(double v);

}  // namespace ystpcs::bridge
