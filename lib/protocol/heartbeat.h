// Frame 0x1A (3.4), the controller's heartbeat, is also "external device data": bytes 1–4
// carry a DC voltage and current measured by the controller, byte 5 its running state. A
// controller that measures nothing sends 0 V and 0 A, and the reference adds that only PCS
// ARM firmware newer than BT02.02.01V02.01.38 accepts those zeros. The rule lives here, once,
// for the controller (which warns) and for the simulator (which plays the older firmware).
#pragma once

#include <array>
#include <cstdint>

#include "protocol/codec.h"
#include "protocol/firmware_version.h"

namespace ystpcs::protocol {

struct ExternalDeviceData {
    double dc_voltage_v = 0;
    double dc_current_a = 0;
    friend bool operator==(const ExternalDeviceData&, const ExternalDeviceData&) = default;
};

// Encodes a heartbeat through the protocol table: values outside the fields' ranges
// (0 … 1000 V, −1000 … 1000 A) are refused with an error naming the field, never clamped.
Result<CanFrame> encode_heartbeat(std::uint8_t address, const ExternalDeviceData& data, std::uint8_t controller_state);
// The same check without a frame: what a client's values must satisfy.
Result<void> check_external_device_data(const ExternalDeviceData& data);

// The external-device data of a decoded heartbeat.
ExternalDeviceData external_device_data(const DecodedFrame& heartbeat);
// True when the heartbeat carries the "no measurement" payload: 0 V and 0 A as encoded
// (raw 0 and raw 10000), i.e. anything that rounds to zero at the fields' 0.1 resolution.
bool carries_zero_dc(const DecodedFrame& heartbeat);
bool carries_zero_dc(const CanFrame& heartbeat);

// Decision: "newer than BT02.02.01V02.01.38" is read as the ARM *software* version (bytes
// 4–6 of 0x34) being newer than 2.1.38, compared as V, then B, then D. The leading
// "BT02.02.01" is taken for the hardware part and not compared: the reference ties the
// behaviour to the firmware, and 0x34 reports hardware and software separately.
inline constexpr std::array<std::uint8_t, 3> kLastArmSoftwareRefusingZeroDc{2, 1, 38};
bool accepts_zero_dc(const FirmwareVersion& arm);

}  // namespace ystpcs::protocol
