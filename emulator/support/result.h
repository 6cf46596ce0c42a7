// Errors as values on the host: Result<T> holds a T or an Error whose message says what failed
// and why, ready to print. The host counterpart of loader/'s lkm::ErrorOr (which carries an errno
// for the guest); host code has std::string and uses it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace lkmemu {

struct Error {
    std::string message;
};

inline Error make_error(std::string message) { return Error { std::move(message) }; }

template<typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_value(std::move(error)) {}

    bool is_error() const { return std::holds_alternative<Error>(m_value); }
    explicit operator bool() const { return !is_error(); }
    const Error& error() const { return std::get<Error>(m_value); }
    T& value() { return std::get<T>(m_value); }
    const T& value() const { return std::get<T>(m_value); }
    T release_value() { return std::move(std::get<T>(m_value)); }
    Error release_error() { return std::move(std::get<Error>(m_value)); }

private:
    std::variant<T, Error> m_value;
};

template<>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_is_error(true) {}

    bool is_error() const { return m_is_error; }
    explicit operator bool() const { return !m_is_error; }
    const Error& error() const { return m_error; }
    void release_value() {}
    Error release_error() { return std::move(m_error); }

private:
    Error m_error;
    bool m_is_error = false;
};

} // namespace lkmemu

// LKMEMU_TRY(expr): yield the value of a Result, or return its error from the enclosing function.
#define LKMEMU_TRY(expression)                                                                     \
    ({                                                                                             \
        auto _lkmemu_result = (expression);                                                        \
        if (_lkmemu_result.is_error())                                                             \
            return _lkmemu_result.release_error();                                                 \
        _lkmemu_result.release_value();                                                            \
    })
