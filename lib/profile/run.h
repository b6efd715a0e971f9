// One run of a profile on one module, in the daemon: the position in the schedule, step and
// test time, Ah/Wh, the end condition that fired for each step, the envelope watched on every
// sample, the journal (fsync'd) and the results (BDF). Every step that touches the module goes
// through the module's OperationQueue (engine::Operations: set_mode with stop_first and start,
// stop), with the same interlocks as any client's call. States: docs/profiles.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/operations.h"
#include "profile/profile.h"
#include "profile/results.h"

namespace ystpcs::profile {

enum class RunState { preparing, running, paused, interrupted, completed, failed, aborted };
std::string_view name_of(RunState s);
// completed, failed, aborted: nothing more happens to the run.
bool is_final(RunState s);

// Where the run is in one block: the node's index and, inside a repeat, its iteration (1-based).
struct Level {
    std::size_t index = 0;
    long iteration = 1;
};

struct StepRecord {
    std::uint64_t step_count = 0;
    std::string where, label, type;
    std::string end_reason;  // "voltage_above_v 790 V", "max_time_s", "aborted", ...
    double duration_s = 0, ah = 0, wh = 0;
};

struct Totals {
    double charge_ah = 0, discharge_ah = 0, charge_wh = 0, discharge_wh = 0;
};

// The module's latest DC measurement: 0x39 (1 mV, 1 mA) when it came recently, else 0x11.
// Current and power in the protocol's sign (positive: discharging).
struct Sample {
    runtime::Instant received{};
    runtime::WallTime wall{};
    double voltage_v = 0, current_a = 0, power_w = 0;
    std::optional<double> temperature_c;  // the hotter of the module's inlet and outlet air
};
std::optional<Sample> latest_sample(const engine::Module& m);

struct RunPaths {
    std::string journal, csv, metadata;
};

class ProfileRun {
public:
    // `changed(run, structural)`: state, step or records changed (structural) or only the
    // running figures (times, Ah, Wh).
    using Changed = std::function<void(ProfileRun&, bool structural)>;

    ProfileRun(std::string id, Profile profile, std::string module_key, RunPaths paths, engine::Rack& rack,
               engine::Operations& ops, Changed changed);
    ~ProfileRun();
    ProfileRun(const ProfileRun&) = delete;
    ProfileRun& operator=(const ProfileRun&) = delete;

    // A run from its journal. A run that was active when the daemon died is `interrupted`:
    // never resumed by itself; when its module is found energised, it is stopped.
    static Result<std::unique_ptr<ProfileRun>> restore(const std::string& journal_text, RunPaths paths,
                                                       engine::Rack& rack, engine::Operations& ops, Changed changed);

    // Validates live (communicating, startable, stopped, the envelope written to the protection
    // limits and read back, every set-point inside them, the measured voltage inside the
    // envelope), then runs the first step. `done` when the first step runs, or why not.
    void start(engine::Done done);
    void pause(engine::Done done);         // running → paused: the module stopped, step time frozen
    void resume(engine::Done done);        // paused/interrupted → running: re-validated live
    void restart_step(engine::Done done);  // paused/interrupted → running, the step from its start
    void abort(engine::Done done);         // any but final → aborted: the module stopped

    // From the manager.
    void on_tick(runtime::Instant now);
    void on_module_changed(engine::Module& m, const engine::ModuleChange& change);
    void on_module_removed();
    // A stop asked by someone else (or the emergency stop): the run is pre-empted.
    void on_foreign_stop(bool emergency);
    // The daemon stops: an active run is journaled as interrupted.
    void on_daemon_stopping();
    // True while the run itself is calling Operations (its own commands pass the guard).
    bool calling() const { return calling_; }
    // Refuses other clients' commands while the run drives the module.
    bool drives_module() const { return state_ == RunState::preparing || state_ == RunState::running; }

    const std::string& id() const { return id_; }
    const std::string& module_key() const { return module_key_; }
    const Profile& profile() const { return profile_; }
    RunState state() const { return state_; }
    const std::string& reason() const { return reason_; }
    const RunPaths& paths() const { return paths_; }
    // The current step (nullptr when the run has not begun or is over).
    const Step* step() const;
    std::uint64_t step_count() const { return step_count_; }
    long cycle() const;
    // (label or where, iteration, count) of every repeat the position is in, outermost first.
    std::vector<std::tuple<std::string, long, long>> loops() const;
    double test_time_s() const { return test_time_s_; }
    double step_time_s() const { return step_time_s_; }
    double step_ah() const { return step_ah_; }
    double step_wh() const { return step_wh_; }
    const Totals& totals() const { return totals_; }
    const std::vector<StepRecord>& records() const { return records_; }
    double started_unix_s() const { return started_unix_s_; }
    nlohmann::json journal_json() const;

private:
    enum class Phase { idle, applying, in_step };
    engine::Module* module() const;
    void set_state(RunState s, std::string reason);
    void prepare(std::function<void(Result<void>)> then);
    void apply_step(bool fresh, engine::Done done);
    void end_step(const std::string& reason, Action action, const std::string& target);
    void finish(RunState s, std::string reason);
    void interrupt(const std::string& reason, bool stop_module);
    void own_stop(engine::Done done);
    void evaluate(engine::Module& m, const std::optional<Sample>& fresh, runtime::Instant now);
    bool check_envelope(const Sample& s);
    void log_point(const Sample& s, bool force);
    // The interval from the previous sample to `s`, by the trapezoid rule.
    void integrate(const Sample& previous, const Sample& s, double dt_s);
    bool advance();
    void jump(const std::string& target);
    void descend();
    const std::vector<Node>& block(std::size_t depth) const;
    void journal();
    void write_metadata();
    void resume_from(bool restart, engine::Done done);
    template <class F>
    void call_ops(F&& f);

    std::string id_;
    Profile profile_;
    std::string module_key_;
    RunPaths paths_;
    engine::Rack& rack_;
    engine::Operations& ops_;
    Changed changed_;
    BdfWriter bdf_;

    RunState state_ = RunState::preparing;
    std::string reason_;
    Phase phase_ = Phase::idle;
    std::vector<Level> pos_;
    std::uint64_t step_count_ = 0;
    long cycle_ = 0;
    double test_time_s_ = 0, step_time_s_ = 0;
    double step_ah_ = 0, step_wh_ = 0;
    Totals totals_;
    std::vector<StepRecord> records_;
    double started_unix_s_ = 0;

    std::optional<runtime::Instant> last_tick_;
    std::optional<runtime::Instant> last_sample_at_;
    Sample last_sample_;  // the sample of last_sample_at_
    runtime::Instant step_started_{};
    std::optional<Sample> last_logged_;
    double last_log_test_time_s_ = -1e9;
    int breaches_ = 0;
    bool current_armed_ = false;
    runtime::Instant last_journal_{};
    runtime::Instant last_published_{};
    bool energised_ = false;        // this run (in this daemon's life) started the module
    bool stop_on_contact_ = false;  // restored as interrupted: stop the module if found energised
    bool calling_ = false;
    std::uint64_t generation_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::profile
