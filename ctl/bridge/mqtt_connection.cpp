#include "bridge/mqtt_connection.h"

#include <mosquitto.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#include "runtime/sd_event_loop.h"

namespace ystpcs::bridge {

namespace {

std::string error_text(int rc) {
    if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
    return mosquitto_strerror(rc);
}

}  // namespace

MosquittoLibrary::MosquittoLibrary() { mosquitto_lib_init(); }
MosquittoLibrary::~MosquittoLibrary() { mosquitto_lib_cleanup(); }

MqttConnection::MqttConnection(runtime::EventLoop& loop, const MqttConfig& config, std::string client_id, LastWill will,
                               Handlers handlers)
    : loop_(loop),
      config_(config),
      client_id_(std::move(client_id)),
      will_(std::move(will)),
      handlers_(std::move(handlers)),
      jitter_(static_cast<std::uint32_t>(loop.now().time_since_epoch().count())) {
    misc_timer_ = loop_.create_timer([this] {
        if (mosq_ && watch_) {
            // Keep-alive: PINGREQ when due, and the connection declared lost when the broker
            // stopped answering them.
            const int rc = mosquitto_loop_misc(mosq_);
            if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) spdlog::debug("MQTT: loop_misc: {}", error_text(rc));
            sync_watch();
        }
        misc_timer_->arm(loop_.now() + std::chrono::seconds(1));
    });
    retry_timer_ = loop_.create_timer([this] { attempt(); });
    connect_deadline_ = loop_.create_timer([this] {
        if (!connected_) lost("no answer from the broker within " + std::to_string(std::max(10u, config_.keepalive_s)) + " s");
    });
    stop_deadline_ = loop_.create_timer([this] { finish_stop(); });
}

MqttConnection::~MqttConnection() {
    watch_.reset();
    if (mosq_) mosquitto_destroy(mosq_);
}

std::string MqttConnection::endpoint() const { return config_.host + ":" + std::to_string(config_.port); }

Result<void> MqttConnection::start() {
    mosq_ = mosquitto_new(client_id_.c_str(), /*clean_session=*/true, this);
    if (!mosq_) return make_error(ErrorKind::io, std::string("MQTT: cannot create a client: ") + std::strerror(errno));
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_callback_set(mosq_, &MqttConnection::on_connect);
    mosquitto_disconnect_callback_set(mosq_, &MqttConnection::on_disconnect);
    mosquitto_message_callback_set(mosq_, &MqttConnection::on_message);
    // The library says why a connection failed (a certificate that does not verify, a host
    // name that does not match) only in its log.
    mosquitto_log_callback_set(mosq_, [](mosquitto*, void*, int level, const char* text) {
        if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) spdlog::warn("MQTT: {}", text);
        else spdlog::trace("MQTT: {}", text);
    });
    int rc = mosquitto_will_set(mosq_, will_.topic.c_str(), static_cast<int>(will_.payload.size()), will_.payload.data(), 1, true);
    if (rc != MOSQ_ERR_SUCCESS) return make_error(ErrorKind::invalid_argument, "MQTT last will: " + error_text(rc));
    if (!config_.username.empty()) {
        std::string password;
        if (!config_.password_file.empty()) {
            std::ifstream in(config_.password_file);
            if (!in || !std::getline(in, password))
                return make_error(ErrorKind::io, "MQTT: cannot read the password file " + config_.password_file + ": " + std::strerror(errno));
        }
        rc = mosquitto_username_pw_set(mosq_, config_.username.c_str(), config_.password_file.empty() ? nullptr : password.c_str());
        if (rc != MOSQ_ERR_SUCCESS) return make_error(ErrorKind::invalid_argument, "MQTT username: " + error_text(rc));
    }
    if (config_.tls.enabled) {
        const auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
        rc = mosquitto_tls_set(mosq_, opt(config_.tls.ca_file), opt(config_.tls.ca_path), opt(config_.tls.cert_file),
                               opt(config_.tls.key_file), nullptr);
        if (rc != MOSQ_ERR_SUCCESS) return make_error(ErrorKind::invalid_argument, "MQTT TLS files: " + error_text(rc));
        // The broker's certificate and host name are checked (SSL_VERIFY_PEER); TLS 1.2 at least.
        rc = mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);
        if (rc != MOSQ_ERR_SUCCESS) return make_error(ErrorKind::invalid_argument, "MQTT TLS options: " + error_text(rc));
    }
    misc_timer_->arm(loop_.now() + std::chrono::seconds(1));
    attempt();
    return {};
}

void MqttConnection::attempt() {
    if (stopping_) return;
    // A socket left from an attempt that got nowhere is closed by the library: stop watching it first.
    watch_.reset();
    watched_fd_ = -1;
    const int rc = first_attempt_
                       ? mosquitto_connect_async(mosq_, config_.host.c_str(), config_.port, static_cast<int>(config_.keepalive_s))
                       : mosquitto_reconnect_async(mosq_);
    if (rc != MOSQ_ERR_SUCCESS) {
        // A failed first attempt keeps the host and port: the next one is a reconnect.
        first_attempt_ = rc == MOSQ_ERR_INVAL;
        lost(error_text(rc));
        return;
    }
    first_attempt_ = false;
    connect_deadline_->arm(loop_.now() + std::chrono::seconds(std::max(10u, config_.keepalive_s)));
    sync_watch();
}

