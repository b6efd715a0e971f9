// Opening a D-Bus connection the way every ystpcs program names its bus: "system" (the
// default), "session", or an explicit address (tests, demos), which wins.
#pragma once

#include <memory>
#include <string>

#include <sdbus-c++/IConnection.h>

namespace ystpcs::runtime {

// Throws sdbus::Error when the bus cannot be reached.
std::unique_ptr<sdbus::IConnection> open_bus_connection(const std::string& bus, const std::string& address);

// "the bus at unix:path=...", "the system bus": for messages.
std::string describe_bus(const std::string& bus, const std::string& address);

}  // namespace ystpcs::runtime
