// An operation on one module, as its OperationQueue runs it: a name, a kind, a plan made
// when the operation reaches the head of the queue (against the module's state at that
// moment), and a straight list of steps. A step checks an interlock, sends one command and
// waits for its reply, waits for a running state, or records something. Nothing of one
// operation interleaves with another's: the queue runs one at a time per module.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/command_channel.h"
#include "protocol/result.h"
#include "runtime/event_loop.h"

namespace ystpcs::engine {

class Module;

enum class OperationKind {
    read,     // asks, changes nothing; may wait behind control operations, never stopped by a stop
    control,  // changes the module; cancelled by a stop that comes in meanwhile
    stop,     // stop / emergency stop: pre-empts everything, never refused
};

using StatePredicate = std::function<bool(std::optional<std::uint8_t> running_state)>;

struct Step {
    enum class Type { check, send, await_state, record };
    Type type = Type::check;
    std::string what;
    // check: an interlock evaluated when the step runs; an error ends the operation.
    std::function<Result<void>(Module&)> check;
    // send: the frame, made when the step runs (from the state then and the previous reply).
    std::function<Result<protocol::CanFrame>(Module&, const CommandOutcome& previous)> frame;
    SendOptions send_options;
    bool continue_on_error = false;  // discovery reads: a failed read is logged, the rest goes on
    std::function<void(Module&)> on_sent;       // the frame was handed to the transport
    std::function<void(Module&)> on_withdrawn;  // ... and taken back: it never reached the bus
    // await_state: until the running state satisfies `until`, at most `timeout`; then
    // `timeout_error` ends the operation with its error, or lets it go on (nullopt).
    StatePredicate until;
    runtime::Duration timeout{};
    std::function<std::optional<Error>(const Module&)> timeout_error;
    // record: a change of the controller's own state (commanded flags, mode, latch).
    std::function<void(Module&, const CommandOutcome& previous)> record;

    static Step check_that(std::string what, std::function<Result<void>(Module&)> fn);
    static Step send(std::string what, std::function<Result<protocol::CanFrame>(Module&, const CommandOutcome&)> frame,
                     SendOptions options = {});
    static Step wait_until(std::string what, StatePredicate until, runtime::Duration timeout,
                           std::function<std::optional<Error>(const Module&)> timeout_error);
    static Step then(std::string what, std::function<void(Module&, const CommandOutcome&)> record);
};

using Plan = std::vector<Step>;

struct Operation {
    std::string name;  // in messages: "start", "set mode cccv"
    OperationKind kind = OperationKind::control;
    bool internal = false;    // the daemon's own (discovery reads): never refused for a full queue
    bool privileged = false;  // asked by root or the control group: a read waits among operations
    // Made when the operation starts; an error ends it before anything is sent.
    std::function<Result<Plan>(Module&)> plan;
    // Called exactly once, synchronously, when the operation ends: `module` is null when it
    // was removed meanwhile, `last` is the last command's outcome. It must not call back into
    // the queue; whoever answers a client posts that to the loop.
    std::function<void(Result<void> result, Module* module, const CommandOutcome& last)> complete;
};

}  // namespace ystpcs::engine
