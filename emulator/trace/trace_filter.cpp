#include "trace/trace_filter.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace lkmemu::trace {

namespace {

lkm::Error filter_error(const char* reason, std::string_view text)
{
    auto error = lkm::Error::from_errno(LKM_EINVAL, reason);
    auto length = std::min(text.size(), sizeof error.context - 1);
    std::memcpy(error.context, text.data(), length);
    error.context[length] = '\0';
    return error;
}

bool parse_hex(std::string_view text, uint64_t& value)
{
    if (text.starts_with("0x") || text.starts_with("0X"))
        text.remove_prefix(2);
    if (text.empty())
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return ec == std::errc {} && end == text.data() + text.size();
}

} // namespace

bool TraceFilter::matches(uint64_t address, std::string_view module_name) const
{
    switch (kind) {
    case Kind::All: return true;
    case Kind::Kernel: return address >= kernel_space_start;
    case Kind::User: return address < user_space_end;
    case Kind::Module: return module_name == module;
    case Kind::Range: return address >= begin && address < end;
    }
    return false;
}

uint64_t TraceFilter::hook_first() const
{
    switch (kind) {
    case Kind::Kernel: return kernel_space_start;
    case Kind::Range: return begin;
    default: return 0;
    }
}

uint64_t TraceFilter::hook_last() const
{
    switch (kind) {
    case Kind::User: return user_space_end - 1;
    case Kind::Range: return end - 1;
    default: return std::numeric_limits<uint64_t>::max();
    }
}

lkm::ErrorOr<TraceFilter> parse_trace_filter(std::string_view text)
{
    TraceFilter filter;
    if (text == "kernel") {
        filter.kind = TraceFilter::Kind::Kernel;
        return filter;
    }
    if (text == "user") {
        filter.kind = TraceFilter::Kind::User;
        return filter;
    }
    if (text.starts_with("module:")) {
        filter.kind = TraceFilter::Kind::Module;
        filter.module = std::string(text.substr(std::strlen("module:")));
        if (filter.module.empty())
            return filter_error("module: needs a module name (module:NAME)", text);
        return filter;
    }
    auto dash = text.find('-');
    if (dash == std::string_view::npos)
        return filter_error("expected kernel, user, module:NAME or BEGIN-END", text);
    filter.kind = TraceFilter::Kind::Range;
    if (!parse_hex(text.substr(0, dash), filter.begin) || !parse_hex(text.substr(dash + 1), filter.end))
        return filter_error("BEGIN-END must be two hex addresses", text);
    if (filter.begin >= filter.end)
        return filter_error("BEGIN must be below END (the range is [BEGIN, END))", text);
    return filter;
}

} // namespace lkmemu::trace
