// The chosen modules' properties kept current by PropertiesChanged, through restarts of
// ystpcsd: when its bus name goes away (NameOwnerChanged) every module is marked lost at once;
// when the name comes back the proxies are made again and a fresh snapshot is read. The
// long-running commands (log, monitor, wait) read from it instead of polling the daemon.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pcsctl/client.h"
#include "pcsctl/output.h"

namespace ystpcs::ctl {

class ModuleFeed {
public:
    struct Module {
        std::string path;
        std::string name;  // "sim/1"
        Properties props;  // the last snapshot plus the changes since; Connected false while the daemon is gone
        bool fresh = false;  // a snapshot was read since the daemon (re)appeared
        std::unique_ptr<ModuleProxy> proxy;
    };

    // Reads every module's snapshot now (the daemon must be there: a failure throws).
    ModuleFeed(Client& client, const std::vector<std::string>& paths);
    ModuleFeed(const ModuleFeed&) = delete;
    ModuleFeed& operator=(const ModuleFeed&) = delete;

    bool daemon_up() const { return daemon_up_; }
    std::deque<Module>& modules() { return modules_; }
    // Reads the snapshots still missing (a module not served yet after a restart); call it
    // from the command's tick. Returns true when every module is fresh.
    bool refresh();

    // Hooks (optional). Called from the client loop.
    std::function<void(bool up)> on_daemon;  // lost (false) / back (true)
    std::function<void(Module&)> on_snapshot;
    std::function<void(Module&, const Properties& changed)> on_change;
    std::function<void(Module&, std::uint32_t state, const std::string& name)> on_state;
    std::function<void(Module&, std::uint16_t code, const std::string& text)> on_fault;

private:
    void attach(Module& m);
    bool read_snapshot(Module& m);
    void owner_changed(const std::string& new_owner);

    Client& client_;
    std::deque<Module> modules_;  // never resized after construction: the hooks hold references
    bool daemon_up_ = true;
    sdbus::Slot owner_watch_;
};

}  // namespace ystpcs::ctl
