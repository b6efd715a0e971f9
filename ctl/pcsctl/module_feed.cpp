#include "pcsctl/module_feed.h"

#include "dbus/names.h"

namespace ystpcs::ctl {

ModuleFeed::ModuleFeed(Client& client, const std::vector<std::string>& paths) : client_(client) {
    // Subscribed before the snapshots: a restart between the two is not missed.
    owner_watch_ = client_.connection().addMatch(
        std::string("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                    "member='NameOwnerChanged',arg0='") + dbus::kServiceName + "'",
        [this](sdbus::Message& msg) {
            std::string name, old_owner, new_owner;
            msg >> name >> old_owner >> new_owner;
            owner_changed(new_owner);
        });
    for (const auto& path : paths) {
        Module& m = modules_.emplace_back();
        m.path = path;
        attach(m);
        m.name = m.proxy->name();
        m.props = call("read " + m.name, [&] { return m.proxy->properties(); });
        m.fresh = true;
    }
}

void ModuleFeed::attach(Module& m) {
    m.proxy = std::make_unique<ModuleProxy>(client_.connection(), m.path);
    Module* self = &m;
    m.proxy->on_properties = [this, self](const Properties& changed) {
        for (const auto& [k, v] : changed) self->props[k] = v;
        if (on_change) on_change(*self, changed);
    };
    m.proxy->on_state = [this, self](std::uint32_t state, const std::string& name) {
        if (on_state) on_state(*self, state, name);
    };
    m.proxy->on_fault = [this, self](std::uint16_t code, const std::string& text) {
        if (on_fault) on_fault(*self, code, text);
    };
}

bool ModuleFeed::read_snapshot(Module& m) {
    try {
        m.props = m.proxy->properties();
    } catch (const sdbus::Error&) {
        return false;  // not served (yet): the next refresh tries again
    }
    m.fresh = true;
    if (on_snapshot) on_snapshot(m);
    return true;
}

bool ModuleFeed::refresh() {
    bool all = true;
    if (!daemon_up_) return false;
    for (auto& m : modules_)
        if (!m.fresh && !read_snapshot(m)) all = false;
    return all;
}

void ModuleFeed::owner_changed(const std::string& new_owner) {
    const bool up = !new_owner.empty();
    if (!up) {
        if (!daemon_up_) return;
        daemon_up_ = false;
        for (auto& m : modules_) {
            m.fresh = false;
            m.props["Connected"] = sdbus::Variant(false);
        }
        if (on_daemon) on_daemon(false);
        return;
    }
    daemon_up_ = true;
    for (auto& m : modules_) {
        m.fresh = false;
        attach(m);  // a new owner: new match rules, nothing of the old one's state kept
    }
    if (on_daemon) on_daemon(true);
    refresh();
}

}  // namespace ystpcs::ctl
