// The command path to one PCS: one command at a time (the module's OperationQueue sees to
// that), its reply matched as tightly as the protocol allows, retries for idempotent
// commands, and nothing left behind when a command ends early.
//
// Replies carry no sequence number. A reply is matched by its frame and, where the reply
// echoes it, by the command's own type byte (0x08, 0x1C). A command that ended without its
// reply (timeout, abandoned by a stop) may still be answered late: that many replies of its
// kind are then expected as stale for one reply timeout and consumed without completing
// anything, so a late "success" of an abandoned start does not confirm the stop sent after
// it. The PCS answers in order, so a late reply comes before the next command's own; when the
// late one was lost instead, the next command's reply is the only one: if no second reply of
// the kind follows within a short window (100 ms, a quarter of the timeout at most), the one
// taken for late is given to the outstanding command after all. A frame still waiting in the transport's queue when its command ends is withdrawn:
// a start reported as failed never reaches the bus afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/replies.h"
#include "protocol/result.h"
#include "runtime/event_loop.h"
#include "transport/can_transport.h"

namespace ystpcs::engine {

struct CommandCounters {
    std::uint64_t tx = 0;           // command frames handed to the transport, retries included
    std::uint64_t replies = 0;      // reply frames matched to a command
    std::uint64_t timeouts = 0;     // commands that ended without an answer
    std::uint64_t retries = 0;
    std::uint64_t rejected = 0;     // commands the PCS answered with "failure"
    std::uint64_t late_replies = 0; // replies to commands that had already ended (consumed as stale)
    std::uint64_t withdrawn = 0;    // frames taken back from the transmit queue, never sent
};

struct CommandTiming {
    runtime::Duration reply_timeout = std::chrono::seconds(1);
    int retries = 2;  // extra attempts for idempotent commands
};

// The reply frames of a command, in the order of its expectation.
using Replies = std::vector<protocol::DecodedFrame>;

struct CommandOutcome {
    Replies replies;
    bool partial = false;  // a multi-frame reply of which only some frames came (accept_partial)
};

struct SendOptions {
    transport::TxClass tx_class = transport::TxClass::normal;
    // A timeout after some frames of a multi-frame reply (0x36–0x38) ends as a partial
    // success instead of an error: what arrived is kept.
    bool accept_partial = false;
};

struct CommandResult {
    Result<CommandOutcome> outcome;
    bool reached_bus = false;  // false: never handed over, or withdrawn before it was sent
};

class CommandChannel {
public:
    using Done = std::function<void(CommandResult)>;

    CommandChannel(runtime::EventLoop& loop, transport::CanTransport& transport, std::string module_name,
                   CommandTiming timing, CommandCounters& counters);
    ~CommandChannel();
    CommandChannel(const CommandChannel&) = delete;
    CommandChannel& operator=(const CommandChannel&) = delete;

    // Sends `frame` and calls `done` once: when its reply is complete, when the PCS answers
    // failure (rejected), on timeout, or at once (from the loop, never inside send) when it
    // cannot be sent. Only one command at a time: a second send while one is outstanding is
    // a programming error and fails the new one.
    void send(const protocol::CanFrame& frame, std::string what, SendOptions options, Done done);
    // Ends the outstanding command without calling its callback (a stop pre-empts it).
    void abandon();
    bool busy() const { return active_ != nullptr; }

    // Offers a frame from this PCS; true when it was a reply (to the command, or stale).
    bool on_frame(const protocol::DecodedFrame& frame);
    void set_timing(CommandTiming timing) { timing_ = timing; }

private:
    struct Command {
        protocol::CanFrame frame;
        protocol::ReplyExpectation expect;
        std::string what;
        SendOptions options;
        Done done;
        std::vector<std::optional<protocol::DecodedFrame>> received;
        int attempts = 0;
        bool reached_bus = false;
        transport::TxTicket ticket = 0;
    };
    struct Stale {
        protocol::ReplyMatch match;
        runtime::Instant until;
    };
    void transmit();
    void on_timeout();
    // Takes the command out, withdraws its queued frame, remembers its replies as stale.
    std::unique_ptr<Command> end_active();
    bool consume_stale(const protocol::DecodedFrame& frame);
    // The outstanding command still waits for a frame like this one.
    bool wants(const protocol::DecodedFrame& frame) const;
    // Gives `frame` to the outstanding command; true when it was one of its replies.
    bool take(const protocol::DecodedFrame& frame);
    void resolve_ambiguity();
    void fail_later(Done done, Error error, bool reached_bus);

    runtime::EventLoop& loop_;
    transport::CanTransport& transport_;
    std::string module_name_;
    CommandTiming timing_;
    CommandCounters& counters_;
    std::unique_ptr<Command> active_;
    std::unique_ptr<runtime::Timer> timer_;
    std::vector<Stale> stale_;
    // A reply taken for a late one while the outstanding command waits for the same kind.
    std::optional<protocol::DecodedFrame> ambiguous_;
    std::unique_ptr<runtime::Timer> ambiguity_timer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::engine
