#include "daemon/daemon.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <systemd/sd-daemon.h>
#include <spdlog/spdlog.h>

#include "runtime/logging.h"
#include "daemon/state_dump.h"
#include "protocol/ratings.h"
#include "transport/socketcan_transport.h"

namespace ystpcs::daemon {

namespace {

constexpr const char* kSimInterface = "sim";

int on_signal(sd_event_source*, const signalfd_siginfo* si, void* userdata) {
    auto* fn = static_cast<std::function<void(int)>*>(userdata);
    runtime::run_guarded("signal", [&] { (*fn)(static_cast<int>(si->ssi_signo)); });
    return 0;
}

}  // namespace

Daemon::Daemon(Config config, std::string config_path, Overrides overrides)
    : config_(std::move(config)), config_path_(std::move(config_path)), overrides_(std::move(overrides)) {}

Daemon::~Daemon() {
    // Users of the transports first (they unregister their handlers), the transports last.
    dbus_.reset();
    systemd_status_.reset();
    shutdown_.reset();
    profiles_.reset();
    discovery_.reset();
    ops_.reset();
    recorder_.reset();
    rack_.reset();
    simulation_control_.reset();
    simulated_.reset();
    simulated_bus_node_.reset();
    sim_endpoint_.reset();
    transports_.clear();
    sim_bus_.reset();
}

Result<void> Daemon::open_state_store() {
    // systemd's StateDirectory= passes the path; otherwise the configured one.
    std::string dir = config_.state_directory;
    if (const char* env = std::getenv("STATE_DIRECTORY"); env != nullptr && *env != '\0') {
        dir = env;
        if (const auto colon = dir.find(':'); colon != std::string::npos) dir.resize(colon);
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::string path = dir + "/commanded.json";
    const bool writable = !ec && ::access(dir.c_str(), W_OK) == 0;
    if (!writable) {
        const std::string why = "state directory " + dir + " is not writable" + (ec ? " (" + ec.message() + ")" : "");
        if (!config_.interfaces.empty())
            return make_error(ErrorKind::io, why + ": the last commanded start/stop and self-start bytes of 0x0F " +
                                                 "could not survive a restart; fix it or set state_directory");
        spdlog::warn("{}; simulated modules only, so nothing is persisted", why);
        store_ = std::make_unique<engine::CommandedStateStore>("");
        return {};
    }
    state_dir_ = dir;
    store_ = std::make_unique<engine::CommandedStateStore>(path);
    if (auto r = store_->load(); !r) spdlog::error("{}", r.error().message);
    for (const auto& w : store_->load_warnings()) spdlog::warn("{}", w);
    spdlog::info("commanded 0x0F bytes persisted in {}", path);
    return {};
}

// Profile runs: journals and results in <state directory>/profiles; runs that were active
// when the daemon died come back as interrupted (never resumed by themselves).
void Daemon::open_profiles() {
    const std::string dir = state_dir_.empty() ? "" : state_dir_ + "/profiles";
    profiles_ = std::make_unique<profile::ProfileRuns>(*rack_, *ops_, dir);
    for (const auto& problem : profiles_->restore()) spdlog::error("profile journal: {}", problem);
    if (dir.empty()) spdlog::warn("profile runs are not journaled (no writable state directory)");
}

Result<void> Daemon::start() {
    if (config_.interfaces.empty() && config_.simulate == 0)
        return make_error(ErrorKind::invalid_argument, "nothing to serve: give --interface IFACE and/or --simulate N");
    if (auto r = open_state_store(); !r) return r;
    rack_ = std::make_unique<engine::Rack>(loop_, config_.engine, *store_);
    ops_ = std::make_unique<engine::Operations>(*rack_);
    recorder_ = std::make_unique<engine::ModuleRecorder>(*rack_);
    discovery_ = std::make_unique<engine::DiscoveryReads>(*rack_, *ops_);
    shutdown_ = std::make_unique<engine::ShutdownSequence>(*rack_, *ops_);
    open_profiles();

    for (const auto& name : config_.interfaces) {
        transport::SocketCanOptions options;
        if (config_.kernel_filters) options.filters = transport::controller_filters();
        auto t = std::make_unique<transport::SocketCanTransport>(loop_, name, options);
        rack_->attach(*t);
        transports_.push_back(std::move(t));
    }
    if (config_.simulate > 0) {
        sim_bus_ = std::make_unique<transport::VirtualBus>(loop_, kSimInterface);
        sim_endpoint_ = sim_bus_->connect();
        rack_->attach(*sim_endpoint_);
        simulated_bus_node_ = sim_bus_->connect();
        simulated_ = std::make_unique<sim::SimulatedRack>(loop_, *simulated_bus_node_);
        const auto* rating = protocol::find_module_rating(config_.simulation.model);
        std::random_device random;
        for (unsigned a = 1; a <= config_.simulate; ++a) {
            sim::PcsConfig pcs;
            pcs.address = static_cast<std::uint8_t>(a);
            pcs.plant.rating = *rating;
            pcs.plant.battery.nominal_voltage_v = config_.simulation.battery_voltage_v;
            pcs.plant.battery.capacity_ah = config_.simulation.capacity_ah;
            pcs.plant.battery.internal_resistance_ohm = config_.simulation.internal_resistance_ohm;
            pcs.plant.battery.initial_soc = config_.simulation.soc;
            pcs.plant.seed = config_.simulation.seed ? *config_.simulation.seed + a : random();
            if (const auto arm = config_.simulation.arm_version_of(pcs.address)) pcs.firmware.arm = *arm;
            if (!protocol::accepts_zero_dc(pcs.firmware.arm))
                spdlog::info("simulated module {} plays ARM software {}, which refuses heartbeats with zero DC values",
                             a, protocol::software_text(pcs.firmware.arm));
            simulated_->add(pcs);
            rack_->add_module(*sim_endpoint_, pcs.address, true);
        }
        spdlog::info("simulating {} {} module(s) on the in-process bus '{}'", config_.simulate, rating->model,
                     kSimInterface);
        if (!config_.simulation.control_socket.empty()) {
            // The simulated modules' fault injection, as pcs-sim offers it (docs/simulator.md).
            try {
                simulation_control_ = std::make_unique<runtime::LineChannelServer>(
                    loop_, config_.simulation.control_socket,
                    [this](const std::string& line) { return simulated_->execute(line); });
            } catch (const std::exception& e) {
                return make_error(ErrorKind::io, std::string("simulation.control_socket: ") + e.what());
            }
            spdlog::info("simulated modules' control channel on {}", config_.simulation.control_socket);
        }
    }
    for (const auto& m : config_.modules) {
        transport::CanTransport* t = nullptr;
        for (auto* candidate : rack_->transports())
            if (candidate->name() == m.interface) t = candidate;
        if (t == nullptr)
            return make_error(ErrorKind::invalid_argument, "configured module " + m.interface + "/" +
                                                               std::to_string(m.address) + " is on an interface " +
                                                               "this daemon does not serve");
        rack_->add_module(*t, m.address, true);
    }
    setup_signals();
    // The modules hear from us before the D-Bus connection is made (it takes a few hundred
    // milliseconds on a slow or emulated CPU); the schedule proper starts at the end.
    rack_->send_heartbeats_now();
    if (config_.bus != "none") {
        dbus_ = std::make_unique<dbus::DbusService>(loop_, *rack_, *ops_, *recorder_, profiles_.get());
        if (auto r = dbus_->start(bus_config()); !r) return r;
    } else {
        spdlog::warn("D-Bus disabled (bus = none): SIGUSR1 logs the state; nothing can command the modules");
    }
    systemd_status_ = std::make_unique<SystemdStatus>(*rack_);
    // systemd's watchdog (WatchdogSec=) is pinged by sd-event itself from this loop, between a
    // half and three quarters of the interval: a stalled loop stops the pings and systemd kills
    // and restarts ystpcsd.
    if (const int r = sd_event_set_watchdog(loop_.native(), 1); r > 0)
        spdlog::info("systemd watchdog enabled");
    else if (r < 0)
        spdlog::error("cannot enable the systemd watchdog: {}", std::strerror(-r));
    // Last: the next round is due now, and start-up work (the D-Bus name request) must not
    // make it late.
    rack_->start_heartbeat();
    return {};
}

dbus::BusConfig Daemon::bus_config() const {
    return dbus::BusConfig{config_.bus, config_.bus_address, config_.control_group, config_.properties_interval,
                           YSTPCS_VERSION};
}

void Daemon::setup_signals() {
    signal_handler_ = [this](int sig) {
        switch (sig) {
            case SIGTERM:
            case SIGINT: begin_shutdown(); break;
            case SIGHUP: reload(); break;
            case SIGUSR1: dump_state(); break;
            default: break;
        }
    };
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1})
        sd_event_add_signal(loop_.native(), nullptr, sig, on_signal, &signal_handler_);
}

