// Who may change a module: uid 0, the daemon's own user, and members of the control group
// (default "ystpcs"). The caller's credentials come from the bus (GetConnectionCredentials,
// asked asynchronously so the loop never waits on the bus daemon), the groups from the
// reply's UnixGroupIDs or, where the bus does not report them, /proc/<pid>/status.
// Decisions are cached per unique bus name (never reused by the bus).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

namespace ystpcs::dbus {

struct CallerCredentials {
    uid_t uid = 0;
    std::vector<gid_t> groups;  // primary and supplementary
};

class Authorizer {
public:
    Authorizer(sdbus::IConnection& connection, std::string control_group);
    // Resolves the group name (at start-up and on reload).
    void set_control_group(std::string name);

    // `done(empty)` when `sender` may change modules, `done(reason)` otherwise.
    using Decision = std::function<void(std::optional<std::string> denied_reason)>;
    void authorize(const std::string& sender, const std::string& action, Decision done);
    // The caller's credentials (cached per unique name), or why they are not known.
    using Credentials = std::function<void(std::optional<CallerCredentials>, std::string error)>;
    void credentials(const std::string& sender, Credentials done);
    bool privileged(const CallerCredentials& caller) const { return allowed(caller, own_uid_, group_); }
    // Why `caller` may not do `action`, in words; nothing when they may. Not logged: a client
    // asking what it may do (GetCallerAccess) is no denied call.
    std::optional<std::string> refusal(const CallerCredentials& caller, const std::string& action) const;

    // The pure rule, for tests: root, the daemon's uid, or a member of `group`.
    static bool allowed(const CallerCredentials& caller, uid_t daemon_uid, std::optional<gid_t> group);

private:
    void decide(const std::string& sender, const std::string& action, const CallerCredentials& c, Decision done);
    // A flood of denied calls must not become a flood in the journal: one line per caller and
    // period, with how many were not logged.
    void log_denied(const std::string& sender, const std::string& action, uid_t uid);

    std::unique_ptr<sdbus::IProxy> bus_;
    std::string group_name_;
    std::optional<gid_t> group_;
    uid_t own_uid_;
    std::map<std::string, CallerCredentials> cache_;
    struct DenialLog {
        std::chrono::steady_clock::time_point last{};
        std::uint64_t suppressed = 0;
    };
    std::map<uid_t, DenialLog> denials_;
};

}  // namespace ystpcs::dbus
