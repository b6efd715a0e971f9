// ystpcs-bridge: a client of ystpcsd's D-Bus API that serves Prometheus metrics and an MQTT
// bridge, so that ystpcsd itself keeps no network socket and nothing the network does reaches
// its heartbeat. One thread, one sd-event loop: D-Bus (SdbusEventBridge), the HTTP endpoint,
// libmosquitto's socket and every timer.
#pragma once

#include <memory>
#include <string>

#include <sdbus-c++/IConnection.h>
#include <systemd/sd-event.h>

#include "bridge/config.h"
#include "bridge/fleet_reader.h"
#include "bridge/http_server.h"
#include "bridge/mqtt_publisher.h"
#include "runtime/sd_event_loop.h"
#include "runtime/sdbus_event_bridge.h"

namespace ystpcs::bridge {

class Bridge {
public:
    explicit Bridge(BridgeConfig config);
    ~Bridge();
    Bridge(const Bridge&) = delete;
    Bridge& operator=(const Bridge&) = delete;

    // Connects to the bus, opens the endpoint, starts MQTT; tells systemd it is ready.
    Result<void> start();
    // Until SIGTERM or SIGINT (exit status 0) or the loss of the bus (1).
    int run();

private:
    static int on_signal(sd_event_source* s, const struct signalfd_siginfo* si, void* self);
    void shut_down(int status);
    void report_status();
    std::string metrics();

    BridgeConfig config_;
    runtime::SdEventLoop loop_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<runtime::SdbusEventBridge> dbus_loop_;
    std::unique_ptr<FleetReader> reader_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<MqttPublisher> mqtt_;
    std::unique_ptr<runtime::Timer> status_timer_;
    std::string last_status_;
    bool shutting_down_ = false;
    sd_event_source* sigterm_ = nullptr;
    sd_event_source* sigint_ = nullptr;
};

}  // namespace ystpcs::bridge
