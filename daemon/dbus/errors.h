// ystpcs errors as typed D-Bus errors: org.ystpcs.pcs1.Error.<Kind> with the message intact.
#pragma once

#include <sdbus-c++/Error.h>

#include "protocol/result.h"

namespace ystpcs::dbus {

sdbus::Error to_dbus_error(const Error& error);
sdbus::Error access_denied(const std::string& message);
sdbus::Error invalid_argument(const std::string& message);

}  // namespace ystpcs::dbus
