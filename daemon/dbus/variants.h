// Numbers from the variants clients send: any D-Bus integer, double or boolean.
#pragma once

#include <optional>

#include <sdbus-c++/Types.h>

namespace ystpcs::dbus {

std::optional<double> number_of(const sdbus::Variant& v);

}  // namespace ystpcs::dbus
