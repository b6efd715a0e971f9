// The part of the D-Bus contract that derives from the protocol table: one property of
// org.ystpcs.pcs1.Module per value a PCS reports, and the C++ getters implementing them.
#pragma once

#include <string>

#include "protocol/signal.h"

namespace ystpcs::generators {

// The <property> elements between the BEGIN/END markers of dbus/org.ystpcs.pcs1.Module.xml.
std::string module_value_properties_xml();

// The same properties as a Markdown table, for docs/dbus-api.md (same markers).
std::string module_value_properties_markdown();

// Replaces the generated block of an XML document; empty result if the markers are missing.
std::string with_generated_block(const std::string& xml, const std::string& block);

// A header with class ystpcs::dbus::ModuleValueProperties implementing every getter.
std::string module_value_mixin_header(const std::string& adaptor_header);

}  // namespace ystpcs::generators
