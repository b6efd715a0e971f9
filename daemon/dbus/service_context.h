// What every D-Bus object of the daemon works with.
#pragma once

#include <functional>

#include "daemon/dbus/authorizer.h"
#include "engine/module_recorder.h"
#include "engine/operations.h"
#include "engine/rack.h"
#include "profile/runs.h"

namespace ystpcs::dbus {

struct ServiceContext {
    engine::Rack& rack;
    engine::Operations& ops;
    Authorizer& authorizer;
    engine::ModuleRecorder& recorder;
    profile::ProfileRuns* runs = nullptr;  // null: no profile runs (tests of the adaptors)
};

}  // namespace ystpcs::dbus
