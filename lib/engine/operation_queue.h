// One operation at a time per module, by design: operations wait in a FIFO and run step by
// step on the event loop (send, wait for the reply or a state, next step), so no frame of
// one operation can interleave with another's, and each interlock is checked when its step
// runs, against the module's state at that moment.
//
// A stop pre-empts everything: the running operation's pending steps are cancelled (its
// command abandoned, its caller told why), queued control operations are cancelled too (a
// start queued before the stop must not run after it), reads stay queued, and the stop runs
// next. When the module goes away, every operation ends with a typed error; nothing holds a
// reference to the module after that.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "engine/operation.h"

namespace ystpcs::engine {

class OperationQueue {
public:
    // At most `max_control` control and `max_reads` read operations wait at once: reads, open
    // to every local user, can never fill the queue that an operator's start needs.
    OperationQueue(runtime::EventLoop& loop, Module& module, CommandChannel& channel, std::size_t max_control,
                   std::size_t max_reads);
    ~OperationQueue();
    OperationQueue(const OperationQueue&) = delete;
    OperationQueue& operator=(const OperationQueue&) = delete;

    // Queues an operation. Refused (busy) when as many of its kind wait already; stops and
    // internal operations are never refused.
    Result<void> enqueue(Operation op);
    // Runs `stop` next, cancelling what it supersedes (see above) with `why`.
    void preempt(Operation stop, const std::string& why);
    // Ends every operation, running and queued, with `error` (module removed).
    void cancel_all(const Error& error);
    // The module's running state changed: an awaiting step may go on.
    void state_changed();

    bool idle() const { return !current_ && queue_.empty(); }
    std::size_t queued() const { return queue_.size(); }
    // The name of the running operation, or empty.
    std::string running() const;

private:
    struct Running {
        Operation op;
        Plan plan;
        std::size_t step = 0;
        CommandOutcome last;
        std::uint64_t id = 0;
        bool waiting_state = false;
    };
    void schedule_next();
    void start_next();
    void schedule_step(std::uint64_t id);
    void run_step(std::uint64_t id);
    void advance(std::uint64_t id);
    void finish(Result<void> result);
    void end(Operation& op, Result<void> result, const CommandOutcome& last);
    void on_command(std::uint64_t id, CommandResult result);
    void on_state_timeout(std::uint64_t id);

    runtime::EventLoop& loop_;
    Module& module_;
    CommandChannel& channel_;
    std::size_t max_control_;
    std::size_t max_reads_;
    std::deque<Operation> queue_;
    std::unique_ptr<Running> current_;
    std::unique_ptr<runtime::Timer> state_timer_;
    std::uint64_t next_id_ = 0;
    bool next_scheduled_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::engine
