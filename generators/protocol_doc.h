// docs/protocol-table.md, rendered from the protocol table.
#pragma once

#include <string>

namespace ystpcs::generators {
std::string protocol_table_markdown();
}
