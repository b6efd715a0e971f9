#include "bridge/dbus_values.h"

#include "dbus/variant_json.h"

namespace ystpcs::bridge {

std::map<std::string, nlohmann::json> to_json(const std::map<std::string, sdbus::Variant>& props) {
    std::map<std::string, nlohmann::json> out;
    for (const auto& [name, v] : props) out[name] = dbus::variant_to_json<nlohmann::json>(v);
    return out;
}

}  // namespace ystpcs::bridge
