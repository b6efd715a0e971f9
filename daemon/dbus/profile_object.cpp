#include "daemon/dbus/profile_object.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dbus/names.h"

namespace ystpcs::dbus {

using ProfileIface = org::ystpcs::pcs1::Profile_adaptor;

ProfileObject::ProfileObject(sdbus::IConnection& connection, ServiceContext& context, profile::ProfileRun& run)
    : AdaptorInterfaces(connection, profile_run_path(run.id())), context_(context), run_(run) {
    registerAdaptor();
    emitInterfacesAddedSignal({ProfileIface::INTERFACE_NAME});
}

ProfileObject::~ProfileObject() {
    *alive_ = false;
    unregisterAdaptor();
}

void ProfileObject::changed(bool structural) {
    static const std::vector<std::string> figures{"TestTime",       "StepTime",          "StepCapacity",
                                                  "StepEnergy",     "ChargeCapacity",    "DischargeCapacity",
                                                  "ChargeEnergy",   "DischargeEnergy"};
    static const std::vector<std::string> structure{"State",    "Reason", "StepCount", "StepWhere",    "StepLabel",
                                                    "StepType", "Cycle",  "Loops",     "FinishedSteps"};
    try {
        std::vector<std::string> names = figures;
        if (structural) names.insert(names.end(), structure.begin(), structure.end());
        emitPropertiesChangedSignal(ProfileIface::INTERFACE_NAME, names);
    } catch (const std::exception& e) {
        spdlog::warn("cannot emit PropertiesChanged for profile run {}: {}", run_.id(), e.what());
    }
}

std::string ProfileObject::Id() { return run_.id(); }
sdbus::ObjectPath ProfileObject::Module() {
    const auto slash = run_.module_key().rfind('/');
    const std::string iface = run_.module_key().substr(0, slash);
    const int address = std::atoi(run_.module_key().c_str() + slash + 1);
    return module_path(iface, static_cast<std::uint8_t>(address));
}
std::string ProfileObject::Name() { return run_.profile().name; }
std::string ProfileObject::ProfileSha256() { return run_.profile().hash; }
std::string ProfileObject::Profile() { return run_.profile().text; }
std::string ProfileObject::State() { return std::string(profile::name_of(run_.state())); }
std::string ProfileObject::Reason() { return run_.reason(); }
uint64_t ProfileObject::StepCount() { return run_.step_count(); }
std::string ProfileObject::StepWhere() { return run_.step() ? run_.step()->where : ""; }
std::string ProfileObject::StepLabel() { return run_.step() ? run_.step()->label : ""; }
std::string ProfileObject::StepType() { return run_.step() ? std::string(profile::name_of(run_.step()->type)) : ""; }
int64_t ProfileObject::Cycle() { return run_.cycle(); }
std::vector<sdbus::Struct<std::string, int64_t, int64_t>> ProfileObject::Loops() {
    std::vector<sdbus::Struct<std::string, int64_t, int64_t>> out;
    for (const auto& [label, iteration, count] : run_.loops()) out.emplace_back(label, iteration, count);
    return out;
}
double ProfileObject::TestTime() { return run_.test_time_s(); }
double ProfileObject::StepTime() { return run_.step_time_s(); }
double ProfileObject::StepCapacity() { return run_.step_ah(); }
double ProfileObject::StepEnergy() { return run_.step_wh(); }
double ProfileObject::ChargeCapacity() { return run_.totals().charge_ah; }
double ProfileObject::DischargeCapacity() { return run_.totals().discharge_ah; }
double ProfileObject::ChargeEnergy() { return run_.totals().charge_wh; }
double ProfileObject::DischargeEnergy() { return run_.totals().discharge_wh; }
std::vector<sdbus::Struct<uint64_t, std::string, std::string, std::string, double, double, double>>
ProfileObject::FinishedSteps() {
    std::vector<sdbus::Struct<uint64_t, std::string, std::string, std::string, double, double, double>> out;
    for (const auto& r : run_.records()) out.emplace_back(r.step_count, r.where, r.label, r.end_reason, r.duration_s, r.ah, r.wh);
    return out;
}
std::string ProfileObject::ResultFile() { return run_.paths().csv; }
std::string ProfileObject::MetadataFile() { return run_.paths().metadata; }

void ProfileObject::control(const SharedResult<>& r, const char* action, void (profile::ProfileRun::*fn)(engine::Done)) {
    guarded(r, [&] {
        const sdbus::Message* msg = getObject().getCurrentlyProcessedMessage();
        const std::string what = std::string(action) + " of profile run " + run_.id();
        context_.authorizer.authorize(msg ? msg->getSender() : "", what,
                                      [this, alive = alive_, r, fn](std::optional<std::string> denied) {
                                          if (denied) return answer_error(r, access_denied(*denied));
                                          if (!*alive) return;
                                          guarded(r, [&] { (run_.*fn)(reply_void(r)); });
                                      });
    });
}

void ProfileObject::Pause(sdbus::Result<>&& result) { control(share(std::move(result)), "Pause", &profile::ProfileRun::pause); }
void ProfileObject::Resume(sdbus::Result<>&& result) { control(share(std::move(result)), "Resume", &profile::ProfileRun::resume); }
void ProfileObject::RestartStep(sdbus::Result<>&& result) {
    control(share(std::move(result)), "RestartStep", &profile::ProfileRun::restart_step);
}
void ProfileObject::Abort(sdbus::Result<>&& result) { control(share(std::move(result)), "Abort", &profile::ProfileRun::abort); }

void ProfileObject::OpenResults(sdbus::Result<sdbus::UnixFd, sdbus::UnixFd>&& result) {
    auto r = share(std::move(result));
    guarded(r, [&] {
        if (run_.paths().csv.empty())
            return answer_error(r, to_dbus_error(make_error(ErrorKind::invalid_argument,
                                                            "ystpcsd keeps no state directory: no result files")));
        const int csv = ::open(run_.paths().csv.c_str(), O_RDONLY | O_CLOEXEC);
        if (csv < 0)
            return answer_error(r, to_dbus_error(make_error(ErrorKind::io, "cannot open " + run_.paths().csv + ": " +
                                                                               std::strerror(errno))));
        sdbus::UnixFd csv_fd(csv, sdbus::adopt_fd);
        const int meta = ::open(run_.paths().metadata.c_str(), O_RDONLY | O_CLOEXEC);
        if (meta < 0)
            return answer_error(r, to_dbus_error(make_error(ErrorKind::io, "cannot open " + run_.paths().metadata +
                                                                               ": " + std::strerror(errno))));
        answer(r, csv_fd, sdbus::UnixFd(meta, sdbus::adopt_fd));
    });
}

}  // namespace ystpcs::dbus