void MqttConnection::lost(const std::string& why) {
    const bool was_connected = connected_;
    connected_ = false;
    watch_.reset();
    watched_fd_ = -1;
    connect_deadline_->disarm();
    if (stopping_) {
        finish_stop();
        return;
    }
    // 1 s, 2 s, 4 s ... up to the maximum, each within ±20 %.
    const double base = std::min(runtime::seconds(config_.reconnect_max),
                                 runtime::seconds(config_.reconnect_min) * std::pow(2.0, std::min(failures_, 30u)));
    ++failures_;
    const double delay = base * std::uniform_real_distribution<double>(0.8, 1.2)(jitter_);
    if (was_connected) spdlog::warn("MQTT: connection to {} lost ({}); reconnecting in {:.1f} s", endpoint(), why, delay);
    else spdlog::warn("MQTT: cannot connect to {} ({}); retrying in {:.1f} s", endpoint(), why, delay);
    retry_timer_->arm(loop_.now() + std::chrono::duration_cast<runtime::Duration>(std::chrono::duration<double>(delay)));
    if (was_connected && handlers_.disconnected) handlers_.disconnected();
}

bool MqttConnection::backed_up() const { return mosq_ && mosquitto_want_write(mosq_); }

void MqttConnection::sync_watch() {
    const int fd = mosq_ ? mosquitto_socket(mosq_) : -1;
    if (fd < 0) {
        watch_.reset();
        watched_fd_ = -1;
        return;
    }
    const std::uint32_t events = runtime::io_in | (mosquitto_want_write(mosq_) ? std::uint32_t{runtime::io_out} : 0u);
    if (fd != watched_fd_ || !watch_) {
        watch_ = loop_.watch_fd(fd, events, [this](std::uint32_t revents) { ready(revents); });
        watched_fd_ = fd;
    } else {
        watch_->set_events(events);
    }
}

void MqttConnection::ready(std::uint32_t events) {
    // Either call may end in on_disconnect (which drops the watch) or a callback.
    int rc = MOSQ_ERR_SUCCESS;
    if (events & (runtime::io_in | runtime::io_err | runtime::io_hup)) rc = mosquitto_loop_read(mosq_, 1);
    if (rc == MOSQ_ERR_SUCCESS && watch_ && (events & runtime::io_out)) rc = mosquitto_loop_write(mosq_, 1);
    if (rc != MOSQ_ERR_SUCCESS && watch_) lost(error_text(rc));
    else if (watch_) sync_watch();
}

bool MqttConnection::publish(const std::string& topic, const std::string& payload, int qos, bool retain) {
    if (!connected_) return false;
    const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
    if (rc != MOSQ_ERR_SUCCESS) {
        spdlog::debug("MQTT: publish {}: {}", topic, error_text(rc));
        return false;
    }
    ++published_;
    if (watch_) sync_watch();
    return true;
}

bool MqttConnection::subscribe(const std::string& pattern, int qos) {
    if (!connected_) return false;
    const int rc = mosquitto_subscribe(mosq_, nullptr, pattern.c_str(), qos);
    if (rc != MOSQ_ERR_SUCCESS) spdlog::warn("MQTT: subscribe {}: {}", pattern, error_text(rc));
    if (watch_) sync_watch();
    return rc == MOSQ_ERR_SUCCESS;
}

void MqttConnection::stop(std::function<void()> done) {
    stopping_ = true;
    stop_done_ = std::move(done);
    retry_timer_->disarm();
    if (!connected_) {
        finish_stop();
        return;
    }
    stop_deadline_->arm(loop_.now() + std::chrono::seconds(2));
    if (mosquitto_disconnect(mosq_) != MOSQ_ERR_SUCCESS) finish_stop();
    else if (watch_) sync_watch();
}

void MqttConnection::finish_stop() {
    stop_deadline_->disarm();
    connected_ = false;
    if (auto done = std::move(stop_done_)) {
        stop_done_ = nullptr;
        done();
    }
}

void MqttConnection::on_connect(mosquitto*, void* self, int rc) {
    auto* c = static_cast<MqttConnection*>(self);
    runtime::run_guarded("MQTT connect", [c, rc] {
        if (rc != 0) {
            // Refused (bad credentials, not authorised): the broker closes the connection and
            // on_disconnect schedules the next attempt.
            spdlog::error("MQTT: {} refused the connection: {}", c->endpoint(), mosquitto_connack_string(rc));
            return;
        }
        c->connected_ = true;
        c->failures_ = 0;
        ++c->connects_;
        c->connect_deadline_->disarm();
        spdlog::info("MQTT: connected to {} as {}", c->endpoint(), c->client_id_);
        if (c->handlers_.connected) c->handlers_.connected();
    });
}

void MqttConnection::on_disconnect(mosquitto*, void* self, int rc) {
    auto* c = static_cast<MqttConnection*>(self);
    runtime::run_guarded("MQTT disconnect", [c, rc] {
        if (c->stopping_) {
            c->watch_.reset();
            c->watched_fd_ = -1;
            c->finish_stop();
            return;
        }
        c->lost(rc == MOSQ_ERR_SUCCESS ? "closed" : error_text(rc));
    });
}

void MqttConnection::on_message(mosquitto*, void* self, const mosquitto_message* msg) {
    auto* c = static_cast<MqttConnection*>(self);
    runtime::run_guarded("MQTT message", [c, msg] {
        if (!c->handlers_.message || !msg->topic) return;
        c->handlers_.message(msg->topic, std::string(static_cast<const char*>(msg->payload), static_cast<std::size_t>(msg->payloadlen)));
    });
}

}  // namespace ystpcs::bridge
