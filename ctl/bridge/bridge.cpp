#include "bridge/bridge.h"

#include <grp.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "bridge/metrics.h"
#include "runtime/bus_connection.h"

namespace ystpcs::bridge {

namespace {

// ystpcsd's default control_group; an installation may name another (its configuration is not
// the bridge's to read), so this only warns.
constexpr const char* kDefaultControlGroup = "ystpcs";

bool may_change_modules() {
    if (geteuid() == 0) return true;
    const group* g = getgrnam(kDefaultControlGroup);
    if (!g) return false;
    if (getegid() == g->gr_gid) return true;
    std::vector<gid_t> groups(static_cast<std::size_t>(std::max(0, getgroups(0, nullptr))));
    const int n = getgroups(static_cast<int>(groups.size()), groups.data());
    return std::find(groups.begin(), groups.begin() + std::max(0, n), g->gr_gid) != groups.begin() + std::max(0, n);
}

}  // namespace

Bridge::Bridge(BridgeConfig config) : config_(std::move(config)) {}

Bridge::~Bridge() {
    sd_event_source_disable_unref(sigterm_);
    sd_event_source_disable_unref(sigint_);
    // The reader first: its proxies hold the calls still waiting, whose handlers refer to the
    // write gate in mqtt_; destroying them cancels the calls. Then the rest of the connection's
    // users, then the connection.
    http_.reset();
    reader_.reset();
    mqtt_.reset();
    dbus_loop_.reset();
    connection_.reset();
}

Result<void> Bridge::start() {
    // Signals come through sd-event (main blocked them).
    if (sd_event_add_signal(loop_.native(), &sigterm_, SIGTERM, &Bridge::on_signal, this) < 0 ||
        sd_event_add_signal(loop_.native(), &sigint_, SIGINT, &Bridge::on_signal, this) < 0)
        return make_error(ErrorKind::io, "cannot watch SIGTERM and SIGINT");
    const std::string which = runtime::describe_bus(config_.bus, config_.bus_address);
    try {
        connection_ = runtime::open_bus_connection(config_.bus, config_.bus_address);
        dbus_loop_ = std::make_unique<runtime::SdbusEventBridge>(loop_.native(), *connection_, [this](const std::string& why) {
            spdlog::critical("D-Bus connection lost ({}); exiting", why);
            shut_down(1);
        });
        reader_ = std::make_unique<FleetReader>(loop_, *connection_, config_.poll_interval);
        reader_->start();
    } catch (const sdbus::Error& e) {
        return make_error(ErrorKind::io, "cannot connect to " + which + ": " + e.getMessage());
    }
    if (config_.metrics.enabled) {
        http_ = std::make_unique<HttpServer>(loop_, [this] { return metrics(); });
        if (auto r = http_->listen(config_.metrics.address, config_.metrics.port); !r) return r;
        spdlog::info("metrics on http://{}:{}/metrics", config_.metrics.address.find(':') == std::string::npos
                                                             ? config_.metrics.address
                                                             : "[" + config_.metrics.address + "]",
                     http_->port());
    }
    if (config_.mqtt.enabled) {
        mqtt_ = std::make_unique<MqttPublisher>(loop_, config_, *reader_);
        reader_->add_observer(*mqtt_);
        if (auto r = mqtt_->start(); !r) return r;
        spdlog::info("MQTT to {} as site '{}'; writes {}", mqtt_->endpoint(), config_.site,
                     config_.mqtt.writes.enabled ? "enabled for " + std::to_string(config_.mqtt.writes.modules.size()) + " module(s)"
                                                 : "disabled");
        if (config_.mqtt.writes.enabled && !may_change_modules())
            spdlog::warn("MQTT writes are enabled, but this process is neither root nor in the group '{}': ystpcsd's bus "
                         "policy will refuse them (AccessDenied) unless its control group is another one (SupplementaryGroups=)",
                         kDefaultControlGroup);
    }
    status_timer_ = loop_.create_timer([this] {
        report_status();
        status_timer_->arm(loop_.now() + std::chrono::seconds(2));
    });
    status_timer_->arm(loop_.now());
    sd_notify(0, "READY=1");
    return {};
}

int Bridge::run() { return loop_.run(); }

int Bridge::on_signal(sd_event_source*, const struct signalfd_siginfo* si, void* self) {
    auto* b = static_cast<Bridge*>(self);
    runtime::run_guarded("signal", [b, si] {
        spdlog::info("signal {}: shutting down", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        b->shut_down(0);
    });
    return 0;
}

void Bridge::shut_down(int status) {
    if (shutting_down_) return;
    shutting_down_ = true;
    sd_notify(0, "STOPPING=1");
    if (mqtt_) mqtt_->stop([this, status] { loop_.exit(status); });
    else loop_.exit(status);
}

std::string Bridge::metrics() {
    BridgeStats stats;
    stats.version = YSTPCS_VERSION;
    stats.site = config_.site;
    if (mqtt_) {
        stats.mqtt_enabled = true;
        stats.mqtt_connected = mqtt_->connected();
        stats.mqtt_published = mqtt_->published();
        stats.mqtt_connects = mqtt_->connects();
        stats.writes = mqtt_->write_counts();
    }
    return render_metrics(reader_->state(), stats);
}

void Bridge::report_status() {
    const auto& state = reader_->state();
    std::string status = state.daemon_up() ? std::to_string(state.modules().size()) + " module(s)" : "ystpcsd not on the bus";
    if (http_) status += "; metrics on port " + std::to_string(http_->port());
    if (mqtt_) status += mqtt_->connected() ? "; MQTT connected to " + mqtt_->endpoint() : "; MQTT not connected";
    if (status == last_status_) return;
    last_status_ = status;
    sd_notify(0, ("STATUS=" + status).c_str());
}

}  // namespace ystpcs::bridge
