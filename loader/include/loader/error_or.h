// Errors as values, for freestanding code (the loader, the kernel) and the host alike.
// Modelled on SerenityOS's ErrorOr and TRY: an Error is an errno (as Linux's init_module returns
// it) plus a static reason and an optional context string that names what failed, and a kind for
// the failures a caller words differently (the kernel's log uses Linux's messages for those).
#pragma once

#include <lkmemu/errno.h>

// Placement new without <new>, for freestanding builds; the host gets it from <new>.
#if __STDC_HOSTED__
#include <new>
#else
inline void* operator new(decltype(sizeof(0)), void* where) noexcept { return where; }
#endif

namespace lkm {

// What an Error's context holds, for the kinds a caller tells apart; Other is said by reason and
// context alone.
enum class ErrorKind : unsigned char {
    Other,
    UnknownSymbol,    // context: the symbol no export provides
    DuplicateExport,  // context: "symbol (owned by module)"
    InvalidParameter, // context: the complaint, e.g. "`zz' invalid for parameter `count'"
    AlreadyLoaded,    // context: the module's name
    Injected,         // a test hook's failure; context: where
    BadVersion,       // context: the symbol whose CRC differs ("disagrees about version of symbol")
    MissingNamespace, // context: "symbol namespace", a namespace the module does not import
};

struct Error {
    int code = 0;                 // positive errno value, e.g. LKM_ENOEXEC
    ErrorKind kind = ErrorKind::Other;
    const char* reason = "";      // static text: which check failed
    char context[160] = {};       // what it failed on: section, symbol, offset ...

    static Error from_errno(int code, const char* reason)
    {
        Error e;
        e.code = code;
        e.reason = reason;
        return e;
    }
    Error with_kind(ErrorKind k) const
    {
        Error e = *this;
        e.kind = k;
        return e;
    }
};

// Error with context, formatted by the caller into e.context (no allocation).
namespace detail {
template<typename T> struct RemoveRef { using Type = T; };
template<typename T> struct RemoveRef<T&> { using Type = T; };
template<typename T> struct RemoveRef<T&&> { using Type = T; };
template<typename T> constexpr T&& move(T& v) { return static_cast<T&&>(v); }
} // namespace detail

template<typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(T value) : m_has_value(true) { new (&m_storage.value) T(detail::move(value)); }
    ErrorOr(Error error) : m_has_value(false) { new (&m_storage.error) Error(error); }
    ErrorOr(ErrorOr&& other) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_storage.value) T(detail::move(other.m_storage.value));
        else
            new (&m_storage.error) Error(other.m_storage.error);
    }
    ErrorOr(const ErrorOr&) = delete;
    ErrorOr& operator=(const ErrorOr&) = delete;
    ~ErrorOr()
    {
        if (m_has_value)
            m_storage.value.~T();
    }

    bool is_error() const { return !m_has_value; }
    const Error& error() const { return m_storage.error; }
    T& value() { return m_storage.value; }
    const T& value() const { return m_storage.value; }
    T release_value() { return detail::move(m_storage.value); }
    Error release_error() { return m_storage.error; }

private:
    union Storage {
        Storage() {}
        ~Storage() {}
        T value;
        Error error;
    } m_storage;
    bool m_has_value;
};

template<>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr() = default;
    ErrorOr(Error error) : m_error(error), m_is_error(true) {}
    bool is_error() const { return m_is_error; }
    const Error& error() const { return m_error; }
    void release_value() {}
    Error release_error() { return m_error; }

private:
    Error m_error {};
    bool m_is_error = false;
};

} // namespace lkm

// TRY(expr): evaluate an ErrorOr, return its error from the enclosing function, or yield its value.
#define TRY(expression)                                                                            \
    ({                                                                                             \
        auto _lkm_result = (expression);                                                           \
        if (_lkm_result.is_error())                                                                \
            return _lkm_result.release_error();                                                    \
        _lkm_result.release_value();                                                               \
    })
