// An MQTT client connection (libmosquitto, MQTT 3.1.1) run by the bridge's event loop: no
// thread of libmosquitto's own. Its socket is watched for input, and for output while
// libmosquitto has bytes to send (mosquitto_want_write); mosquitto_loop_read/_write run when
// it is ready and mosquitto_loop_misc (keep-alive pings) once a second. Connection losses and
// refusals are retried with exponential backoff (jittered, so that many racks do not come
// back in step), a connection attempt that gets no CONNACK is abandoned after a deadline.
//
// A broker given by name is looked up by libmosquitto with getaddrinfo when (re)connecting,
// which can hold the bridge's loop for as long as the resolver takes (never ystpcsd's: another
// process); an IP address or an /etc/hosts entry avoids it (docs/fleet.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "bridge/config.h"
#include "protocol/result.h"
#include "runtime/event_loop.h"

struct mosquitto;
struct mosquitto_message;

namespace ystpcs::bridge {

// libmosquitto's process-wide set-up, for the life of main().
class MosquittoLibrary {
public:
    MosquittoLibrary();
    ~MosquittoLibrary();
    MosquittoLibrary(const MosquittoLibrary&) = delete;
    MosquittoLibrary& operator=(const MosquittoLibrary&) = delete;
};

class MqttConnection {
public:
    struct Handlers {
        std::function<void()> connected;     // the broker accepted: subscribe, publish everything
        std::function<void()> disconnected;  // lost or refused; a reconnection is scheduled
        std::function<void(const std::string& topic, const std::string& payload)> message;
    };
    struct LastWill {
        std::string topic, payload;  // retained, QoS 1
    };

    MqttConnection(runtime::EventLoop& loop, const MqttConfig& config, std::string client_id, LastWill will, Handlers handlers);
    ~MqttConnection();
    MqttConnection(const MqttConnection&) = delete;
    MqttConnection& operator=(const MqttConnection&) = delete;

    // Applies the options (credentials, TLS, last will) and makes the first attempt; an error
    // only for what retrying cannot fix (an unreadable password file, a bad TLS file).
    Result<void> start();
    bool connected() const { return connected_; }
    // Whether libmosquitto still holds bytes the socket did not take: the caller may hold back.
    bool backed_up() const;
    // False when not connected or refused by the library (nothing is queued for later: the
    // publisher republishes everything on the next connection).
    bool publish(const std::string& topic, const std::string& payload, int qos, bool retain);
    bool subscribe(const std::string& pattern, int qos);
    // A clean DISCONNECT; `done` once it left, or after 2 s.
    void stop(std::function<void()> done);

    std::uint64_t published() const { return published_; }
    std::uint64_t connects() const { return connects_; }
    std::string endpoint() const;  // "host:port" for messages

private:
    static void on_connect(mosquitto*, void* self, int rc);
    static void on_disconnect(mosquitto*, void* self, int rc);
    static void on_message(mosquitto*, void* self, const mosquitto_message* msg);
    void attempt();
    void lost(const std::string& why);
    void sync_watch();
    void ready(std::uint32_t events);
    void finish_stop();

    runtime::EventLoop& loop_;
    MqttConfig config_;
    std::string client_id_;
    LastWill will_;
    Handlers handlers_;
    mosquitto* mosq_ = nullptr;
    bool first_attempt_ = true;
    bool connected_ = false;
    bool stopping_ = false;
    unsigned failures_ = 0;  // since the last successful connection: the backoff's exponent
    std::uint64_t published_ = 0;
    std::uint64_t connects_ = 0;
    int watched_fd_ = -1;
    std::unique_ptr<runtime::FdWatch> watch_;
    std::unique_ptr<runtime::Timer> misc_timer_;
    std::unique_ptr<runtime::Timer> retry_timer_;
    std::unique_ptr<runtime::Timer> connect_deadline_;
    std::unique_ptr<runtime::Timer> stop_deadline_;
    std::function<void()> stop_done_;
    std::minstd_rand jitter_;
};

}  // namespace ystpcs::bridge
