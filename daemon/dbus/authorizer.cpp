#include "daemon/dbus/authorizer.h"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

namespace ystpcs::dbus {

namespace {

constexpr std::size_t kCacheLimit = 256;

// "Groups:\t27 100 1000" and the primary "Gid:" of a process.
std::optional<std::vector<gid_t>> groups_of_process(std::uint32_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    if (!in) return std::nullopt;
    std::vector<gid_t> out;
    std::string line;
    bool found = false;
    while (std::getline(in, line)) {
        const bool gid = line.rfind("Gid:", 0) == 0, groups = line.rfind("Groups:", 0) == 0;
        if (!gid && !groups) continue;
        std::istringstream fields(line.substr(line.find(':') + 1));
        for (unsigned long g; fields >> g;) {
            out.push_back(static_cast<gid_t>(g));
            if (gid) break;  // real gid only
        }
        found = found || groups;
    }
    if (!found) return std::nullopt;
    return out;
}

}  // namespace

Authorizer::Authorizer(sdbus::IConnection& connection, std::string control_group)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")), own_uid_(::getuid()) {
    bus_->finishRegistration();
    set_control_group(std::move(control_group));
}

void Authorizer::set_control_group(std::string name) {
    group_name_ = std::move(name);
    group_.reset();
    // NSS lookup: at start-up and reload only, never per call.
    if (const group* g = ::getgrnam(group_name_.c_str())) group_ = g->gr_gid;
    else spdlog::warn("control group '{}' does not exist: only root (and ystpcsd's own user) may change modules", group_name_);
    cache_.clear();
}

bool Authorizer::allowed(const CallerCredentials& caller, uid_t daemon_uid, std::optional<gid_t> group) {
    if (caller.uid == 0 || caller.uid == daemon_uid) return true;
    return group && std::find(caller.groups.begin(), caller.groups.end(), *group) != caller.groups.end();
}

void Authorizer::authorize(const std::string& sender, const std::string& action, Decision done) {
    credentials(sender, [this, sender, action, done](std::optional<CallerCredentials> c, std::string error) {
        if (!c) return done(error);
        decide(sender, action, *c, done);
    });
}

void Authorizer::credentials(const std::string& sender, Credentials done) {
    if (const auto it = cache_.find(sender); it != cache_.end()) {
        done(it->second, "");
        return;
    }
    try {
        bus_->callMethodAsync("GetConnectionCredentials")
            .onInterface("org.freedesktop.DBus")
            .withArguments(sender)
            .uponReplyInvoke([this, sender, done](const sdbus::Error* error, std::map<std::string, sdbus::Variant> creds) {
                if (error != nullptr)
                    return done(std::nullopt, "cannot determine the caller's credentials: " + error->getMessage());
                try {
                    CallerCredentials c;
                    if (creds.count("UnixUserID") == 0) return done(std::nullopt, "the bus did not report the caller's user");
                    c.uid = creds.at("UnixUserID").get<std::uint32_t>();
                    if (creds.count("UnixGroupIDs") != 0) {
                        for (auto g : creds.at("UnixGroupIDs").get<std::vector<std::uint32_t>>()) c.groups.push_back(g);
                    } else if (creds.count("ProcessID") != 0) {
                        const auto groups = groups_of_process(creds.at("ProcessID").get<std::uint32_t>());
                        if (groups) c.groups = *groups;
                    }
                    if (cache_.size() >= kCacheLimit) cache_.clear();
                    cache_[sender] = c;
                    done(c, "");
                } catch (const std::exception& e) {
                    done(std::nullopt, std::string("cannot read the caller's credentials: ") + e.what());
                }
            });
    } catch (const std::exception& e) {
        done(std::nullopt, std::string("cannot ask the bus for the caller's credentials: ") + e.what());
    }
}

void Authorizer::log_denied(const std::string& sender, const std::string& action, uid_t uid) {
    constexpr auto kPeriod = std::chrono::seconds(10);
    if (denials_.size() >= kCacheLimit) denials_.clear();
    auto& d = denials_[uid];
    const auto now = std::chrono::steady_clock::now();
    if (d.last != std::chrono::steady_clock::time_point{} && now - d.last < kPeriod) {
        ++d.suppressed;
        return;
    }
    if (d.suppressed > 0)
        spdlog::warn("denied {} to uid {} ({}): not root nor in group '{}' (and {} more denied calls of this user "
                     "in the last {} s, not logged)",
                     action, uid, sender, group_name_, d.suppressed,
                     std::chrono::duration_cast<std::chrono::seconds>(now - d.last).count());
    else
        spdlog::warn("denied {} to uid {} ({}): not root nor in group '{}'", action, uid, sender, group_name_);
    d.last = now;
    d.suppressed = 0;
}

std::optional<std::string> Authorizer::refusal(const CallerCredentials& c, const std::string& action) const {
    if (allowed(c, own_uid_, group_)) return std::nullopt;
    return action + " needs root or membership in group '" + group_name_ + "' (you are uid " + std::to_string(c.uid) +
           "); ask an administrator to add you: usermod -aG " + group_name_ + " $USER";
}

void Authorizer::decide(const std::string& sender, const std::string& action, const CallerCredentials& c, Decision done) {
    auto why = refusal(c, action);
    if (why) log_denied(sender, action, c.uid);
    done(std::move(why));
}

}  // namespace ystpcs::dbus
