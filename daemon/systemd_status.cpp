#include "daemon/systemd_status.h"

#include <systemd/sd-daemon.h>

namespace ystpcs::daemon {

SystemdStatus::SystemdStatus(engine::Rack& rack) : rack_(rack) { rack_.add_observer(this); }

SystemdStatus::~SystemdStatus() { rack_.remove_observer(this); }

std::string SystemdStatus::text() const {
    int up = 0, lost = 0, silent = 0;
    for (const auto* m : rack_.modules()) {
        if (m->connected()) ++up;
        else if (m->last_seen()) ++lost;
        else ++silent;  // configured, never heard
    }
    std::string out = std::to_string(up) + (up == 1 ? " module" : " modules") + " communicating, " +
                      std::to_string(lost) + " lost";
    if (silent > 0) out += ", " + std::to_string(silent) + " never heard";
    int warned = 0;
    for (const auto* m : rack_.modules()) warned += m->external_data().warnings().empty() ? 0 : 1;
    if (warned > 0)
        out += "; HEARTBEAT WARNING on " + std::to_string(warned) + (warned == 1 ? " module" : " modules") +
               " (external-device data: pcsctl status)";
    std::string ifaces;
    for (const auto* t : rack_.transports())
        ifaces += (ifaces.empty() ? "" : ", ") + t->name() + " " + std::string(transport::to_string(t->state()));
    if (!ifaces.empty()) out += "; " + ifaces;
    if (const auto& e = rack_.store().last_write_error())
        out += "; STATE FILE NOT SAVED (" + std::to_string(rack_.store().write_failures()) + " failed writes): " + e->message;
    return out;
}

void SystemdStatus::publish() {
    const std::string now = text();
    if (now == last_) return;
    last_ = now;
    sd_notifyf(0, "STATUS=%s", now.c_str());
}

}  // namespace ystpcs::daemon
