#include "engine/operation_queue.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/module.h"

namespace ystpcs::engine {

Step Step::check_that(std::string what, std::function<Result<void>(Module&)> fn) {
    Step s;
    s.type = Type::check;
    s.what = std::move(what);
    s.check = std::move(fn);
    return s;
}

Step Step::send(std::string what, std::function<Result<protocol::CanFrame>(Module&, const CommandOutcome&)> frame,
                SendOptions options) {
    Step s;
    s.type = Type::send;
    s.what = std::move(what);
    s.frame = std::move(frame);
    s.send_options = options;
    return s;
}

Step Step::wait_until(std::string what, StatePredicate until, runtime::Duration timeout,
                      std::function<std::optional<Error>(const Module&)> timeout_error) {
    Step s;
    s.type = Type::await_state;
    s.what = std::move(what);
    s.until = std::move(until);
    s.timeout = timeout;
    s.timeout_error = std::move(timeout_error);
    return s;
}

Step Step::then(std::string what, std::function<void(Module&, const CommandOutcome&)> record) {
    Step s;
    s.type = Type::record;
    s.what = std::move(what);
    s.record = std::move(record);
    return s;
}

OperationQueue::OperationQueue(runtime::EventLoop& loop, Module& module, CommandChannel& channel, std::size_t max_control,
                               std::size_t max_reads)
    : loop_(loop),
      module_(module),
      channel_(channel),
      max_control_(max_control),
      max_reads_(max_reads),
      state_timer_(loop.create_timer([this] {
          if (current_) on_state_timeout(current_->id);
      })) {}

OperationQueue::~OperationQueue() {
    *alive_ = false;
    // The module is going away: callers hear so; nothing may touch it any more.
    const Error gone = make_error(ErrorKind::cancelled, "PCS " + module_.name() + " was removed");
    if (current_) {
        channel_.abandon();
        auto running = std::move(current_);
        if (running->op.complete) running->op.complete(gone, nullptr, running->last);
    }
    auto queued = std::move(queue_);
    for (auto& op : queued)
        if (op.complete) op.complete(gone, nullptr, CommandOutcome{});
}

std::string OperationQueue::running() const { return current_ ? current_->op.name : std::string(); }

Result<void> OperationQueue::enqueue(Operation op) {
    if (op.kind == OperationKind::stop) {
        preempt(std::move(op), "a stop was requested");
        return {};
    }
    // Unprivileged reads have their own share of the queue; an operator's operations (and
    // reads) another one that those reads cannot fill.
    auto open_read = [](const Operation& q) { return q.kind == OperationKind::read && !q.privileged; };
    const bool reads = open_read(op);
    const std::size_t limit = reads ? max_reads_ : max_control_;
    const auto waiting = static_cast<std::size_t>(std::count_if(
        queue_.begin(), queue_.end(), [&](const Operation& q) { return open_read(q) == reads && !q.internal; }));
    if (!op.internal && waiting >= limit)
        return make_error(ErrorKind::busy, "PCS " + module_.name() + " has " + std::to_string(waiting) + " " +
                                               (reads ? "reads" : "operations") +
                                               " waiting (at most " + std::to_string(limit) + "); " + op.name +
                                               " refused, try again when they are done");
    queue_.push_back(std::move(op));
    schedule_next();
    return {};
}

void OperationQueue::preempt(Operation stop, const std::string& why) {
    auto cancelled = [&](const Operation& op) {
        return make_error(ErrorKind::cancelled, op.name + " on PCS " + module_.name() + " cancelled: " + why);
    };
    if (current_ && current_->op.kind != OperationKind::stop) {
        channel_.abandon();
        state_timer_->disarm();
        auto running = std::move(current_);
        spdlog::info("{}: {} cancelled: {}", module_.name(), running->op.name, why);
        end(running->op, cancelled(running->op), running->last);
    }
    // Control operations queued before the stop must not run after it; reads may.
    std::deque<Operation> kept;
    std::vector<Operation> dropped;
    for (auto& op : queue_) {
        if (op.kind == OperationKind::control) dropped.push_back(std::move(op));
        else kept.push_back(std::move(op));
    }
    queue_ = std::move(kept);
    // Behind the stops already waiting, before everything else.
    const auto at = std::find_if(queue_.begin(), queue_.end(),
                                 [](const Operation& op) { return op.kind != OperationKind::stop; });
    queue_.insert(at, std::move(stop));
    for (auto& op : dropped) end(op, cancelled(op), CommandOutcome{});
    // At once, not one loop turn later: a stop's frame should leave now.
    if (!current_) start_next();
}

void OperationQueue::cancel_all(const Error& error) {
    if (current_) {
        channel_.abandon();
        state_timer_->disarm();
        auto running = std::move(current_);
        end(running->op, error, running->last);
    }
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& op : queued) end(op, error, CommandOutcome{});
}

