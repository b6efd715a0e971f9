#include "engine/operations.h"

#include <ctime>
#include <memory>

#include <spdlog/spdlog.h>

#include "protocol/protection_limits.h"
#include "protocol/running_states.h"

namespace ystpcs::engine {

using namespace protocol;

namespace {

Error not_connected(const Module& m) {
    return make_error(ErrorKind::not_connected,
                      "PCS " + m.name() + " is not communicating (no frame received recently); check that it is " +
                          "powered, its address and the CAN wiring");
}

std::string state_text(std::optional<std::uint8_t> s) {
    return s ? std::to_string(*s) + " (" + std::string(running_state_name(*s)) + ")" : "unknown";
}

std::string param_names(const ModeDef& mode) {
    std::string out;
    for (const auto& p : mode.params) out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out.empty() ? "none" : out;
}

}  // namespace

std::optional<LimitField> find_limit_field(std::string_view name) {
    const FrameDef* sets[] = {find_frame(pf::protection_1), find_frame(pf::protection_2), find_frame(pf::protection_3)};
    for (int s = 0; s < 3; ++s)
        for (std::size_t i = 0; i < sets[s]->signals.size(); ++i)
            if (sets[s]->signals[i].name == name) return LimitField{s + 1, i};
    return std::nullopt;
}

void Operations::submit(Module& m, const Result<CanFrame>& frame, std::string what, DoneWith<Replies> done) {
    if (!frame) {
        rack_.loop().post([done = std::move(done), e = frame.error()] { done(e); });
        return;
    }
    m.commands().submit(frame.value(), std::move(what), std::move(done));
}

// ---- 0x0F -----------------------------------------------------------------------------------

void Operations::send_start_stop(Module& m, bool start, bool clear, bool self_start, std::string what,
                                 std::function<void(Result<void>)> done) {
    const double values[] = {start ? 1.0 : 0.0, clear ? 1.0 : 0.0, self_start ? 1.0 : 0.0};
    submit(m, encode(pf::start_stop, m.id().address, values), std::move(what), [done = std::move(done)](Result<Replies> r) {
        if (!r) done(r.error());
        else done(Result<void>{});
    });
}

Result<bool> Operations::inferred_start_byte(const Module& m) const {
    const CommandedFlags f = m.commanded();
    if (f.start) return *f.start;
    // Fresh install: nothing commanded yet. Repeat what the module is doing.
    if (m.running_state()) return power_stage_active(*m.running_state());
    return make_error(ErrorKind::interlock, "PCS " + m.name() +
                                                " has not reported its running state yet and nothing was commanded " +
                                                "before, so byte 1 of 0x0F (start/stop) cannot be repeated safely; " +
                                                "wait for it to report, or start/stop it explicitly");
}

void Operations::start(Module& m, Done done) {
    auto fail = [&](Error e) { rack_.loop().post([done, e] { done(e); }); };
    if (!m.connected()) return fail(not_connected(m));
    if (m.health() == ControllerHealth::emergency_stop)
        return fail(make_error(ErrorKind::interlock, "an emergency stop is active on PCS " + m.name() +
                                                         "; clear faults first (pcsctl reset-faults)"));
    if (m.running_state() == running_state::fault) {
        const auto code = m.fault_code().value_or(0);
        return fail(make_error(ErrorKind::interlock, "PCS " + m.name() + " is in fault " + std::to_string(code) + " (" +
                                                         std::string(fault_info(code).meaning) +
                                                         "); remove the cause and clear faults first"));
    }
    // Self-start defaults to off when nothing was ever commanded (documented).
    const bool self_start = m.commanded().self_start.value_or(false);
    send_start_stop(m, true, false, self_start, "start", [&m, self_start, done](Result<void> r) {
        if (r) {
            m.set_commanded(CommandedFlags{true, self_start});
        }
        done(r);
    });
}

void Operations::stop(Module& m, Done done) {
    // Never refused: stopping is always safe, and worth trying even when the link looks lost.
    const bool self_start = m.commanded().self_start.value_or(false);
    m.set_commanded(CommandedFlags{false, self_start});
    send_start_stop(m, false, false, self_start, "stop", std::move(done));
}

void Operations::clear_faults(Module& m, Done done) {
    const auto start = inferred_start_byte(m);
    if (!start) {
        rack_.loop().post([done, e = start.error()] { done(e); });
        return;
    }
    // Lifting an emergency stop first: a PCS still hearing state 3 would fault again.
    if (m.health() == ControllerHealth::emergency_stop) {
        m.set_health(ControllerHealth::running);
        rack_.send_heartbeat_now(m);
    }
    const bool self_start = m.commanded().self_start.value_or(false);
    send_start_stop(m, start.value(), true, self_start, "clear faults", std::move(done));
}

void Operations::set_self_start(Module& m, bool on, Done done) {
    const auto start = inferred_start_byte(m);
    if (!start) {
        rack_.loop().post([done, e = start.error()] { done(e); });
        return;
    }
    const bool b1 = start.value();
    send_start_stop(m, b1, false, on, on ? "enable self-start" : "disable self-start", [&m, b1, on, done](Result<void> r) {
        if (r) m.set_commanded(CommandedFlags{b1, on});
        done(r);
    });
}

// ---- working mode -------------------------------------------------------------------------

void Operations::ensure_limits(Module& m, const ModeDef& mode, Done done) {
    bool need[4] = {false, false, false, false};
    for (const auto& p : mode.params) need[required_protection_set(p.limit)] = true;
    const auto& l = m.limits();
    const bool missing1 = need[1] && !l.set1, missing2 = need[2] && !l.set2, missing3 = need[3] && !l.set3;
    if (!missing1 && !missing2 && !missing3) {
        rack_.loop().post([done] { done(Result<void>{}); });
        return;
    }
    spdlog::info("{}: protection limits not known yet; reading them before checking the set-points", m.name());
    read_protection(m, [done](Result<ProtectionLimits> r) {
        if (!r) done(make_error(r.error().kind, "cannot check the set-points: reading the protection limits failed: " +
                                                    r.error().message));
        else done(Result<void>{});
    });
}

void Operations::set_mode(Module& m, const ModeDef& mode, std::vector<double> params, SetModeOptions options,
                          Done done) {
    auto fail = [&](Error e) { rack_.loop().post([done, e] { done(e); }); };
    if (params.size() != mode.params.size())
        return fail(make_error(ErrorKind::invalid_argument, "mode " + std::string(mode.name) + " takes " +
                                                                std::to_string(mode.params.size()) + " parameters (" +
                                                                param_names(mode) + "), got " +
                                                                std::to_string(params.size())));
    std::array<std::int32_t, 4> raw{};
    std::array<double, kMaxModeParams> values{};
    for (std::size_t i = 0; i < params.size(); ++i) {
        auto r = mode_param_to_raw(mode, i, params[i]);
        if (!r) return fail(r.error());
        raw[i] = r.value();
        values[i] = params[i];
    }
    if (!m.connected()) return fail(not_connected(m));

    ensure_limits(m, mode, [this, &m, &mode, raw, values, options, done](Result<void> ready) {
        if (!ready) return done(ready.error());
        if (auto ok = check_setpoints(mode, values, mode.params.size(), m.limits()); !ok) return done(ok.error());
        const auto state = m.running_state();
        if (!state)
            return done(make_error(ErrorKind::interlock, "PCS " + m.name() +
                                                             " has not reported its running state yet; the mode can " +
                                                             "only change while it is stopped"));
        const bool active = power_stage_active(*state);
        const bool same_mode = m.working_mode() && m.working_mode()->code == mode.code;
        if (!active) return write_mode(m, mode, raw, true, options.start, done);
        if (same_mode) {
            // New set-points for the mode it is running in: only the parameter frames, no stop
            // (0x0B itself is refused while the power stage is active).
            return write_mode(m, mode, raw, false, false, done);
        }
        if (!options.stop_first)
            return done(make_error(ErrorKind::interlock,
                                   "PCS " + m.name() + " is running (state " + state_text(state) +
                                       "); the working mode can only change while it is stopped: stop it first, " +
                                       "or ask for stop_first"));
        spdlog::info("{}: stopping before the change to mode {}", m.name(), mode.name);
        stop(m, [this, &m, &mode, raw, options, done](Result<void> stopped) {
            if (!stopped) return done(make_error(stopped.error().kind, "stop_first: " + stopped.error().message));
            m.wait_for_state([](std::optional<std::uint8_t> s) { return s && !power_stage_active(*s); },
                             m.options().stop_wait, [this, &m, &mode, raw, options, done](bool reached) {
                                 if (!reached)
                                     return done(make_error(ErrorKind::timeout,
                                                            "stop_first: PCS " + m.name() +
                                                                " did not leave its running state after the stop (state " +
                                                                state_text(m.running_state()) + "); mode not changed"));
                                 write_mode(m, mode, raw, true, options.start, done);
                             });
        });
    });
}

void Operations::write_mode(Module& m, const ModeDef& mode, const std::array<std::int32_t, 4>& raw, bool send_code,
                            bool start_after, Done done) {
    const std::uint8_t a = m.id().address;
    const double code[] = {static_cast<double>(mode.code)};
    const double p12[] = {static_cast<double>(raw[0]), static_cast<double>(raw[1])};
    const double p34[] = {static_cast<double>(raw[2]), static_cast<double>(raw[3])};
    const std::string name(mode.name);
    const bool has12 = !mode.params.empty();
    const bool has34 = mode.params.size() > 2;
    auto finish = [this, &m, &mode, raw, start_after, done](Result<Replies> r) {
        if (!r) return done(r.error());
        m.set_commanded_mode(WorkingMode{mode.code, raw, false});
        if (start_after) start(m, done);
        else done(Result<void>{});
    };
    auto after12 = [this, &m, a, p34, name, has34, finish](Result<Replies> r) {
        if (!r || !has34) return finish(std::move(r));
        submit(m, encode(pf::mode_params_34, a, p34), "parameters 3-4 of mode " + name, finish);
    };
    auto send12 = [this, &m, a, p12, name, has12, after12](Result<Replies> r) {
        if (!r || !has12) return after12(std::move(r));
        submit(m, encode(pf::mode_params_12, a, p12), "parameters 1-2 of mode " + name, after12);
    };
    if (!send_code) return send12(Replies{});
    submit(m, encode(pf::set_mode, a, code), "set mode " + name, send12);
}

void Operations::read_mode(Module& m, DoneWith<WorkingMode> done) {
    read_setting(m, *find_setting("working_mode"), [done](Result<Replies> r) {
        if (!r) return done(r.error());
        WorkingMode w;
        w.reported = true;
        for (const auto& f : r.value()) {
            if (f.def->pf == pf::mode_reading) w.code = static_cast<std::uint8_t>(f.raw[0]);
            if (f.def->pf == pf::mode_params_12_reading) w.raw[0] = static_cast<std::int32_t>(f.raw[0]), w.raw[1] = static_cast<std::int32_t>(f.raw[1]);
            if (f.def->pf == pf::mode_params_34_reading) w.raw[2] = static_cast<std::int32_t>(f.raw[0]), w.raw[3] = static_cast<std::int32_t>(f.raw[1]);
        }
        done(w);
    });
}

// ---- protection limits --------------------------------------------------------------------

void Operations::read_protection(Module& m, DoneWith<ProtectionLimits> done) {
    // Three reply kinds (0x02, 0x03, 0x04): the reads run side by side.
    struct Pending {
        int left = 3;
        std::optional<Error> error;
        DoneWith<ProtectionLimits> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    for (const auto& set : kProtectionSets) {
        const double type[] = {static_cast<double>(set.type)};
        submit(m, encode(pf::read_protection, m.id().address, type), "read protection set " + std::to_string(set.type),
               [pending, &m](Result<Replies> r) {
                   if (!r && !pending->error) pending->error = r.error();
                   if (--pending->left > 0) return;
                   if (pending->error) pending->done(*pending->error);
                   else pending->done(m.limits());  // the module stored the readings as they arrived
               });
    }
}

void Operations::write_protection(Module& m, std::map<std::string, double> changes, DoneWith<ProtectionLimits> done) {
    std::map<int, std::map<std::size_t, double>> by_set;
    for (const auto& [name, value] : changes) {
        const auto field = find_limit_field(name);
        if (!field) {
            std::string valid;
            for (std::uint8_t p : {pf::protection_1, pf::protection_2, pf::protection_3})
                valid += (valid.empty() ? "" : ", ") + field_list(*find_frame(p));
            rack_.loop().post([done, name = name, valid] {
                done(make_error(ErrorKind::invalid_argument, "unknown protection limit '" + name + "' (known: " + valid + ")"));
            });
            return;
        }
        by_set[field->set][field->index] = value;
    }
    if (by_set.empty()) {
        rack_.loop().post([done] { done(make_error(ErrorKind::invalid_argument, "no protection limit given")); });
        return;
    }
    if (!m.connected()) {
        rack_.loop().post([done, e = not_connected(m)] { done(e); });
        return;
    }
    // Read fresh, merge, validate, write; one set after the other; then read everything back.
    struct Job : std::enable_shared_from_this<Job> {
        Operations* ops;
        Module* m;
        std::map<int, std::map<std::size_t, double>> sets;
        DoneWith<ProtectionLimits> done;
        void next() {
            if (sets.empty()) {
                ops->read_protection(*m, done);
                return;
            }
            const auto [set, values] = *sets.begin();
            sets.erase(sets.begin());
            const auto& def = kProtectionSets[set - 1];
            const double type[] = {static_cast<double>(set)};
            auto self = shared_from_this();
            ops->submit(*m, encode(pf::read_protection, m->id().address, type), "read protection set " + std::to_string(set),
                        [self, set, values, &def](Result<Replies> r) {
                            if (!r) return self->done(r.error());
                            const DecodedFrame& current = r.value().front();
                            std::array<double, kMaxSignals> merged{};
                            for (std::size_t i = 0; i < current.def->signals.size(); ++i) merged[i] = current.value[i];
                            for (const auto& [i, v] : values) merged[i] = v;
                            Result<void> consistent{};
                            if (set == 1) consistent = check_consistent(ProtectionSet1{merged[0], merged[1], merged[2], merged[3]});
                            if (set == 2) consistent = check_consistent(ProtectionSet2{merged[0], merged[1], merged[2], merged[3]});
                            if (set == 3) consistent = check_consistent(ProtectionSet3{merged[0], merged[1], merged[2], merged[3]});
                            if (!consistent) return self->done(consistent.error());
                            auto frame = encode(def.write_pf, self->m->id().address,
                                                std::span<const double>(merged.data(), current.def->signals.size()));
                            self->ops->submit(*self->m, frame, "write protection set " + std::to_string(set),
                                              [self](Result<Replies> w) {
                                                  if (!w) return self->done(w.error());
                                                  self->next();
                                              });
                        });
        }
    };
    auto job = std::make_shared<Job>();
    job->ops = this;
    job->m = &m;
    job->sets = std::move(by_set);
    job->done = std::move(done);
    job->next();
}

// ---- special settings, clock, versions, per-phase power -----------------------------------

void Operations::read_setting(Module& m, const SettingDef& setting, DoneWith<Replies> done) {
    const double type[] = {static_cast<double>(setting.type)};
    submit(m, encode(pf::read_setting, m.id().address, type), "read " + std::string(setting.name), std::move(done));
}

void Operations::write_setting(Module& m, const SettingDef& setting, const NamedValues& values, Done done) {
    if (setting.write_pf == 0) {
        rack_.loop().post([done, name = std::string(setting.name)] {
            done(make_error(ErrorKind::invalid_argument, "setting " + name + " is read-only"));
        });
        return;
    }
    submit(m, encode_named(*find_frame(setting.write_pf), m.id().address, values), "write " + std::string(setting.name),
           [done](Result<Replies> r) {
               if (!r) done(r.error());
               else done(Result<void>{});
           });
}

void Operations::set_clock(Module& m, runtime::WallTime time, Done done) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm local{};
    localtime_r(&t, &local);
    const double values[] = {double(local.tm_year + 1900), double(local.tm_mon + 1), double(local.tm_mday),
                             double(local.tm_hour),        double(local.tm_min),     double(std::min(local.tm_sec, 59))};
    submit(m, encode(pf::set_clock, m.id().address, values), "set clock", [done](Result<Replies> r) {
        if (!r) done(r.error());
        else done(Result<void>{});
    });
}

void Operations::read_versions(Module& m, DoneWith<FirmwareVersions> done) {
    read_setting(m, *find_setting("versions"), [&m, done](Result<Replies> r) {
        if (!r) return done(r.error());
        done(m.versions());  // stored by the module as the frames arrived
    });
}

void Operations::set_phase_power(Module& m, PhasePower which, const std::array<double, 3>& values, Done done) {
    const bool active = which == PhasePower::active;
    auto frame = encode(active ? pf::phase_active_power : pf::phase_reactive_power, m.id().address, values);
    if (!frame) {
        rack_.loop().post([done, e = frame.error()] { done(e); });
        return;
    }
    auto send = [this, &m, frame = frame.value(), active, done] {
        submit(m, frame, active ? "per-phase active power" : "per-phase reactive power", [done](Result<Replies> r) {
            if (!r) done(r.error());
            else done(Result<void>{});
        });
    };
    if (!active) return send();
    // Active power must stay inside the power limits (set 2), which are read first if unknown.
    auto check_then_send = [&m, values, send, done](Result<void> ready) {
        if (!ready) return done(ready.error());
        if (auto ok = check_phase_active_power(values, m.limits()); !ok) return done(ok.error());
        send();
    };
    if (m.limits().set2) return check_then_send(Result<void>{});
    read_protection(m, [check_then_send](Result<ProtectionLimits> r) {
        if (!r) return check_then_send(r.error());
        check_then_send(Result<void>{});
    });
}

// ---- emergency stop, broadcast ------------------------------------------------------------

void Operations::emergency_stop(Module& m, Done done) {
    spdlog::warn("{}: EMERGENCY STOP", m.name());
    m.set_health(ControllerHealth::emergency_stop);
    rack_.send_heartbeat_now(m);
    stop(m, std::move(done));
}

void Operations::broadcast_stop(transport::CanTransport& t, Done done) {
    // Byte 3 must repeat each module's self-start flag; one frame can only do that when they agree.
    std::optional<bool> self_start;
    for (Module* m : rack_.modules()) {
        if (&m->transport() != &t) continue;
        const bool s = m->commanded().self_start.value_or(false);
        if (self_start && *self_start != s) {
            rack_.loop().post([done, name = t.name()] {
                done(make_error(ErrorKind::interlock, "the modules on " + name +
                                                          " have different self-start flags; a broadcast stop would " +
                                                          "change some of them: stop them one by one"));
            });
            return;
        }
        self_start = s;
    }
    const double values[] = {0.0, 0.0, self_start.value_or(false) ? 1.0 : 0.0};
    auto frame = encode(pf::start_stop, kBroadcastAddress, values);
    for (Module* m : rack_.modules())
        if (&m->transport() == &t) {
            m->set_commanded(CommandedFlags{false, self_start.value_or(false)});
        }
    const auto status = t.send(frame.value());
    spdlog::warn("{}: broadcast stop sent", t.name());
    rack_.loop().post([done, status, name = t.name()] {
        if (status == transport::SendStatus::down)
            done(make_error(ErrorKind::not_connected, "interface " + name + " is down; broadcast stop not sent"));
        else done(Result<void>{});
    });
}

DiscoveryReads::DiscoveryReads(Rack& rack, Operations& ops) : rack_(rack), ops_(ops) { rack_.add_observer(this); }

DiscoveryReads::~DiscoveryReads() { rack_.remove_observer(this); }

void DiscoveryReads::module_changed(Module& m, const ModuleChange& change) {
    if (change.link && m.connected()) ops_.read_on_discovery(m);
}

void Operations::read_on_discovery(Module& m) {
    read_protection(m, [&m](Result<ProtectionLimits> r) {
        if (!r) spdlog::warn("{}: reading the protection limits failed: {}", m.name(), r.error().message);
    });
    read_versions(m, [&m](Result<FirmwareVersions> r) {
        if (!r) spdlog::warn("{}: reading the firmware versions failed: {}", m.name(), r.error().message);
    });
    read_mode(m, [&m](Result<WorkingMode> r) {
        if (!r) spdlog::warn("{}: reading the working mode failed: {}", m.name(), r.error().message);
    });
}

}  // namespace ystpcs::engine
