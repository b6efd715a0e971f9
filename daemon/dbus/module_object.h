// One PCS on D-Bus: org.ystpcs.pcs1.Module at /org/ystpcs/pcs1/<interface>/<address>, a thin
// adaptor over engine::Module and engine::Operations. Value properties come from the
// generated ModuleValueProperties (the protocol table); PropertiesChanged is batched and
// sent by flush() for what changed since the last one.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "daemon/dbus/method_result.h"
#include "daemon/dbus/service_context.h"
#include "module-values.h"

namespace ystpcs::dbus {

class ModuleObject final
    : public sdbus::AdaptorInterfaces<ModuleValueProperties, sdbus::Properties_adaptor, sdbus::ManagedObject_adaptor> {
public:
    ModuleObject(sdbus::IConnection& connection, ServiceContext& context, engine::Module& module);
    ~ModuleObject();

    void changed(const engine::ModuleChange& change);
    void flush();
    // Emits the Event signal for an event just journaled.
    void event(const engine::ModuleEvent& e);
    engine::Module& module() { return module_; }

private:
    // properties
    std::string Interface() override;
    uint8_t Address() override;
    bool Configured() override;
    bool Connected() override;
    uint64_t LastSeen() override;
    bool PowerStageActive() override;
    std::string StopReason() override;
    std::string StopReasonText() override;
    std::string FaultAction() override;
    std::string WorkingMode() override;
    uint8_t WorkingModeCode() override;
    std::map<std::string, double> WorkingModeParameters() override;
    bool WorkingModeReported() override;
    bool SelfStart() override;
    std::string CommandedStart() override;
    uint8_t HeartbeatState() override;
    std::string ArmVersion() override;
    std::string DspVersion() override;
    std::map<std::string, uint64_t> Counters() override;
    std::string ExternalDataSource() override;
    std::string ExternalDataFallback() override;
    double ExternalDataMaxAge() override;
    double ExternalDataVoltage() override;
    double ExternalDataCurrent() override;
    std::string ExternalDataOrigin() override;
    std::vector<std::string> ExternalDataWarnings() override;
    std::map<std::string, std::string> SetpointLimits() override;
    double value_double(std::uint8_t pf, std::uint8_t index) override;
    std::uint64_t value_integer(std::uint8_t pf, std::uint8_t index) override;
    std::string value_text(std::uint8_t pf, std::uint8_t index) override;

    // methods
    void Start(sdbus::Result<>&& result) override;
    void Stop(sdbus::Result<>&& result) override;
    void ClearFaults(sdbus::Result<>&& result) override;
    void SetSelfStart(sdbus::Result<>&& result, bool enabled) override;
    void SetMode(sdbus::Result<>&& result, std::string mode, std::map<std::string, double> params,
                 std::map<std::string, sdbus::Variant> options) override;
    void ReadWorkingMode(sdbus::Result<std::string, std::map<std::string, double>>&& result) override;
    void ReadProtectionLimits(sdbus::Result<std::map<std::string, double>>&& result) override;
    void SetProtectionLimits(sdbus::Result<>&& result, std::map<std::string, double> limits) override;
    void ReadSetting(sdbus::Result<sdbus::Variant>&& result, std::string name) override;
    void WriteSetting(sdbus::Result<>&& result, std::string name, sdbus::Variant value) override;
    void SetClock(sdbus::Result<>&& result, uint64_t time) override;
    void ReadVersions(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) override;
    void SetPhasePower(sdbus::Result<>&& result, std::string kind, double phase_a, double phase_b,
                       double phase_c) override;
    void EmergencyStop(sdbus::Result<>&& result) override;
    void SetExternalDataSource(sdbus::Result<>&& result, std::string source,
                               std::map<std::string, sdbus::Variant> options) override;
    void SetExternalData(sdbus::Result<>&& result, double voltage_v, double current_a) override;
    std::map<std::string, sdbus::Struct<sdbus::Variant, uint64_t>> GetValues() override;
    std::tuple<std::vector<uint64_t>, std::map<std::string, std::vector<double>>> ReadHistory(
        const std::vector<std::string>& signals, const uint64_t& from_us, const uint64_t& to_us) override;
    std::vector<sdbus::Struct<uint64_t, uint64_t, std::string, std::string>> ReadEvents(const uint64_t& after) override;

    // The unique bus name of the caller of the method being handled.
    std::string caller();
    void note_stop_request(const std::string& sender);
    // Runs the read `go` for the caller (privileged or not), from the loop, later.
    template <class... T>
    void read(const SharedResult<T...>& r, std::function<void(const engine::Caller&)> go);
    // Checks the caller may change the module, then runs `go` (from the loop, later).
    template <class... T>
    void control(const SharedResult<T...>& r, const char* action, std::function<void()> go);
    // An operation that changes the module: `control`, then `go` with a completion that
    // journals the command (what, who, the outcome) and answers the caller.
    void command(const SharedResult<>& r, const char* action, std::string details,
                 std::function<void(std::function<void(ystpcs::Result<void>)>)> go);

    ServiceContext& context_;
    engine::Module& module_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    engine::ModuleChange pending_;  // what changed since the last PropertiesChanged
};

}  // namespace ystpcs::dbus
