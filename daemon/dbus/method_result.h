// Helpers for asynchronous D-Bus methods: the sdbus::Result is shared with the engine's
// completion callback, every path answers exactly once, and nothing but sdbus::Error ever
// leaves a handler (sdbus-c++ 1.2 aborts on anything else).
#pragma once

#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "daemon/dbus/errors.h"
#include "dbus/names.h"

namespace ystpcs::dbus {

template <class... T>
using SharedResult = std::shared_ptr<sdbus::Result<T...>>;

template <class... T>
SharedResult<T...> share(sdbus::Result<T...>&& r) {
    return std::make_shared<sdbus::Result<T...>>(std::move(r));
}

template <class... T>
void answer_error(const SharedResult<T...>& r, const sdbus::Error& e) noexcept {
    try {
        r->returnError(e);
    } catch (const std::exception& x) {
        spdlog::warn("cannot send a D-Bus error reply: {}", x.what());
    }
}

template <class... T, class... V>
void answer(const SharedResult<T...>& r, const V&... values) noexcept {
    try {
        r->returnResults(values...);
    } catch (const std::exception& x) {
        spdlog::warn("cannot send a D-Bus reply: {}", x.what());
    }
}

// Runs `fn`; any exception becomes the method's error reply.
template <class... T, class F>
void guarded(const SharedResult<T...>& r, F&& fn) noexcept {
    try {
        fn();
    } catch (const sdbus::Error& e) {
        answer_error(r, e);
    } catch (const std::exception& e) {
        answer_error(r, sdbus::Error(std::string(kErrorPrefix) + "Failed", e.what()));
    } catch (...) {
        answer_error(r, sdbus::Error(std::string(kErrorPrefix) + "Failed", "internal error"));
    }
}

// The completion of an engine operation without a value.
inline auto reply_void(const SharedResult<>& r) {
    return [r](ystpcs::Result<void> res) {
        if (res) answer(r);
        else answer_error(r, to_dbus_error(res.error()));
    };
}

}  // namespace ystpcs::dbus
