#include "bridge/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace ystpcs::bridge {

std::optional<Result<RequestHead>> parse_request_head(std::string_view received) {
    const auto end = received.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (received.size() > HttpServer::kMaxHead)
            return Result<RequestHead>(make_error(ErrorKind::limits_exceeded, "request head too large"));
        return std::nullopt;
    }
    const std::string_view line = received.substr(0, received.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == 0 || sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return Result<RequestHead>(make_error(ErrorKind::invalid_argument, "malformed request line"));
    const std::string_view version = line.substr(sp2 + 1);
    if (version != "HTTP/1.0" && version != "HTTP/1.1")
        return Result<RequestHead>(make_error(ErrorKind::rejected, "HTTP version not supported"));
    RequestHead head{std::string(line.substr(0, sp1)), std::string(line.substr(sp1 + 1, sp2 - sp1 - 1))};
    if (head.target.empty() || head.target[0] != '/')
        return Result<RequestHead>(make_error(ErrorKind::invalid_argument, "malformed request target"));
    return Result<RequestHead>(std::move(head));
}

HttpResponse respond(const RequestHead& head, const std::function<std::string()>& render) {
    if (head.method != "GET" && head.method != "HEAD")
        return {405, "Method Not Allowed", "text/plain; charset=utf-8", "only GET and HEAD\n", "Allow: GET, HEAD\r\n"};
    const std::string path = head.target.substr(0, head.target.find('?'));
    if (path == "/metrics") return {200, "OK", "text/plain; version=0.0.4; charset=utf-8", render(), ""};
    if (path == "/") return {200, "OK", "text/plain; charset=utf-8", "ystpcs-bridge: metrics at /metrics\n", ""};
    return {404, "Not Found", "text/plain; charset=utf-8", "not found; metrics are at /metrics\n", ""};
}

std::string serialize(const HttpResponse& r, bool head_only) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + r.reason + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += r.extra_headers;
    out += "Connection: close\r\n\r\n";
    if (!head_only) out += r.body;
    return out;
}

struct HttpServer::Connection {
    int fd = -1;
    std::string in;
    std::string out;
    std::size_t sent = 0;
    std::unique_ptr<runtime::FdWatch> watch;
    std::unique_ptr<runtime::Timer> deadline;
    ~Connection() {
        watch.reset();
        if (fd >= 0) ::close(fd);
    }
};

HttpServer::HttpServer(runtime::EventLoop& loop, std::function<std::string()> render_metrics)
    : loop_(loop), render_(std::move(render_metrics)) {}

HttpServer::~HttpServer() {
    connections_.clear();
    listen_watch_.reset();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

Result<void> HttpServer::listen(const std::string& address, std::uint16_t port) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
    if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage); inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        length = sizeof(sockaddr_in);
    } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage); inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        length = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        return make_error(ErrorKind::invalid_argument, "metrics address '" + address + "' is not an IPv4 or IPv6 address");
    }
    const auto fail = [&](const char* what) {
        const std::string why = std::strerror(errno);
        if (listen_fd_ >= 0) ::close(listen_fd_);
        listen_fd_ = -1;
        return make_error(ErrorKind::io, std::string("metrics endpoint ") + address + " port " + std::to_string(port) + ": " + what + ": " + why);
    };
    listen_fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return fail("socket");
    const int one = 1;
    if (::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) return fail("SO_REUSEADDR");
    if (family == AF_INET6 && ::setsockopt(listen_fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) return fail("IPV6_V6ONLY");
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&storage), length) < 0) return fail("bind");
    if (::listen(listen_fd_, 16) < 0) return fail("listen");
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof bound;
    if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_length) < 0) return fail("getsockname");
    port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    listen_watch_ = loop_.watch_fd(listen_fd_, runtime::io_in, [this](std::uint32_t) { accept_ready(); });
    return {};
}

void HttpServer::accept_ready() {
    for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                spdlog::warn("metrics endpoint: accept: {}", std::strerror(errno));
            return;
        }
        if (connections_.size() >= kMaxConnections) {
            // Refused outright: a client that opens connections and sends nothing cannot starve scrapes
            // for longer than the deadline of the ones already open.
            ::close(fd);
            spdlog::debug("metrics endpoint: {} connections open; one refused", connections_.size());
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        Connection* raw = c.get();
        c->watch = loop_.watch_fd(fd, runtime::io_in, [this, raw](std::uint32_t) {
            // One request per connection: once the response is made, only writing is left.
            if (!raw->out.empty()) writable(*raw);
            else readable(*raw);
        });
        c->deadline = loop_.create_timer([this, raw] { close(*raw); });
        c->deadline->arm(loop_.now() + kConnectionDeadline);
        connections_.push_back(std::move(c));
    }
}

void HttpServer::readable(Connection& c) {
    char buf[4096];
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
        close(c);
        return;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    const auto head = parse_request_head(c.in);
    if (!head) return;
    HttpResponse response;
    bool head_only = false;
    if (*head) {
        head_only = (*head)->method == "HEAD";
        response = respond(head->value(), render_);
    } else {
        const auto kind = head->error().kind;
        response = kind == ErrorKind::limits_exceeded ? HttpResponse{431, "Request Header Fields Too Large", "text/plain; charset=utf-8", "", ""}
                   : kind == ErrorKind::rejected      ? HttpResponse{505, "HTTP Version Not Supported", "text/plain; charset=utf-8", "", ""}
                                                      : HttpResponse{400, "Bad Request", "text/plain; charset=utf-8", "", ""};
        response.body = head->error().message + "\n";
    }
    c.out = serialize(response, head_only);
    c.in.clear();
    c.watch->set_events(runtime::io_out);
    writable(c);
}

void HttpServer::writable(Connection& c) {
    while (c.sent < c.out.size()) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            break;
        }
        c.sent += static_cast<std::size_t>(n);
    }
    // Every byte of the response is in the kernel (or the peer went away): done.
    ::shutdown(c.fd, SHUT_WR);
    close(c);
}

void HttpServer::close(Connection& c) {
    // Deferred: this may run from the connection's own callback, which must not be destroyed
    // while it runs.
    c.watch->set_events(0);
    c.deadline->disarm();
    Connection* raw = &c;
    loop_.post([this, raw] { connections_.remove_if([raw](const auto& p) { return p.get() == raw; }); });
}

}  // namespace ystpcs::bridge
