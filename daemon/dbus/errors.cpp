#include "daemon/dbus/errors.h"

#include "dbus/names.h"

namespace ystpcs::dbus {

sdbus::Error to_dbus_error(const Error& error) {
    switch (error.kind) {
        case ErrorKind::invalid_argument:
        case ErrorKind::out_of_range:
        case ErrorKind::interlock:
        case ErrorKind::busy:
        case ErrorKind::cancelled:
        case ErrorKind::limits_exceeded:
        case ErrorKind::timeout:
        case ErrorKind::rejected:
        case ErrorKind::not_connected:
            return sdbus::Error(std::string(kErrorPrefix) + error_kind_name(error.kind), error.message);
        case ErrorKind::not_decodable:
        case ErrorKind::io: break;
    }
    return sdbus::Error(std::string(kErrorPrefix) + "Failed", error.message);
}

sdbus::Error access_denied(const std::string& message) { return sdbus::Error(kAccessDenied, message); }

sdbus::Error invalid_argument(const std::string& message) {
    return to_dbus_error(make_error(ErrorKind::invalid_argument, message));
}

}  // namespace ystpcs::dbus