void OperationQueue::end(Operation& op, Result<void> result, const CommandOutcome& last) {
    if (op.complete) op.complete(std::move(result), &module_, last);
}

void OperationQueue::schedule_next() {
    if (next_scheduled_) return;
    next_scheduled_ = true;
    loop_.post([this, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.lock()) return;
        next_scheduled_ = false;
        start_next();
    });
}

void OperationQueue::start_next() {
    while (!current_ && !queue_.empty()) {
        Operation op = std::move(queue_.front());
        queue_.pop_front();
        auto plan = op.plan ? op.plan(module_) : Result<Plan>(Plan{});
        if (!plan) {
            end(op, plan.error(), CommandOutcome{});
            continue;
        }
        auto running = std::make_unique<Running>();
        running->op = std::move(op);
        running->plan = std::move(plan.value());
        running->id = ++next_id_;
        current_ = std::move(running);
        run_step(current_->id);
    }
}

void OperationQueue::schedule_step(std::uint64_t id) {
    loop_.post([this, alive = std::weak_ptr<bool>(alive_), id] {
        if (alive.lock()) run_step(id);
    });
}

void OperationQueue::advance(std::uint64_t id) {
    if (!current_ || current_->id != id) return;
    ++current_->step;
    schedule_step(id);
}

void OperationQueue::run_step(std::uint64_t id) {
    if (!current_ || current_->id != id) return;
    Running& r = *current_;
    if (r.step >= r.plan.size()) return finish(Result<void>{});
    Step& s = r.plan[r.step];
    switch (s.type) {
        case Step::Type::check: {
            auto ok = s.check(module_);
            if (!ok) return finish(ok.error());
            return advance(id);
        }
        case Step::Type::record:
            s.record(module_, r.last);
            return advance(id);
        case Step::Type::await_state:
            if (s.until(module_.running_state())) return advance(id);
            r.waiting_state = true;
            state_timer_->arm(loop_.now() + s.timeout);
            return;
        case Step::Type::send: {
            auto frame = s.frame(module_, r.last);
            if (!frame) return finish(frame.error());
            channel_.send(frame.value(), s.what, s.send_options,
                          [this, alive = std::weak_ptr<bool>(alive_), id](CommandResult result) {
                              if (alive.lock()) on_command(id, std::move(result));
                          });
            if (s.on_sent) s.on_sent(module_);
            return;
        }
    }
}

void OperationQueue::on_command(std::uint64_t id, CommandResult result) {
    if (!current_ || current_->id != id) return;
    Running& r = *current_;
    Step& s = r.plan[r.step];
    if (!result.reached_bus && s.on_withdrawn) s.on_withdrawn(module_);
    if (!result.outcome) {
        if (s.continue_on_error) {
            spdlog::warn("{}: {}: {}", module_.name(), s.what, result.outcome.error().message);
            r.last = CommandOutcome{};
            return advance(id);
        }
        return finish(result.outcome.error());
    }
    r.last = std::move(result.outcome.value());
    advance(id);
}

void OperationQueue::state_changed() {
    if (!current_ || !current_->waiting_state) return;
    Running& r = *current_;
    if (!r.plan[r.step].until(module_.running_state())) return;
    r.waiting_state = false;
    state_timer_->disarm();
    advance(r.id);
}

void OperationQueue::on_state_timeout(std::uint64_t id) {
    if (!current_ || current_->id != id || !current_->waiting_state) return;
    Step& s = current_->plan[current_->step];
    current_->waiting_state = false;
    if (auto error = s.timeout_error(module_)) return finish(*error);
    advance(id);
}

void OperationQueue::finish(Result<void> result) {
    state_timer_->disarm();
    auto running = std::move(current_);
    end(running->op, std::move(result), running->last);
    schedule_next();
}

}  // namespace ystpcs::engine
