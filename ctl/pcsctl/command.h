// A pcsctl sub-command: its name, help and entry point.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ystpcs::ctl {

struct GlobalOptions {
    bool json = false;
    std::string bus = "system";   // "system" or "session"
    std::string bus_address;      // overrides bus
    std::string module;           // -m: "can0/250", "250", or empty
    double timeout_s = 30;        // per D-Bus call
};

struct Command {
    std::string_view name;
    std::string_view alias;     // e.g. "enable" for "start"; empty if none
    std::string_view summary;   // one line for `pcsctl --help`
    std::string_view usage;     // full help for `pcsctl CMD --help`
    int (*run)(const GlobalOptions& global, std::span<const std::string> args);
};

int run_decode(const GlobalOptions& global, std::span<const std::string> args);
int run_faults(const GlobalOptions& global, std::span<const std::string> args);
int run_status(const GlobalOptions& global, std::span<const std::string> args);
int run_monitor(const GlobalOptions& global, std::span<const std::string> args);
int run_start(const GlobalOptions& global, std::span<const std::string> args);
int run_stop(const GlobalOptions& global, std::span<const std::string> args);
int run_reset_faults(const GlobalOptions& global, std::span<const std::string> args);
int run_estop(const GlobalOptions& global, std::span<const std::string> args);
int run_set(const GlobalOptions& global, std::span<const std::string> args);
int run_limits(const GlobalOptions& global, std::span<const std::string> args);
int run_setting(const GlobalOptions& global, std::span<const std::string> args);
int run_self_start(const GlobalOptions& global, std::span<const std::string> args);
int run_external_data(const GlobalOptions& global, std::span<const std::string> args);
int run_version(const GlobalOptions& global, std::span<const std::string> args);
int run_clock(const GlobalOptions& global, std::span<const std::string> args);
int run_record(const GlobalOptions& global, std::span<const std::string> args);
int run_log(const GlobalOptions& global, std::span<const std::string> args);
int run_list_interfaces(const GlobalOptions& global, std::span<const std::string> args);
int run_list(const GlobalOptions& global, std::span<const std::string> args);
int run_profile(const GlobalOptions& global, std::span<const std::string> args);

}  // namespace ystpcs::ctl
