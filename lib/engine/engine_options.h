// Tunables of the engine; the daemon fills them from its configuration file.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "engine/external_data.h"
#include "runtime/event_loop.h"

namespace ystpcs::engine {

struct EngineOptions {
    runtime::Duration heartbeat_period = std::chrono::milliseconds(200);  // spec §2
    runtime::Duration link_timeout = std::chrono::seconds(1);   // no frame for this long: communication lost
    runtime::Duration reply_timeout = std::chrono::seconds(1);
    int retries = 2;                                            // for idempotent commands
    runtime::Duration stop_wait = std::chrono::seconds(10);     // stop_first: wait this long for the stop
    // A start while the module runs its self-check (state 9, after power-on) waits this long
    // for it to end; a PCS refuses to start during it.
    runtime::Duration ready_wait = std::chrono::seconds(10);
    // After a start (stop) was accepted, how long to wait for the module to report running
    // (stopped): the next operation is planned on the reported state.
    runtime::Duration start_confirm_wait = std::chrono::seconds(3);
    bool discovery = true;                                      // a PCS that sends frames appears
    // The heartbeat's external-device data: every module's, unless listed by its key
    // ("can0/250").
    ExternalDataPolicy external_data;
    std::map<std::string, ExternalDataPolicy> external_data_by_module;
    ExternalDataPolicy external_data_for(const std::string& module_key) const {
        const auto it = external_data_by_module.find(module_key);
        return it == external_data_by_module.end() ? external_data : it->second;
    }
};

}  // namespace ystpcs::engine
