#include "daemon/dbus/variants.h"

#include <cstdint>
#include <string>

namespace ystpcs::dbus {

std::optional<double> number_of(const sdbus::Variant& v) {
    const std::string t = v.peekValueType();
    if (t == "d") return v.get<double>();
    if (t == "b") return v.get<bool>() ? 1.0 : 0.0;
    if (t == "y") return v.get<std::uint8_t>();
    if (t == "n") return v.get<std::int16_t>();
    if (t == "q") return v.get<std::uint16_t>();
    if (t == "i") return v.get<std::int32_t>();
    if (t == "u") return v.get<std::uint32_t>();
    if (t == "x") return static_cast<double>(v.get<std::int64_t>());
    if (t == "t") return static_cast<double>(v.get<std::uint64_t>());
    return std::nullopt;
}

}  // namespace ystpcs::dbus
