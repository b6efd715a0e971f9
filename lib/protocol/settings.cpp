#include "protocol/settings.h"

namespace ystpcs::protocol {

const SettingDef* find_setting(std::int64_t type) {
    for (const auto& s : kSettings)
        if (s.type == type) return &s;
    return nullptr;
}

const SettingDef* find_setting(std::string_view name) {
    for (const auto& s : kSettings)
        if (s.name == name) return &s;
    return nullptr;
}

const SettingDef* find_setting_by_write_pf(std::uint8_t pf) {
    for (const auto& s : kSettings)
        if (s.write_pf != 0 && s.write_pf == pf) return &s;
    return nullptr;
}

const ProtectionSetDef* find_protection_set(std::int64_t type) {
    for (const auto& p : kProtectionSets)
        if (p.type == type) return &p;
    return nullptr;
}

const ProtectionSetDef* find_protection_set_by_write_pf(std::uint8_t pf) {
    for (const auto& p : kProtectionSets)
        if (p.write_pf == pf) return &p;
    return nullptr;
}

}  // namespace ystpcs::protocol
