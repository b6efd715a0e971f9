// What every D-Bus object of the daemon works with.
#pragma once

#include <functional>

#include "daemon/dbus/authorizer.h"
#include "engine/module_recorder.h"
#include "engine/operations.h"
#include "engine/rack.h"

namespace ystpcs::dbus {

struct ServiceContext {
    engine::Rack& rack;
    engine::Operations& ops;
    Authorizer& authorizer;
    engine::ModuleRecorder& recorder;
};

}  // namespace ystpcs::dbus
