// Generic encode/decode of every frame, in both directions, driven by the frame table.
// Decoding never throws and never reads past the payload: anything that is not a frame of
// the table arriving in its direction yields NotDecodable with a reason.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/can_frame.h"
#include "protocol/can_id.h"
#include "protocol/frames.h"
#include "protocol/result.h"

namespace ystpcs::protocol {

inline constexpr std::size_t kMaxSignals = 8;

struct DecodedFrame {
    const FrameDef* def = nullptr;
    Ownership owner;   // traffic direction and the PCS it belongs to
    std::array<std::int64_t, kMaxSignals> raw{};
    std::array<double, kMaxSignals> value{};  // engineering values, aligned with def->signals

    double get(SignalRef ref) const { return value[ref.index]; }
    std::int64_t get_raw(SignalRef ref) const { return raw[ref.index]; }
    std::size_t size() const { return def ? def->signals.size() : 0; }
};

enum class DecodeIssue {
    not_pcs_traffic,  // see NotDecodable::not_pcs for the §1 rule that excludes it
    unknown_pf,       // PCS traffic whose PF the reference does not define
    wrong_direction,  // a PF defined for the other direction (e.g. a "PCS reply" sent to a PCS)
};

struct NotDecodable {
    DecodeIssue issue = DecodeIssue::not_pcs_traffic;
    NotPcsReason not_pcs = NotPcsReason::none;
    std::string reason;
};

class DecodeOutcome {
public:
    DecodeOutcome(DecodedFrame frame) : frame_(frame) {}  // NOLINT
    DecodeOutcome(NotDecodable failure) : failure_(std::move(failure)) {}  // NOLINT
    bool ok() const noexcept { return frame_.has_value(); }
    const DecodedFrame& frame() const { return frame_.value(); }
    const NotDecodable& failure() const { return failure_; }

private:
    std::optional<DecodedFrame> frame_;
    NotDecodable failure_;
};

DecodeOutcome decode(const CanFrame& frame) noexcept;

// Engineering values aligned with a frame's signals.
using SignalValues = std::array<double, kMaxSignals>;
// Values by field name; every field of the frame must be present, no other may be.
using NamedValues = std::map<std::string, double, std::less<>>;

// `address` is the PCS: destination for controller→PCS frames (0 = broadcast, which only
// the caller may decide), source for PCS→controller frames.
Result<CanFrame> encode(const FrameDef& def, std::uint8_t address, std::span<const double> values);
Result<CanFrame> encode(std::uint8_t pf, std::uint8_t address, std::span<const double> values);
Result<CanFrame> encode_named(const FrameDef& def, std::uint8_t address, const NamedValues& values);

NamedValues named_values(const DecodedFrame& frame);
std::string qualified_name(const FrameDef& def, const SignalDef& sig);
std::string field_list(const FrameDef& def);

// Checks a decoded frame's values against the table's ranges and closed enumerations, as a
// PCS does with a command before acting on it.
Result<void> check_values(const DecodedFrame& frame);

}  // namespace ystpcs::protocol