int Daemon::run() {
    // Ready: the interfaces are open (or being retried) and the bus name is owned.
    sd_notifyf(0, "READY=1\nSTATUS=%s", systemd_status_->text().c_str());
    const int r = loop_.run();
    return r < 0 ? EXIT_FAILURE : r;
}

void Daemon::dump_state() {
    spdlog::info("state: {}", rack_json(*rack_, loop_.now()).dump());
}

void Daemon::reload() {
    spdlog::info("reloading the configuration{}", config_path_.empty() ? " (no file: nothing to reload)" : " from " + config_path_);
    if (config_path_.empty()) return;
    sd_notify(0, "RELOADING=1");
    struct ReadyAgain {
        ~ReadyAgain() { sd_notify(0, "READY=1"); }
    } ready_again;
    auto next = load_config(config_path_);
    if (!next) {
        spdlog::error("reload refused, keeping the running configuration: {}", next.error().message);
        return;
    }
    Config n = next.value();
    overrides_.apply(n);
    if (n.interfaces != config_.interfaces || n.simulate != config_.simulate || n.bus != config_.bus ||
        n.bus_address != config_.bus_address || n.kernel_filters != config_.kernel_filters ||
        n.state_directory != config_.state_directory || n.engine.heartbeat_period != config_.engine.heartbeat_period)
        spdlog::warn("reload: interfaces, simulate, bus, kernel_filters, state_directory and heartbeat_period_s "
                     "take effect only after a restart");
    if (auto r = runtime::set_log_level(n.log_level); !r) spdlog::error("{}", r.error().message);
    rack_->set_options(n.engine);
    config_.engine = n.engine;
    config_.log_level = n.log_level;
    config_.on_shutdown = n.on_shutdown;
    config_.control_group = n.control_group;
    config_.properties_interval = n.properties_interval;
    // Modules added to the list are served from now on; ones taken off it are forgotten.
    for (const auto& m : n.modules) {
        for (auto* t : rack_->transports())
            if (t->name() == m.interface) rack_->add_module(*t, m.address, true);
    }
    for (const auto& old : config_.modules) {
        bool kept = false;
        for (const auto& m : n.modules) kept = kept || (m.interface == old.interface && m.address == old.address);
        if (!kept) drop_module(old.interface + "/" + std::to_string(old.address));
    }
    config_.modules = n.modules;
    if (dbus_) dbus_->reconfigure(bus_config());
    spdlog::info("configuration reloaded");
}

void Daemon::drop_module(const std::string& key) {
    engine::Module* m = rack_->find(key);
    if (m == nullptr) return;
    // Without heartbeats it would fault after 5 s: a module that may be running is stopped
    // first, then forgotten (its other operations end with "removed").
    if (!(m->connected() && m->power_stage_active())) {
        rack_->remove_module(key);
        return;
    }
    spdlog::warn("{}: taken off the configuration while running: stopping it, then no longer serving it", key);
    ops_->stop(*m, [this, key](Result<void> r) {
        if (!r) spdlog::warn("{}: stop before forgetting it: {}", key, r.error().message);
        rack_->remove_module(key);
    });
}

void Daemon::begin_shutdown() {
    if (shutting_down_) {
        spdlog::warn("second termination signal: exiting at once");
        loop_.exit(EXIT_SUCCESS);
        return;
    }
    shutting_down_ = true;
    sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
    if (profiles_) profiles_->stopping();
    // The policy (what is stopped, what the heartbeat says, how long) is the engine's.
    shutdown_->begin(config_.on_shutdown == ShutdownPolicy::leave_running, [this] { loop_.exit(EXIT_SUCCESS); });
}

}  // namespace ystpcs::daemon
