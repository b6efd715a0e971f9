// The /metrics endpoint: a small HTTP/1.x responder on the bridge's event loop.
//
// Why not a library: prometheus-cpp's Exposer (Debian's prometheus-cpp-dev, on civetweb) and
// cpp-httplib both serve from threads of their own, so the state read here would need locks
// against the loop that writes it, and cpp-httplib's server blocks in its accept loop;
// libmicrohttpd can be driven from outside, but brings a full HTTP server (keep-alive,
// chunked bodies, POST processing) to answer one GET. What Prometheus needs is one request
// line and one response: read the request head (at most 8 KiB), answer GET or HEAD of
// /metrics, close. Sockets are non-blocking, every connection has a 10 s deadline, at most 16
// are open at once, and a response that the peer reads slowly waits in memory, so nothing a
// client does can hold the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/result.h"
#include "runtime/event_loop.h"

namespace ystpcs::bridge {

// The request line of a complete request head, or why the request is refused.
struct RequestHead {
    std::string method;
    std::string target;  // path and query as sent
};
struct HttpResponse {
    int status = 200;
    std::string reason = "OK";
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::string extra_headers;  // "Allow: GET, HEAD\r\n"
};
// Head incomplete: nothing. Complete: the request line, or a response refusing it (400, 505).
std::optional<Result<RequestHead>> parse_request_head(std::string_view received);
// What the server answers to a request line; `render` produces the metrics.
HttpResponse respond(const RequestHead& head, const std::function<std::string()>& render);
std::string serialize(const HttpResponse& response, bool head_only);

class HttpServer {
public:
    HttpServer(runtime::EventLoop& loop, std::function<std::string()> render_metrics);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // `address`: an IPv4 or IPv6 literal; port 0 picks a free one (tests).
    Result<void> listen(const std::string& address, std::uint16_t port);
    std::uint16_t port() const { return port_; }

    static constexpr std::size_t kMaxHead = 8192;
    static constexpr std::size_t kMaxConnections = 16;
    static constexpr runtime::Duration kConnectionDeadline = std::chrono::seconds(10);

private:
    struct Connection;
    void accept_ready();
    void readable(Connection& c);
    void writable(Connection& c);
    void close(Connection& c);

    runtime::EventLoop& loop_;
    std::function<std::string()> render_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::unique_ptr<runtime::FdWatch> listen_watch_;
    std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace ystpcs::bridge
