// Commands to one PCS and the replies that answer them. Replies carry no sequence number,
// so at most one command per reply kind is outstanding; the rest wait in a FIFO. A command
// ends as success, rejected (the PCS answered "failure"), timeout (no answer within the
// reply timeout, after the retries idempotent commands get), or not sent.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/replies.h"
#include "protocol/result.h"
#include "runtime/event_loop.h"
#include "transport/can_transport.h"

namespace ystpcs::engine {

struct CommandCounters {
    std::uint64_t tx = 0;          // command frames sent, retries included
    std::uint64_t replies = 0;     // reply frames matched to a command
    std::uint64_t timeouts = 0;    // commands that ended without an answer
    std::uint64_t retries = 0;
    std::uint64_t rejected = 0;    // commands the PCS answered with "failure"
};

struct CommandTiming {
    runtime::Duration reply_timeout = std::chrono::seconds(1);
    int retries = 2;  // extra attempts for idempotent commands
};

// The reply frames of a successful command, in the order of its expectation.
using Replies = std::vector<protocol::DecodedFrame>;
using CommandDone = std::function<void(Result<Replies>)>;

class CommandEngine {
public:
    CommandEngine(runtime::EventLoop& loop, transport::CanTransport& transport, std::string module_name,
                  CommandTiming timing, CommandCounters& counters);
    ~CommandEngine();

    // Queues a command frame; `done` is called exactly once, from the event loop (never
    // from within submit). `what` names the command in messages ("start", "set mode cccv").
    void submit(const protocol::CanFrame& frame, std::string what, CommandDone done);
    // Offers a frame from this PCS; true when it answered an outstanding command.
    bool on_frame(const protocol::DecodedFrame& frame);
    // Ends every queued and outstanding command with `error` (module forgotten, shutdown).
    void cancel_all(const Error& error);

    std::size_t outstanding() const { return active_.size(); }
    std::size_t queued() const { return queue_.size(); }
    void set_timing(CommandTiming timing) { timing_ = timing; }

private:
    struct Command {
        protocol::CanFrame frame;
        protocol::ReplyExpectation expect;
        std::string what;
        CommandDone done;
        std::vector<std::optional<protocol::DecodedFrame>> received;
        int attempts = 0;
        std::unique_ptr<runtime::Timer> timer;
    };
    void dispatch();
    void transmit(Command& c);
    void on_timeout(protocol::ReplyKind kind);
    void finish(std::unique_ptr<Command> c, Result<Replies> result);

    runtime::EventLoop& loop_;
    transport::CanTransport& transport_;
    std::string module_name_;
    CommandTiming timing_;
    CommandCounters& counters_;
    std::deque<std::unique_ptr<Command>> queue_;
    std::map<protocol::ReplyKind, std::unique_ptr<Command>> active_;
};

}  // namespace ystpcs::engine
