// Operations: running them, stopping, reads, discovery, forgetting. The control operations
// that change a module's power stage or settings are in operations_control.cpp.
#include "engine/operations.h"

#include <memory>

#include <spdlog/spdlog.h>

#include "engine/operation_steps.h"
#include "engine/start_stop_frame.h"
#include "protocol/protection_limits.h"
#include "protocol/running_states.h"

namespace ystpcs::engine {

using namespace protocol;

std::optional<LimitField> find_limit_field(std::string_view name) {
    for (int s = 0; s < 3; ++s) {
        const FrameDef* set = find_frame(kProtectionSets[s].reading_pf);
        for (std::size_t i = 0; i < set->signals.size(); ++i)
            if (set->signals[i].name == name) return LimitField{s + 1, i};
    }
    return std::nullopt;
}

Operations::Operations(Rack& rack, ReadBudgetOptions budget) : rack_(rack), budget_(budget) {}

Operations::~Operations() { *alive_ = false; }

void Operations::fail(Done done, Error e) {
    rack_.loop().post([done = std::move(done), e = std::move(e)] { done(e); });
}

void Operations::run(Module& m, Operation op, Done done) {
    auto inner = std::move(op.complete);
    op.complete = [inner = std::move(inner), done, &loop = rack_.loop()](Result<void> r, Module* mod,
                                                                          const CommandOutcome& last) {
        if (inner) inner(r, mod, last);
        loop.post([done, r = std::move(r)] { done(r); });
    };
    if (op.kind == OperationKind::stop) {
        const std::string why = op.name + " requested";
        m.operations().preempt(std::move(op), why);
        return;
    }
    if (auto queued = m.operations().enqueue(std::move(op)); !queued) fail(std::move(done), queued.error());
}

template <class T>
void Operations::run_with(Module& m, Operation op, std::function<Result<T>(Module&, const CommandOutcome&)> value,
                          DoneWith<T> done) {
    // The value is taken when the operation ends, while the module is certainly alive.
    op.complete = [value = std::move(value), done, &loop = rack_.loop(), name = m.name()](
                      Result<void> r, Module* mod, const CommandOutcome& last) {
        Result<T> out = !r ? Result<T>(r.error())
                        : mod == nullptr ? Result<T>(make_error(ErrorKind::cancelled, "PCS " + name + " was removed"))
                                         : value(*mod, last);
        loop.post([done, out = std::move(out)] { done(out); });
    };
    if (auto queued = m.operations().enqueue(std::move(op)); !queued) {
        rack_.loop().post([done, e = queued.error()] { done(e); });
    }
}

Result<void> Operations::admit_control(const Module& m, const std::string& what) const {
    if (shutting_down_)
        return make_error(ErrorKind::busy, what + " on PCS " + m.name() +
                                               " refused: ystpcsd is shutting down (stops are still accepted); " +
                                               "try again after it restarted");
    if (control_guard_) return control_guard_(m, what);
    return {};
}

Result<void> Operations::admit_read(const Caller& caller) { return budget_.take(caller.id, caller.privileged, rack_.loop().now()); }

// ---- stopping ---------------------------------------------------------------------------

Operation Operations::stop_operation(std::string name) {
    Operation op;
    op.name = std::move(name);
    op.kind = OperationKind::stop;
    op.plan = [](Module& m) -> Result<Plan> {
        // Worth sending even when the link looks lost or the interface is down: it is retried
        // by nobody, and a stop that arrives is never wrong.
        Step s = Step::send("stop", [](Module& mod, const CommandOutcome&) {
            return start_stop_frame(mod, false, false, repeated_self_start(mod));
        }, SendOptions{transport::TxClass::urgent});
        s.on_sent = [](Module& mod) { mod.note_start_stop(false); };
        return Plan{std::move(s), steps::after_stop(m)};
    };
    return op;
}

void Operations::stop(Module& m, Done done) {
    if (stop_listener_) stop_listener_(m, false);
    run(m, stop_operation("stop"), std::move(done));
}

void Operations::emergency_stop(Module& m, Done done) {
    spdlog::warn("{}: EMERGENCY STOP", m.name());
    // The heartbeat says so at once, whatever the queue is doing; then the 0x0F stop.
    m.latch_emergency_stop();
    m.send_heartbeat_now();
    if (stop_listener_) stop_listener_(m, true);
    run(m, stop_operation("emergency stop"), std::move(done));
}

void Operations::emergency_stop_all(Done done) {
    struct Pending {
        std::size_t left = 0;
        std::string failures;
        Done done;
    };
    const auto modules = rack_.modules();
    if (modules.empty()) return fail(std::move(done), make_error(ErrorKind::not_connected, "no module is served"));
    auto pending = std::make_shared<Pending>();
    pending->left = modules.size();
    pending->done = std::move(done);
    for (Module* m : modules) {
        emergency_stop(*m, [pending, name = m->name()](Result<void> r) {
            if (!r) pending->failures += (pending->failures.empty() ? "" : "; ") + name + ": " + r.error().message;
            if (--pending->left > 0) return;
            if (pending->failures.empty()) return pending->done(Result<void>{});
            pending->done(make_error(ErrorKind::timeout, "emergency stop sent (heartbeat state 3) to every module, but "
                                                         "not every 0x0F stop was confirmed: " + pending->failures));
        });
    }
}

void Operations::broadcast_stop(transport::CanTransport& t, Done done) {
    std::vector<Module*> on_bus;
    for (Module* m : rack_.modules())
        if (&m->transport() == &t) on_bus.push_back(m);
    // Byte 3 must repeat each module's self-start flag; one frame can only do that when they agree.
    std::optional<bool> self_start;
    bool agree = true;
    for (Module* m : on_bus) {
        const bool s = repeated_self_start(*m);
        agree = agree && (!self_start || *self_start == s);
        self_start = s;
    }
    if (!agree) {
        spdlog::warn("{}: self-start flags differ between modules: a stop to each instead of a broadcast", t.name());
        auto left = std::make_shared<std::size_t>(on_bus.size());
        auto errors = std::make_shared<std::string>();
        for (Module* m : on_bus)
            stop(*m, [left, errors, done, name = m->name()](Result<void> r) {
                if (!r) *errors += (errors->empty() ? "" : "; ") + name + ": " + r.error().message;
                if (--*left == 0) done(errors->empty() ? Result<void>{} : Result<void>(make_error(ErrorKind::timeout, *errors)));
            });
        return;
    }
    const double values[] = {0.0, 0.0, self_start.value_or(false) ? 1.0 : 0.0};
    const auto frame = encode(pf::start_stop, kBroadcastAddress, values);
    for (Module* m : on_bus)
        if (stop_listener_) stop_listener_(*m, false);
    const auto status = t.send(frame.value(), transport::TxClass::urgent);
    for (Module* m : on_bus) m->note_start_stop(false);
    spdlog::warn("{}: broadcast stop sent", t.name());
    if (status == transport::SendStatus::down || status == transport::SendStatus::dropped)
        return fail(std::move(done), make_error(ErrorKind::not_connected,
                                                "interface " + t.name() + " is down or its queue full; broadcast stop not sent"));
    rack_.loop().post([done] { done(Result<void>{}); });
}

// ---- forgetting -------------------------------------------------------------------------

void Operations::forget(const std::string& key, Done done) {
    Module* m = rack_.find(key);
    if (m == nullptr) return fail(std::move(done), make_error(ErrorKind::invalid_argument, "no module " + key));
    if (m->configured())
        return fail(std::move(done), make_error(ErrorKind::interlock,
                                                m->name() + " is in the configuration; remove it there and reload"));
    // Without heartbeats it would fault and shut down after 5 s: running, it stays served.
    if (m->connected() && m->power_stage_active())
        return fail(std::move(done), make_error(ErrorKind::interlock,
                                                m->name() + " is running (or has not reported its state): stop it " +
                                                    "first; forgetting it ends its heartbeat"));
    rack_.remove_module(key);  // its queued operations end with "removed"
    rack_.loop().post([done] { done(Result<void>{}); });
}

// ---- reads ------------------------------------------------------------------------------

void Operations::read_protection(Module& m, const Caller& caller, DoneWith<ProtectionLimits> done) {
    if (auto ok = admit_read(caller); !ok) return rack_.loop().post([done, e = ok.error()] { done(e); });
    Operation op;
    op.name = "read protection limits";
    op.kind = OperationKind::read;
    op.privileged = caller.privileged;
    op.plan = [](Module&) -> Result<Plan> { return steps::read_protection_sets({1, 2, 3}, false); };
    run_with<ProtectionLimits>(m, std::move(op), [](Module& mod, const CommandOutcome&) -> Result<ProtectionLimits> {
        return mod.limits();  // the module stored the readings as they arrived
    }, std::move(done));
}

void Operations::read_mode(Module& m, const Caller& caller, DoneWith<WorkingMode> done) {
    if (auto ok = admit_read(caller); !ok) return rack_.loop().post([done, e = ok.error()] { done(e); });
    Operation op;
    op.name = "read working mode";
    op.kind = OperationKind::read;
    op.privileged = caller.privileged;
    op.plan = [](Module&) -> Result<Plan> { return Plan{steps::read_working_mode(false)}; };
    run_with<WorkingMode>(m, std::move(op), [](Module&, const CommandOutcome& last) -> Result<WorkingMode> {
        return steps::working_mode_from(last);
    }, std::move(done));
}

void Operations::read_setting(Module& m, const Caller& caller, const SettingDef& setting, DoneWith<Replies> done) {
    if (auto ok = admit_read(caller); !ok) return rack_.loop().post([done, e = ok.error()] { done(e); });
    Operation op;
    op.name = "read " + std::string(setting.name);
    op.kind = OperationKind::read;
    op.privileged = caller.privileged;
    op.plan = [&setting](Module&) -> Result<Plan> { return Plan{steps::read_setting(setting, false)}; };
    run_with<Replies>(m, std::move(op), [](Module&, const CommandOutcome& last) -> Result<Replies> {
        return last.replies;
    }, std::move(done));
}

void Operations::read_versions(Module& m, const Caller& caller, DoneWith<FirmwareVersions> done) {
    if (auto ok = admit_read(caller); !ok) return rack_.loop().post([done, e = ok.error()] { done(e); });
    Operation op;
    op.name = "read versions";
    op.kind = OperationKind::read;
    op.privileged = caller.privileged;
    op.plan = [](Module&) -> Result<Plan> { return Plan{steps::read_setting(*find_setting("versions"), false)}; };
    run_with<FirmwareVersions>(m, std::move(op), [](Module& mod, const CommandOutcome&) -> Result<FirmwareVersions> {
        return mod.versions();  // stored by the module as the frames arrived
    }, std::move(done));
}

void Operations::read_on_discovery(Module& m) {
    Operation op;
    op.name = "discovery reads";
    op.kind = OperationKind::read;
    op.internal = true;
    // One request at a time: a firmware that serves one request at a time loses none. A
    // failed read is logged and the others still run.
    op.plan = [](Module&) -> Result<Plan> {
        Plan plan = steps::read_protection_sets({1, 2, 3}, true);
        plan.push_back(steps::read_setting(*find_setting("versions"), true));
        plan.push_back(steps::read_working_mode(true));
        return plan;
    };
    op.complete = [](Result<void> r, Module* mod, const CommandOutcome&) {
        if (!r && mod != nullptr) spdlog::warn("{}: discovery reads: {}", mod->name(), r.error().message);
    };
    if (auto queued = m.operations().enqueue(std::move(op)); !queued)
        spdlog::warn("{}: discovery reads not queued: {}", m.name(), queued.error().message);
}

DiscoveryReads::DiscoveryReads(Rack& rack, Operations& ops) : rack_(rack), ops_(ops) { rack_.add_observer(this); }

DiscoveryReads::~DiscoveryReads() { rack_.remove_observer(this); }

void DiscoveryReads::module_changed(Module& m, const ModuleChange& change) {
    if (change.link && m.connected()) ops_.read_on_discovery(m);
}

}  // namespace ystpcs::engine
