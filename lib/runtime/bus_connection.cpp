#include "runtime/bus_connection.h"

#include <sdbus-c++/sdbus-c++.h>

namespace ystpcs::runtime {

std::unique_ptr<sdbus::IConnection> open_bus_connection(const std::string& bus, const std::string& address) {
    if (!address.empty()) return sdbus::createSessionBusConnectionWithAddress(address);
    if (bus == "session") return sdbus::createSessionBusConnection();
    return sdbus::createSystemBusConnection();
}

std::string describe_bus(const std::string& bus, const std::string& address) {
    return !address.empty() ? "the bus at " + address : "the " + bus + " bus";
}

}  // namespace ystpcs::runtime
