#include "engine/command_engine.h"

#include <spdlog/spdlog.h>

namespace ystpcs::engine {

CommandEngine::CommandEngine(runtime::EventLoop& loop, transport::CanTransport& transport, std::string module_name,
                             CommandTiming timing, CommandCounters& counters)
    : loop_(loop), transport_(transport), module_name_(std::move(module_name)), timing_(timing), counters_(counters) {}

CommandEngine::~CommandEngine() {
    cancel_all(make_error(ErrorKind::not_connected, module_name_ + " was removed"));
}

void CommandEngine::submit(const protocol::CanFrame& frame, std::string what, CommandDone done) {
    auto c = std::make_unique<Command>();
    c->frame = frame;
    c->what = std::move(what);
    c->done = std::move(done);
    const auto expect = protocol::expected_reply(frame);
    if (!expect) {
        // Only commands with a defined reply go through here; anything else is a bug upstream.
        finish(std::move(c), make_error(ErrorKind::invalid_argument, "frame has no defined reply"));
        return;
    }
    c->expect = *expect;
    c->received.resize(expect->count);
    queue_.push_back(std::move(c));
    dispatch();
}

void CommandEngine::dispatch() {
    for (auto it = queue_.begin(); it != queue_.end();) {
        const auto kind = (*it)->expect.kind();
        if (active_.count(kind) != 0) {
            ++it;
            continue;
        }
        std::unique_ptr<Command> c = std::move(*it);
        it = queue_.erase(it);
        c->timer = loop_.create_timer([this, kind] { on_timeout(kind); });
        Command& ref = *c;
        active_.emplace(kind, std::move(c));
        transmit(ref);
    }
}

void CommandEngine::transmit(Command& c) {
    ++c.attempts;
    const auto status = transport_.send(c.frame);
    if (status == transport::SendStatus::down || status == transport::SendStatus::dropped) {
        const auto kind = c.expect.kind();
        auto node = std::move(active_.at(kind));
        active_.erase(kind);
        const std::string why = status == transport::SendStatus::down
                                    ? "interface " + transport_.name() + " is down"
                                    : "the transmit queue of " + transport_.name() + " is full";
        finish(std::move(node), make_error(ErrorKind::not_connected, "cannot send " + c.what + " to " + module_name_ + ": " + why));
        return;
    }
    ++counters_.tx;
    c.timer->arm(loop_.now() + timing_.reply_timeout);
}

bool CommandEngine::on_frame(const protocol::DecodedFrame& frame) {
    for (auto it = active_.begin(); it != active_.end(); ++it) {
        Command& c = *it->second;
        bool used = false;
        for (std::size_t i = 0; i < c.expect.count && !used; ++i) {
            if (!c.received[i] && protocol::matches(c.expect.frames[i], frame)) {
                c.received[i] = frame;
                used = true;
            }
        }
        if (!used) continue;
        ++counters_.replies;
        bool complete = true;
        for (const auto& r : c.received) complete = complete && r.has_value();
        if (complete) {
            std::unique_ptr<Command> done = std::move(it->second);
            active_.erase(it);
            done->timer->disarm();
            Replies replies;
            bool success = true;
            for (const auto& r : done->received) {
                replies.push_back(*r);
                if (r->def->role == protocol::FrameRole::result && !protocol::is_success(*r)) success = false;
            }
            if (success) {
                finish(std::move(done), std::move(replies));
            } else {
                ++counters_.rejected;
                const std::string what = done->what;
                finish(std::move(done), make_error(ErrorKind::rejected, module_name_ + " rejected " + what +
                                                                            " (the PCS answered failure)"));
            }
            dispatch();
        }
        return true;
    }
    return false;
}

void CommandEngine::on_timeout(protocol::ReplyKind kind) {
    const auto it = active_.find(kind);
    if (it == active_.end()) return;
    Command& c = *it->second;
    if (c.expect.idempotent && c.attempts <= timing_.retries) {
        ++counters_.retries;
        spdlog::debug("{}: no answer to {}, sending it again (attempt {})", module_name_, c.what, c.attempts + 1);
        transmit(c);
        return;
    }
    ++counters_.timeouts;
    std::unique_ptr<Command> done = std::move(it->second);
    active_.erase(it);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timing_.reply_timeout).count();
    const std::string msg = module_name_ + " did not answer " + done->what + " within " + std::to_string(ms) + " ms" +
                            (done->attempts > 1 ? " (" + std::to_string(done->attempts) + " attempts)" : "");
    spdlog::warn("{}", msg);
    finish(std::move(done), make_error(ErrorKind::timeout, msg));
    dispatch();
}

void CommandEngine::finish(std::unique_ptr<Command> c, Result<Replies> result) {
    // Completion runs from the loop, never inside submit()/on_frame(): callers may submit
    // again from it without re-entering this engine's iteration.
    auto done = std::move(c->done);
    loop_.post([done = std::move(done), result = std::move(result)]() mutable {
        if (done) done(std::move(result));
    });
}

void CommandEngine::cancel_all(const Error& error) {
    auto queue = std::move(queue_);
    queue_.clear();
    auto active = std::move(active_);
    active_.clear();
    for (auto& c : queue) finish(std::move(c), error);
    for (auto& [kind, c] : active) finish(std::move(c), error);
}

}  // namespace ystpcs::engine
