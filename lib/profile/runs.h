// Every profile run of the daemon: one active run per module, started, paused, resumed and
// aborted on request, restored from their journals at start-up (an active one as
// `interrupted`), fed by the rack (a tick per heartbeat round, module changes) and told of
// every stop asked of a module. While a run drives a module, other clients' control
// commands are refused; stops never are (they pre-empt the run).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/operations.h"
#include "engine/rack.h"
#include "profile/run.h"

namespace ystpcs::profile {

class ProfileRuns final : public engine::RackObserver {
public:
    // `directory`: journals and results (<state directory>/profiles); empty: kept in memory only.
    ProfileRuns(engine::Rack& rack, engine::Operations& ops, std::string directory);
    ~ProfileRuns() override;

    // Reads the journals in the directory; returns one line per journal that could not be used.
    std::vector<std::string> restore();

    // Validates `text` (nothing sent when it is refused), creates a run and starts it. `done`
    // with the run's id once its first step runs, or the reason it did not (a run refused live
    // stays listed as failed).
    void start(const std::string& module_key, const std::string& text, engine::DoneWith<std::string> done);
    ProfileRun* find(const std::string& id);
    std::vector<ProfileRun*> runs() const;

    // The daemon stops: active runs are journaled as interrupted.
    void stopping();

    // Observers (the D-Bus service).
    std::function<void(ProfileRun&)> on_added;
    std::function<void(ProfileRun&, bool structural)> on_changed;

    // engine::RackObserver
    void module_removed(engine::Module& m) override;
    void module_changed(engine::Module& m, const engine::ModuleChange& change) override;
    void tick(runtime::Instant now) override;

private:
    ProfileRun* active_on(const std::string& module_key);
    RunPaths paths_for(const std::string& id) const;
    ProfileRun::Changed changed_hook();

    engine::Rack& rack_;
    engine::Operations& ops_;
    std::string directory_;
    std::map<std::string, std::unique_ptr<ProfileRun>> runs_;
    unsigned long next_id_ = 1;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::profile
