#include "profile/runs.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "engine/durable_file.h"

namespace ystpcs::profile {

ProfileRuns::ProfileRuns(engine::Rack& rack, engine::Operations& ops, std::string directory)
    : rack_(rack), ops_(ops), directory_(std::move(directory)) {
    rack_.add_observer(this);
    ops_.set_stop_listener([this](engine::Module& m, bool emergency) {
        if (ProfileRun* r = active_on(m.id().key())) r->on_foreign_stop(emergency);
    });
    ops_.set_control_guard([this](const engine::Module& m, const std::string& what) -> Result<void> {
        ProfileRun* r = active_on(m.id().key());
        if (r == nullptr || r->calling() || !r->drives_module()) return {};
        return make_error(ErrorKind::busy, what + " on PCS " + m.name() + " refused: profile run " + r->id() +
                                               " drives it (pcsctl profile status " + r->id() +
                                               "); pause or abort the run first");
    });
}

ProfileRuns::~ProfileRuns() {
    *alive_ = false;
    ops_.set_stop_listener({});
    ops_.set_control_guard({});
    rack_.remove_observer(this);
}

RunPaths ProfileRuns::paths_for(const std::string& id) const {
    if (directory_.empty()) return {};
    const std::string base = directory_ + "/run-" + id;
    return {base + ".journal.json", base + ".bdf.csv", base + ".metadata.json"};
}

ProfileRun::Changed ProfileRuns::changed_hook() {
    return [this, alive = alive_](ProfileRun& r, bool structural) {
        if (*alive && on_changed) on_changed(r, structural);
    };
}

std::vector<std::string> ProfileRuns::restore() {
    std::vector<std::string> problems;
    if (directory_.empty()) return problems;
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    if (ec) return {"cannot create " + directory_ + ": " + ec.message()};
    std::vector<std::string> journals;
    for (const auto& e : std::filesystem::directory_iterator(directory_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("run-", 0) == 0 && name.size() > 13 && name.ends_with(".journal.json")) journals.push_back(name);
    }
    for (const auto& name : journals) {
        const std::string id = name.substr(4, name.size() - 4 - 13);
        // Counted even when the journal is unusable: a new run never takes its id (and files).
        try {
            next_id_ = std::max(next_id_, std::stoul(id) + 1);
        } catch (const std::exception&) {
        }
        const auto text = engine::read_whole_file(directory_ + "/" + name);
        if (!text || !text.value()) {
            problems.push_back(directory_ + "/" + name + ": cannot be read");
            continue;
        }
        auto run = ProfileRun::restore(**text, paths_for(id), rack_, ops_, changed_hook());
        if (!run) {
            problems.push_back(run.error().message);
            continue;
        }
        if (run.value()->state() == RunState::interrupted)
            spdlog::warn("profile run {} on {} is interrupted: {}", id, run.value()->module_key(), run.value()->reason());
        runs_.emplace(id, std::move(run).value());
    }
    return problems;
}

ProfileRun* ProfileRuns::active_on(const std::string& module_key) {
    for (auto& [id, r] : runs_)
        if (r->module_key() == module_key && !is_final(r->state())) return r.get();
    return nullptr;
}

void ProfileRuns::start(const std::string& module_key, const std::string& text, engine::DoneWith<std::string> done) {
    auto post = [this, done](Result<std::string> r) { rack_.loop().post([done, r] { done(r); }); };
    if (ops_.shutting_down()) return post(make_error(ErrorKind::busy, "ystpcsd is shutting down"));
    auto profile = parse_profile(text);
    if (!profile) return post(profile.error());
    if (rack_.find(module_key) == nullptr)
        return post(make_error(ErrorKind::invalid_argument, "ystpcsd does not serve a module " + module_key));
    if (ProfileRun* other = active_on(module_key))
        return post(make_error(ErrorKind::busy, "PCS " + module_key + " has profile run " + other->id() + " (" +
                                                    std::string(name_of(other->state())) +
                                                    "); one run per module: abort it (or let it end) first"));
    const std::string id = std::to_string(next_id_++);
    auto run = std::make_unique<ProfileRun>(id, std::move(profile).value(), module_key, paths_for(id), rack_, ops_,
                                            changed_hook());
    ProfileRun& r = *run;
    runs_.emplace(id, std::move(run));
    if (on_added) on_added(r);
    r.start([id, done](Result<void> ok) {
        if (!ok) return done(ok.error());
        done(id);
    });
}

ProfileRun* ProfileRuns::find(const std::string& id) {
    const auto it = runs_.find(id);
    return it == runs_.end() ? nullptr : it->second.get();
}

std::vector<ProfileRun*> ProfileRuns::runs() const {
    std::vector<ProfileRun*> out;
    for (const auto& [id, r] : runs_) out.push_back(r.get());
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
        return a->id().size() != b->id().size() ? a->id().size() < b->id().size() : a->id() < b->id();
    });
    return out;
}

void ProfileRuns::stopping() {
    for (auto& [id, r] : runs_) r->on_daemon_stopping();
}

void ProfileRuns::module_removed(engine::Module& m) {
    if (ProfileRun* r = active_on(m.id().key())) r->on_module_removed();
}

void ProfileRuns::module_changed(engine::Module& m, const engine::ModuleChange& change) {
    if (ProfileRun* r = active_on(m.id().key())) r->on_module_changed(m, change);
}

void ProfileRuns::tick(runtime::Instant now) {
    for (auto& [id, r] : runs_)
        if (!is_final(r->state())) r->on_tick(now);
}

}  // namespace ystpcs::profile
