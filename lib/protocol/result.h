// Result<T>: a value or an Error, used instead of exceptions across every layer.
// The daemon must never let an exception escape into the event loop or into sdbus-c++
// (which aborts on anything but sdbus::Error), so fallible operations return Result.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace ystpcs {

// The error categories map one-to-one onto the D-Bus error names of the API
// (org.ystpcs.pcs1.Error.<Kind>), so a caller learns the same thing on every path.
enum class ErrorKind {
    invalid_argument,  // malformed or unknown input (names, syntax, missing fields)
    out_of_range,      // a value outside the field's or the module's allowed range
    interlock,         // refused by a safety interlock; nothing was sent
    busy,              // too much waiting already (queue full, rate limit, shutting down): try later
    cancelled,         // ended before it completed: a stop superseded it, or the module was removed
    limits_exceeded,   // a per-caller or total resource limit (frame streams)
    timeout,           // the PCS did not answer in time
    rejected,          // the PCS answered "failure"
    not_connected,     // the module is not communicating
    not_decodable,     // a CAN frame that is not PCS protocol traffic for us
    io,                // an operating-system call failed
};

const char* error_kind_name(ErrorKind kind) noexcept;

struct Error {
    ErrorKind kind = ErrorKind::invalid_argument;
    std::string message;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    const T& value() const& { check(); return std::get<0>(state_); }
    T& value() & { check(); return std::get<0>(state_); }
    T&& value() && { check(); return std::get<0>(std::move(state_)); }
    const T* operator->() const { return &value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        if (ok()) throw std::logic_error("Result::error() called on a success");
        return std::get<1>(state_);
    }

private:
    void check() const {
        if (!ok()) throw std::logic_error("Result::value() called on an error: " + std::get<1>(state_).message);
    }
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    const Error& error() const {
        if (!failed_) throw std::logic_error("Result::error() called on a success");
        return error_;
    }

private:
    Error error_;
    bool failed_ = false;
};

inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

}  // namespace ystpcs
