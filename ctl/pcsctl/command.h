// A pcsctl sub-command: its name, help and entry point.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ystpcs::ctl {

struct GlobalOptions {
    bool json = false;
};

struct Command {
    std::string_view name;
    std::string_view alias;     // e.g. "enable" for "start"; empty if none
    std::string_view summary;   // one line for `pcsctl --help`
    std::string_view usage;     // full help for `pcsctl CMD --help`
    int (*run)(const GlobalOptions& global, std::span<const std::string> args);
};

int run_decode(const GlobalOptions& global, std::span<const std::string> args);

}  // namespace ystpcs::ctl
