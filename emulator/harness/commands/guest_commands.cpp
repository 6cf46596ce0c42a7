// dmesg, cat and ls: the kernel log, a file and a directory, as init reads them.
#include "rows.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

namespace lkmemu::commands {

namespace {

class Dmesg final : public GuestCommand {
public:
    explicit Dmesg(const CommandSpec& spec) : GuestCommand(spec.name) {}

private:
    Result<GuestRequest> request() const override { return GuestRequest { LKMEMU_HARNESS_OP_DMESG, 0, {}, {} }; }
};

class Cat final : public GuestCommand {
public:
    Cat(const CommandSpec& spec, std::string path) : GuestCommand(spec.name), m_path(std::move(path)) {}

private:
    Result<GuestRequest> request() const override
    {
        return GuestRequest { LKMEMU_HARNESS_OP_READ_FILE, 0, m_path, {} };
    }

    // A file it cannot open as busybox's cat (the guest's) words it; one it cannot read (a
    // directory: EISDIR) naming the file.
    std::string explain_open_failure(int errno_value) const override
    {
        return fmt::format("cat: can't open '{}': {}", m_path, errno_text(errno_value));
    }
    std::string explain_failure(int errno_value, std::string_view) const override
    {
        return fmt::format("cat: {}: {}", m_path, errno_text(errno_value));
    }

    std::string m_path;
};

class Ls final : public GuestCommand {
public:
    Ls(const CommandSpec& spec, std::string path, bool long_format)
        : GuestCommand(spec.name), m_path(std::move(path)), m_long(long_format)
    {
    }

private:
    Result<GuestRequest> request() const override
    {
        return GuestRequest { LKMEMU_HARNESS_OP_LS, m_long ? LKMEMU_HARNESS_LS_LONG : 0u, m_path, {} };
    }

    // As coreutils' ls words it.
    std::string explain_failure(int errno_value, std::string_view) const override
    {
        if (errno_value == LKM_ENOENT)
            return fmt::format("ls: cannot access '{}': {}", m_path, errno_text(errno_value));
        return fmt::format("ls: cannot open directory '{}': {}", m_path, errno_text(errno_value));
    }

    std::string m_path;
    bool m_long;
};

} // namespace

std::unique_ptr<HarnessCommand> parse_dmesg(const CommandSpec& spec, const Words& words)
{
    return without_arguments<Dmesg>(spec, words);
}

std::unique_ptr<HarnessCommand> parse_cat(const CommandSpec& spec, const Words& words)
{
    if (words.size() != 2)
        return nullptr;
    return std::make_unique<Cat>(spec, words[1]);
}

// ls [-l] PATH: one path, -l before it.
std::unique_ptr<HarnessCommand> parse_ls(const CommandSpec& spec, const Words& words)
{
    bool long_format = words.size() == 3 && words[1] == "-l";
    if (words.size() != 2 + (long_format ? 1 : 0) || words.back().starts_with('-'))
        return nullptr;
    return std::make_unique<Ls>(spec, words.back(), long_format);
}

} // namespace lkmemu::commands
