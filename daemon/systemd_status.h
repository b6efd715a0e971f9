// What systemd shows for the service (`systemctl status ystpcsd`): STATUS= lines saying how
// many modules communicate and how the interfaces are, sent whenever that changes.
#pragma once

#include <string>

#include "engine/rack.h"

namespace ystpcs::daemon {

class SystemdStatus final : public engine::RackObserver {
public:
    explicit SystemdStatus(engine::Rack& rack);
    ~SystemdStatus() override;
    // "2 modules communicating, 0 lost; vcan0 up", modules whose heartbeat draws a warning
    // (external-device data), and a failed state-file write when there is one
    std::string text() const;
    void publish();

    void module_added(engine::Module&) override { publish(); }
    void module_removed(engine::Module&) override { publish(); }
    void module_changed(engine::Module&, const engine::ModuleChange& change) override {
        if (change.link || change.commanded || change.external_data) publish();
    }
    void interface_changed(transport::CanTransport&) override { publish(); }

private:
    engine::Rack& rack_;
    std::string last_;
};

}  // namespace ystpcs::daemon
