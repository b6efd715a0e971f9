// A pcsctl sub-command: its name, help and entry point.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ystpcs::ctl {

struct GlobalOptions {
    bool json = false;
    std::string bus = "system";   // "system" or "session" (PCSCTL_BUS, then --bus)
    std::string bus_address;      // overrides bus
    std::vector<std::string> modules;  // -m, repeatable: "can0/250", "250", "all"; empty: none given
    double timeout_s = 30;        // per D-Bus call (wait: the whole wait)
    bool timeout_given = false;
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
int run_history(const GlobalOptions& global, std::span<const std::string> args);
int run_list_interfaces(const GlobalOptions& global, std::span<const std::string> args);
int run_list(const GlobalOptions& global, std::span<const std::string> args);
int run_export(const GlobalOptions& global, std::span<const std::string> args);
int run_get(const GlobalOptions& global, std::span<const std::string> args);
int run_wait(const GlobalOptions& global, std::span<const std::string> args);
int run_phase_power(const GlobalOptions& global, std::span<const std::string> args);
int run_forget(const GlobalOptions& global, std::span<const std::string> args);
int run_broadcast_stop(const GlobalOptions& global, std::span<const std::string> args);
int run_profile(const GlobalOptions& global, std::span<const std::string> args);

}  // namespace ystpcs::ctl
