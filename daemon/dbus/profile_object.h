// One profile run on D-Bus: org.ystpcs.pcs1.Profile at /org/ystpcs/pcs1/profiles/run_<id>, a
// thin adaptor over profile::ProfileRun. Changing calls are authorised like every other.
#pragma once

#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "daemon/dbus/method_result.h"
#include "daemon/dbus/service_context.h"
#include "profile-adaptor.h"
#include "profile/run.h"

namespace ystpcs::dbus {

class ProfileObject final : public sdbus::AdaptorInterfaces<org::ystpcs::pcs1::Profile_adaptor, sdbus::Properties_adaptor,
                                                            sdbus::ManagedObject_adaptor> {
public:
    ProfileObject(sdbus::IConnection& connection, ServiceContext& context, profile::ProfileRun& run);
    ~ProfileObject();
    // PropertiesChanged: the state, step and records (structural) or the running figures.
    void changed(bool structural);

private:
    std::string Id() override;
    sdbus::ObjectPath Module() override;
    std::string Name() override;
    std::string ProfileSha256() override;
    std::string Profile() override;
    std::string State() override;
    std::string Reason() override;
    uint64_t StepCount() override;
    std::string StepWhere() override;
    std::string StepLabel() override;
    std::string StepType() override;
    int64_t Cycle() override;
    std::vector<sdbus::Struct<std::string, int64_t, int64_t>> Loops() override;
    double TestTime() override;
    double StepTime() override;
    double StepCapacity() override;
    double StepEnergy() override;
    double ChargeCapacity() override;
    double DischargeCapacity() override;
    double ChargeEnergy() override;
    double DischargeEnergy() override;
    std::vector<sdbus::Struct<uint64_t, std::string, std::string, std::string, double, double, double>> FinishedSteps() override;
    std::string ResultFile() override;
    std::string MetadataFile() override;

    void Pause(sdbus::Result<>&& result) override;
    void Resume(sdbus::Result<>&& result) override;
    void RestartStep(sdbus::Result<>&& result) override;
    void Abort(sdbus::Result<>&& result) override;
    void OpenResults(sdbus::Result<sdbus::UnixFd, sdbus::UnixFd>&& result) override;

    void control(const SharedResult<>& r, const char* action, void (profile::ProfileRun::*fn)(engine::Done));

    ServiceContext& context_;
    profile::ProfileRun& run_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ystpcs::dbus
