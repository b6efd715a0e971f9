#include "protocol/signal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ystpcs::protocol {

namespace {

double pow10(int exp) {
    double r = 1.0;
    for (int i = 0; i < (exp < 0 ? -exp : exp); ++i) r *= 10.0;
    return exp < 0 ? 1.0 / r : r;
}

// Raw → engineering by dividing by 10^-exp rather than multiplying by 10^exp: 4000 / 10 is
// exactly the double nearest 400.0, while 4000 * 0.1 is not.
double scale_raw(std::int64_t raw, int exp) {
    const double r = static_cast<double>(raw);
    return exp < 0 ? r / pow10(-exp) : r * pow10(exp);  // pow10(-exp) is a whole number here
}

}  // namespace

std::string format_number(double value, int max_decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", max_decimals, value);
    std::string shown = buf;
    if (shown.find('.') != std::string::npos) {
        while (shown.back() == '0') shown.pop_back();
        if (shown.back() == '.') shown.pop_back();
    }
    return shown;
}

std::string_view raw_type_name(RawType t) {
    switch (t) {
        case RawType::u8: return "u8";
        case RawType::u16: return "u16";
        case RawType::u32: return "u32";
        case RawType::i16: return "i16";
        case RawType::i32: return "i32";
    }
    return "?";
}

std::string_view enum_text(const EnumDef& def, std::int64_t raw) {
    for (const auto& e : def.entries)
        if (e.value == raw) return e.name;
    if (def.fallback) return def.fallback(raw);
    return "unknown";
}

std::optional<std::int64_t> enum_value(const EnumDef& def, std::string_view name) {
    for (const auto& e : def.entries)
        if (e.name == name) return e.value;
    return std::nullopt;
}

bool enum_lists(const EnumDef& def, std::int64_t raw) {
    for (const auto& e : def.entries)
        if (e.value == raw) return true;
    return false;
}

Range valid_range(const SignalDef& sig) {
    if (sig.range) return *sig.range;
    if (sig.enumeration && sig.enumeration->closed && !sig.enumeration->entries.empty()) {
        Range r{static_cast<double>(sig.enumeration->entries[0].value), static_cast<double>(sig.enumeration->entries[0].value)};
        for (const auto& e : sig.enumeration->entries) {
            r.min = std::min(r.min, static_cast<double>(e.value));
            r.max = std::max(r.max, static_cast<double>(e.value));
        }
        return r;
    }
    return Range{to_engineering(sig, raw_min(sig.type)), to_engineering(sig, raw_max(sig.type))};
}

double to_engineering(const SignalDef& sig, std::int64_t raw) {
    // With an offset, one division of whole numbers: 4152 × 0.1 − 50 as (4152 − 500) / 10 is the
    // double nearest 365.2, while 415.2 − 50 is 365.20000000000005 (binary noise every printer
    // of shortest round-trip digits shows). Every offset of the table is a whole number of steps.
    if (sig.scale_exp < 0 && sig.offset != 0) {
        const double steps_per_unit = pow10(-sig.scale_exp);
        const double offset_steps = sig.offset * steps_per_unit;
        if (offset_steps == std::round(offset_steps))
            return (static_cast<double>(raw) + offset_steps) / steps_per_unit;
    }
    return scale_raw(raw, sig.scale_exp) + sig.offset;
}

int decimals(const SignalDef& sig) { return sig.scale_exp < 0 ? -sig.scale_exp : 0; }

std::string format_value(const SignalDef& sig, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals(sig), value);
    return buf;
}

std::string format_range(const SignalDef& sig) {
    const Range r = valid_range(sig);
    std::string out = format_value(sig, r.min) + " … " + format_value(sig, r.max);
    if (!sig.unit.empty()) {
        out += ' ';
        out += sig.unit;
    }
    return out;
}

std::string qualified_name(std::string_view owner, const SignalDef& sig) {
    return std::string(owner) + "." + std::string(sig.name);
}

Result<std::int64_t> to_raw(const SignalDef& sig, double value, std::string_view owner) {
    const auto name = [&] { return qualified_name(owner, sig); };
    if (!std::isfinite(value))
        return make_error(ErrorKind::invalid_argument, name() + ": value is not a finite number");
    // Tolerate floating-point noise only (a millionth of a step), never a real excess.
    const double slack = pow10(sig.scale_exp) * 1e-6;
    if (sig.enumeration && sig.enumeration->closed) {
        const double code = std::round(value);
        // Enumeration codes are small; the bound keeps the conversion to int64 defined.
        const bool whole = std::fabs(value - code) <= slack && std::fabs(code) < 1e15;
        if (!whole || !enum_lists(*sig.enumeration, static_cast<std::int64_t>(code))) {
            std::string allowed;
            for (const auto& e : sig.enumeration->entries) {
                if (!allowed.empty()) allowed += ", ";
                allowed += std::to_string(e.value) + " (" + std::string(e.name) + ")";
            }
            return make_error(ErrorKind::out_of_range, name() + " = " + format_number(value, 3) +
                                                           " is not one of the allowed values: " + allowed);
        }
    }
    const Range r = valid_range(sig);
    if (value < r.min - slack || value > r.max + slack)
        return make_error(ErrorKind::out_of_range, name() + " = " + format_number(value, decimals(sig) + 3) +
                                                       (sig.unit.empty() ? "" : " ") + std::string(sig.unit) +
                                                       " is outside the allowed range " + format_range(sig));
    // Multiply by 10^-exp, a whole number, rather than divide by the inexact 10^exp.
    const double steps = (value - sig.offset) * pow10(-sig.scale_exp);
    const auto raw = static_cast<std::int64_t>(std::llround(steps));
    // Ranges are checked to fit their raw type (tests), so this only guards a broken table:
    // refuse rather than clamp or wrap.
    if (raw < raw_min(sig.type) || raw > raw_max(sig.type))
        return make_error(ErrorKind::out_of_range, name() + ": " + std::to_string(raw) + " does not fit the field's " +
                                                       std::string(raw_type_name(sig.type)) + " encoding");
    return raw;
}

std::int64_t extract_raw(const SignalDef& sig, const std::array<std::uint8_t, kPayloadBytes>& data) {
    const int width = byte_width(sig.type);
    const int first = sig.first_byte - 1;
    std::uint64_t u = 0;
    for (int i = 0; i < width; ++i) u = (u << 8) | data[static_cast<std::size_t>(first + i)];  // big-endian
    switch (sig.type) {
        case RawType::i16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(u));
        case RawType::i32: return static_cast<std::int32_t>(static_cast<std::uint32_t>(u));
        default: return static_cast<std::int64_t>(u);
    }
}

void insert_raw(const SignalDef& sig, std::int64_t raw, std::array<std::uint8_t, kPayloadBytes>& data) {
    const int width = byte_width(sig.type);
    const int first = sig.first_byte - 1;
    auto u = static_cast<std::uint64_t>(raw);  // two's complement for the signed types
    for (int i = width - 1; i >= 0; --i) {
        data[static_cast<std::size_t>(first + i)] = static_cast<std::uint8_t>(u & 0xFF);
        u >>= 8;
    }
}

}  // namespace ystpcs::protocol
