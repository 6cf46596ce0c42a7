#include "trace/tracer.h"

#include <lkmemu/errno.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <memory>

namespace lkmemu::trace {

namespace {

// x86 instructions are at most 15 bytes; the bytes column fits most in 21 characters.
constexpr size_t max_instruction_bytes = 15;

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string hex_bytes(std::span<const uint8_t> bytes)
{
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i)
        out += fmt::format("{}{:02x}", i ? " " : "", bytes[i]);
    return out;
}

} // namespace

std::string_view exception_mnemonic(uint8_t vector)
{
    static constexpr std::string_view names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector", "#TS",
        "#NP", "#SS", "#GP", "#PF", "vector", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    };
    return vector < std::size(names) ? names[vector] : "vector";
}

Tracer::Tracer(Disassembler disassembler, TraceFilter filter, Symbolizer symbolize, LineSink sink)
    : m_disassembler(std::move(disassembler)), m_filter(std::move(filter)), m_symbolize(std::move(symbolize)),
      m_sink(std::move(sink))
{
}

lkm::ErrorOr<Tracer> Tracer::open_file(const std::string& path, TraceFilter filter, Symbolizer symbolize)
{
    std::FILE* opened = std::fopen(path.c_str(), "w");
    if (!opened) {
        auto error = lkm::Error::from_errno(errno, "cannot open the trace file");
        std::snprintf(error.context, sizeof error.context, "%s", path.c_str());
        return error;
    }
    // Shared because the sink (a std::function) must be copyable.
    std::shared_ptr<std::FILE> file(opened, FileCloser {});
    auto disassembler = TRY(Disassembler::open());
    LineSink sink = [file](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), file.get());
        std::fputc('\n', file.get());
    };
    return Tracer(std::move(disassembler), std::move(filter), std::move(symbolize), std::move(sink));
}

std::string Tracer::format_location(uint64_t address) const
{
    auto location = m_symbolize ? m_symbolize(address) : std::nullopt;
    std::string text = fmt::format("{:016x}", address);
    if (!location)
        return text;
    if (!location->symbol.empty()) // a module address before its first symbol has none
        text += fmt::format(" {}+{:#x}", location->symbol, location->offset);
    if (!location->module.empty())
        text += fmt::format(" [{}]", location->module);
    return text;
}

std::string Tracer::format_instruction(uint64_t address, std::span<const uint8_t> bytes) const
{
    bytes = bytes.first(std::min(bytes.size(), max_instruction_bytes));
    auto decoded = m_disassembler.decode(address, bytes);
    std::string where = format_location(address);
    if (!decoded)
        return fmt::format("{:<48}  {:<21} (bad)", where, hex_bytes(bytes.first(std::min<size_t>(bytes.size(), 1))));
    std::string text = decoded->operands.empty() ? decoded->mnemonic
                                                 : fmt::format("{} {}", decoded->mnemonic, decoded->operands);
    return fmt::format("{:<48}  {:<21} {}", where, hex_bytes(bytes.first(decoded->length)), text);
}

void Tracer::instruction(uint64_t address, std::span<const uint8_t> bytes)
{
    if (m_filter.needs_module()) {
        auto location = m_symbolize ? m_symbolize(address) : std::nullopt;
        if (!m_filter.matches(address, location ? std::string_view(location->module) : std::string_view {}))
            return;
    } else if (!m_filter.matches(address, {})) {
        return;
    }
    m_sink(format_instruction(address, bytes));
}

void Tracer::fault(uint8_t vector, std::optional<uint64_t> error_code, std::optional<uint64_t> cr2, uint64_t rip)
{
    std::string line = fmt::format("--- fault {} ({})", exception_mnemonic(vector), vector);
    if (error_code)
        line += fmt::format(" error={:#x}", *error_code);
    if (cr2)
        line += fmt::format(" cr2={:#x}", *cr2);
    m_sink(line + " at " + format_location(rip));
}

void Tracer::interrupt(uint8_t vector, uint64_t rip)
{
    m_sink(fmt::format("--- interrupt {} at {}", vector, format_location(rip)));
}

void Tracer::syscall(uint64_t number, std::string_view name, std::span<const uint64_t> arguments, uint64_t rip)
{
    std::string args;
    for (size_t i = 0; i < arguments.size(); ++i)
        args += fmt::format("{}{:#x}", i ? ", " : "", arguments[i]);
    m_sink(fmt::format("--- syscall {} {}({}) at {}", number, name.empty() ? "?" : name, args, format_location(rip)));
}

void Tracer::syscall_return(uint64_t number, std::string_view name, int64_t value)
{
    std::string line = fmt::format("--- syscall {} {} returned {}", number, name.empty() ? "?" : name, value);
    // Linux returns -errno in [-4095, -1].
    if (value < 0 && value >= -4095) {
        if (const char* errno_name = lkm_errno_name(static_cast<int>(-value)))
            line += fmt::format(" ({})", errno_name);
    }
    m_sink(line);
}

} // namespace lkmemu::trace
