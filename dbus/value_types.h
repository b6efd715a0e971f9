// The D-Bus type of a value property of org.ystpcs.pcs1.Module, from its signal in the
// protocol table: integers for enumerations and unscaled counts, double for everything with a
// unit or a scale. The generated XML (ystpcs-codegen) and GetValues both use it.
#pragma once

#include "protocol/signal.h"

namespace ystpcs::dbus {

inline char dbus_value_type(const protocol::SignalDef& sig) {
    const bool integral = sig.enumeration != nullptr || (sig.scale_exp == 0 && sig.offset == 0 && sig.unit.empty());
    if (!integral) return 'd';
    switch (sig.type) {
        case protocol::RawType::u8: return 'y';
        case protocol::RawType::u16: return 'q';
        case protocol::RawType::u32: return 'u';
        default: return 'd';
    }
}

}  // namespace ystpcs::dbus
