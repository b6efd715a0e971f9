#include "runtime/line_channel.h"

#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace ystpcs::runtime {

namespace {

bool fill_address(const std::string& path, sockaddr_un& addr) {
    addr = sockaddr_un{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;  // a client that does not read its replies loses them
        done += static_cast<std::size_t>(w);
    }
}

// Splits complete lines off `buffer`, answers each.
void answer_lines(std::string& buffer, const LineHandler& handler, int out_fd) {
    for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        write_all(out_fd, handler(line) + "\n");
    }
}

}  // namespace

struct LineChannelServer::Client {
    int fd = -1;
    std::string buffer;
    std::unique_ptr<runtime::FdWatch> watch;
};

LineChannelServer::LineChannelServer(runtime::EventLoop& loop, std::string path, LineHandler handler)
    : loop_(loop), path_(std::move(path)), handler_(std::move(handler)) {
    sockaddr_un addr{};
    if (!fill_address(path_, addr)) throw std::runtime_error("control socket path too long: " + path_);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    ::unlink(path_.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(listen_fd_, 8) < 0)
        throw std::runtime_error("control socket " + path_ + ": " + std::strerror(errno));
    watch_ = loop_.watch_fd(listen_fd_, runtime::io_in, [this](std::uint32_t) { accept_clients(); });
}

LineChannelServer::~LineChannelServer() {
    for (auto& c : clients_) {
        c->watch.reset();
        ::close(c->fd);
    }
    watch_.reset();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    ::unlink(path_.c_str());
}

void LineChannelServer::accept_clients() {
    for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        auto client = std::make_unique<Client>();
        client->fd = fd;
        Client* raw = client.get();
        client->watch = loop_.watch_fd(fd, runtime::io_in, [this, raw](std::uint32_t) { serve(*raw); });
        clients_.push_back(std::move(client));
    }
}

void LineChannelServer::serve(Client& client) {
    char buf[4096];
    for (;;) {
        const ssize_t r = ::read(client.fd, buf, sizeof buf);
        if (r > 0) {
            client.buffer.append(buf, static_cast<std::size_t>(r));
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
        answer_lines(client.buffer, handler_, client.fd);
        drop(&client);  // end of file or error
        return;
    }
    answer_lines(client.buffer, handler_, client.fd);
}

void LineChannelServer::drop(Client* client) {
    // Closing happens after this callback returns: the watch may not die inside its own call.
    loop_.post([this, client] {
        for (auto it = clients_.begin(); it != clients_.end(); ++it) {
            if (it->get() != client) continue;
            (*it)->watch.reset();
            ::close((*it)->fd);
            clients_.erase(it);
            return;
        }
    });
    client->watch->set_events(0);
}

LineChannelStdin::LineChannelStdin(runtime::EventLoop& loop, LineHandler handler, std::function<void()> on_eof)
    : handler_(std::move(handler)), on_eof_(std::move(on_eof)) {
    watch_ = loop.watch_fd(STDIN_FILENO, runtime::io_in, [this](std::uint32_t) { on_readable(); });
}

void LineChannelStdin::on_readable() {
    char buf[4096];
    const ssize_t r = ::read(STDIN_FILENO, buf, sizeof buf);
    if (r > 0) {
        buffer_.append(buf, static_cast<std::size_t>(r));
        answer_lines(buffer_, handler_, STDOUT_FILENO);
        return;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    watch_->set_events(0);
    if (on_eof_) on_eof_();
}

int send_command(const std::string& path, const std::string& command, std::string& reply, int timeout_ms) {
    sockaddr_un addr{};
    if (!fill_address(path, addr)) return ENAMETOOLONG;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        const int e = errno;
        ::close(fd);
        return e;
    }
    write_all(fd, command + "\n");
    ::shutdown(fd, SHUT_WR);
    reply.clear();
    char buf[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) {
            ::close(fd);
            return ETIMEDOUT;
        }
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r <= 0) break;
        reply.append(buf, static_cast<std::size_t>(r));
    }
    ::close(fd);
    while (!reply.empty() && reply.back() == '\n') reply.pop_back();
    return 0;
}

}  // namespace ystpcs::runtime
