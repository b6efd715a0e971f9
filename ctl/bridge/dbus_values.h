// Properties read over D-Bus as JSON: the bridge keeps, compares and publishes JSON only.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <sdbus-c++/Types.h>

namespace ystpcs::bridge {

std::map<std::string, nlohmann::json> to_json(const std::map<std::string, sdbus::Variant>& props);

}  // namespace ystpcs::bridge
