// Line-oriented command channels on the event loop: a Unix stream socket that accepts any
// number of clients, or standard input. Each complete line goes to the handler; its reply
// (one line) goes back to the client that sent it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/event_loop.h"

namespace ystpcs::runtime {

using LineHandler = std::function<std::string(const std::string& line)>;

class LineChannelServer {
public:
    // Listens on `path` (an existing socket file is replaced).
    LineChannelServer(runtime::EventLoop& loop, std::string path, LineHandler handler);
    ~LineChannelServer();
    const std::string& path() const { return path_; }

private:
    struct Client;
    void accept_clients();
    void serve(Client& client);
    void drop(Client* client);

    runtime::EventLoop& loop_;
    std::string path_;
    LineHandler handler_;
    int listen_fd_ = -1;
    std::unique_ptr<runtime::FdWatch> watch_;
    std::vector<std::unique_ptr<Client>> clients_;
};

// Reads commands from a file descriptor (standard input) and writes replies to stdout.
class LineChannelStdin {
public:
    LineChannelStdin(runtime::EventLoop& loop, LineHandler handler, std::function<void()> on_eof);

private:
    void on_readable();
    LineHandler handler_;
    std::function<void()> on_eof_;
    std::string buffer_;
    std::unique_ptr<runtime::FdWatch> watch_;
};

// Client side: sends one command, waits (blocking, at most `timeout_ms`) for its reply line.
int send_command(const std::string& path, const std::string& command, std::string& reply, int timeout_ms = 5000);

}  // namespace ystpcs::runtime
