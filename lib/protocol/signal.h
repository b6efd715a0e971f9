// The vocabulary of the declarative protocol table: how one field of a frame is laid out,
// scaled, bounded and named. Every codec, decoder output, D-Bus property list and generated
// document reads these definitions; nothing else restates a layout.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/can_frame.h"
#include "protocol/result.h"

namespace ystpcs::protocol {

enum class RawType : std::uint8_t { u8, u16, u32, i16, i32 };

constexpr int byte_width(RawType t) {
    switch (t) {
        case RawType::u8: return 1;
        case RawType::u16: case RawType::i16: return 2;
        case RawType::u32: case RawType::i32: return 4;
    }
    return 0;
}
constexpr bool is_signed(RawType t) { return t == RawType::i16 || t == RawType::i32; }
constexpr std::int64_t raw_min(RawType t) {
    switch (t) {
        case RawType::i16: return -32768;
        case RawType::i32: return -2147483648LL;
        default: return 0;
    }
}
constexpr std::int64_t raw_max(RawType t) {
    switch (t) {
        case RawType::u8: return 0xFF;
        case RawType::u16: return 0xFFFF;
        case RawType::u32: return 0xFFFFFFFFLL;
        case RawType::i16: return 32767;
        case RawType::i32: return 2147483647LL;
    }
    return 0;
}
std::string_view raw_type_name(RawType t);

struct EnumEntry {
    std::int64_t value;
    std::string_view name;
};

// Names for the raw values of an enumerated field. `closed` enums refuse unlisted values
// on encode (a command byte that may only be 0 or 1); open ones accept any raw value in
// range and describe unlisted values with `fallback` (e.g. "failure" for result codes).
struct EnumDef {
    std::string_view name;
    std::span<const EnumEntry> entries;
    bool closed = true;
    std::string_view (*fallback)(std::int64_t raw) = nullptr;
};

std::string_view enum_text(const EnumDef& def, std::int64_t raw);
std::optional<std::int64_t> enum_value(const EnumDef& def, std::string_view name);
bool enum_lists(const EnumDef& def, std::int64_t raw);

struct Range {
    double min = 0;
    double max = 0;
};

struct SignalDef {
    std::string_view name;      // snake_case, unit as suffix (_v, _a, _kw, ...): the JSON key
    std::uint8_t first_byte;    // 1-based, as numbered in the vendor document
    RawType type;
    std::int8_t scale_exp = 0;  // value = raw * 10^scale_exp + offset; every scale in the spec is a power of ten
    double offset = 0.0;
    std::string_view unit = "";
    std::optional<Range> range = std::nullopt;  // engineering range; none = what the raw type can hold
    const EnumDef* enumeration = nullptr;
    std::string_view text_key = "";        // decoder key for the enum's text ("state_name", "fault_text")
    std::string_view property = "";        // D-Bus property of org.ystpcs.pcs1.Module (reading/periodic frames)
    std::string_view text_property = "";   // D-Bus property holding the enum's text
    std::string_view description = "";
};

// The engineering range a field accepts: the spec's range, a closed enumeration's lowest to
// highest value, or what the raw type can carry.
Range valid_range(const SignalDef& sig);
double to_engineering(const SignalDef& sig, std::int64_t raw);
// Rounds to the nearest raw step (0.3 V at 0.1 V/bit is 3, not 2) and refuses values outside
// the field's range, non-finite values and, for closed enums, unlisted values. The error names
// the field as `owner`.name ("write_protection_1.max_output_voltage_v"), built only then: the
// heartbeat is encoded five times a second per module.
Result<std::int64_t> to_raw(const SignalDef& sig, double value, std::string_view owner);
// "owner.field", how errors name a field of a frame or a mode.
std::string qualified_name(std::string_view owner, const SignalDef& sig);

std::int64_t extract_raw(const SignalDef& sig, const std::array<std::uint8_t, kPayloadBytes>& data);
void insert_raw(const SignalDef& sig, std::int64_t raw, std::array<std::uint8_t, kPayloadBytes>& data);

// "0.0 … 1000.0 V" with the field's own resolution.
std::string format_range(const SignalDef& sig);
std::string format_value(const SignalDef& sig, double value);
// A value as a person typed it: at most `max_decimals`, trailing zeros dropped ("1000.1").
std::string format_number(double value, int max_decimals);
int decimals(const SignalDef& sig);

}  // namespace ystpcs::protocol
