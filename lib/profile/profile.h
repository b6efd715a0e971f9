// A test profile (docs/profiles.md): a battery test schedule the daemon runs on one module —
// steps (rest, cc, cv, cccv, cp, pulse) with end conditions and a mandatory maximum time,
// nestable repeat blocks, a safety envelope and a logging plan. Parsed from versioned JSON
// (profile-v1.schema.json) and checked as a whole before anything is sent: every refusal
// names the step (its JSON path and label) and the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/modes.h"
#include "protocol/ratings.h"
#include "protocol/result.h"

namespace ystpcs::profile {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kFormatName = "ystpcs-profile";
// Bounds of our own: a repeat count, a step's maximum time (30 days), the nesting depth.
inline constexpr long kMaxRepeat = 100'000;
inline constexpr double kMaxStepTimeS = 30 * 86'400.0;
inline constexpr int kMaxDepth = 8;

enum class StepType { rest, cc, cv, cccv, cp, pulse };
enum class Direction { charge, discharge };
// What an end condition compares. Magnitudes: current, Ah and Wh count whatever the direction.
enum class Quantity { time_s, voltage_above_v, voltage_below_v, current_below_a, capacity_ah, energy_wh, temperature_above_c };
enum class Action { next, go_to, end, fail };

std::string_view name_of(StepType t);
std::string_view name_of(Direction d);
std::string_view name_of(Quantity q);
std::string_view name_of(Action a);

struct EndCondition {
    Quantity quantity = Quantity::time_s;
    double value = 0;
    Action action = Action::next;
    std::string target;  // go_to: the label
};

struct Step {
    std::string label;   // may be empty
    std::string where;   // "steps[2].steps[0]" — for messages
    StepType type = StepType::rest;
    Direction direction = Direction::charge;
    double current_a = 0;    // cc, cccv, pulse (level 1); cv: the current limit (0: the envelope's)
    double current_2_a = 0;  // pulse: level 2
    double voltage_v = 0;    // cv, cccv
    double power_w = 0;      // cp
    double period_s = 0;     // pulse
    double duty_pct = 0;     // pulse: share of the period at level 1
    std::vector<EndCondition> until;
    double max_time_s = 0;
    Action on_max_time = Action::fail;
    std::string max_time_target;
    // "steps[0] (charge)"
    std::string name() const { return label.empty() ? where : where + " (" + label + ")"; }
};

struct Node {
    bool repeat = false;
    Step step;                   // !repeat
    long count = 0;              // repeat
    std::string label;           // repeat (steps carry theirs in `step`)
    std::string where;
    std::vector<Node> children;  // repeat
    const std::string& node_label() const { return repeat ? label : step.label; }
};

struct Envelope {
    double max_voltage_v = 0, min_voltage_v = 0;
    double max_charge_current_a = 0, max_discharge_current_a = 0;
    double max_charge_power_kw = 0, max_discharge_power_kw = 0;
    std::optional<double> max_temperature_c;  // the module's air temperatures (0x11/0x12)
    int debounce_samples = 3;                  // consecutive samples outside before it trips
};

struct Logging {
    double period_s = 1;
    double delta_voltage_v = 0;  // 0: no change-triggered points
    double delta_current_a = 0;
};

struct Profile {
    std::string name;
    std::string module_model;  // optional: a rating of Appendix D the envelope must fit
    Envelope safety;
    Logging logging;
    std::vector<Node> steps;
    std::string text;  // the JSON as given
    std::string hash;  // SHA-256 of `text`, hex
};

// The working mode and parameters (Appendix A units, protocol signs: negative = charging)
// a step runs the module in; nothing for rest.
struct ModeSetting {
    const protocol::ModeDef* mode = nullptr;
    std::vector<double> params;
};
std::optional<ModeSetting> mode_setting(const Step& step, const Envelope& safety);

// Parses and validates: JSON and schema (types, required and unknown keys), labels unique,
// goto targets that exist and lie ahead (forward only: with finite repeat counts every run
// ends), set-points and end values inside the envelope, the envelope inside the protocol's
// ranges (and the module model's rating when named).
Result<Profile> parse_profile(std::string_view json_text);

// The number of steps a run executes (repeats unrolled, no goto taken), for messages.
std::uint64_t step_count(const std::vector<Node>& nodes);

std::string sha256_hex(std::string_view data);

}  // namespace ystpcs::profile
