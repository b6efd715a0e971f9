#include "protocol/heartbeat.h"

#include <algorithm>

namespace ystpcs::protocol {

namespace {
constexpr auto kVoltage = signal_ref(pf::heartbeat, "dc_voltage_v");
constexpr auto kCurrent = signal_ref(pf::heartbeat, "dc_current_a");
}  // namespace

Result<CanFrame> encode_heartbeat(std::uint8_t address, const ExternalDeviceData& data, std::uint8_t controller_state) {
    SignalValues values{};
    values[kVoltage.index] = data.dc_voltage_v;
    values[kCurrent.index] = data.dc_current_a;
    values[signal_ref(pf::heartbeat, "state").index] = controller_state;
    const FrameDef& def = *find_frame(pf::heartbeat);
    return encode(def, address, std::span<const double>(values.data(), def.signals.size()));
}

Result<void> check_external_device_data(const ExternalDeviceData& data) {
    // Any PCS address and state will do: only the two DC fields can fail.
    const auto f = encode_heartbeat(1, data, 2);
    if (!f) return f.error();
    return {};
}

ExternalDeviceData external_device_data(const DecodedFrame& heartbeat) {
    return {heartbeat.get(kVoltage), heartbeat.get(kCurrent)};
}

bool carries_zero_dc(const DecodedFrame& heartbeat) {
    return heartbeat.def != nullptr && heartbeat.def->pf == pf::heartbeat && heartbeat.get(kVoltage) == 0.0 &&
           heartbeat.get(kCurrent) == 0.0;
}

bool carries_zero_dc(const CanFrame& heartbeat) {
    const auto d = decode(heartbeat);
    return d.ok() && carries_zero_dc(d.frame());
}

bool accepts_zero_dc(const FirmwareVersion& arm) {
    return std::lexicographical_compare(kLastArmSoftwareRefusingZeroDc.begin(), kLastArmSoftwareRefusingZeroDc.end(),
                                        arm.begin() + 3, arm.end());
}

}  // namespace ystpcs::protocol
