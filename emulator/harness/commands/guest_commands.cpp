// dmesg and cat: the kernel log and a file, as init reads them.
#include "rows.h"

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

    // As cat(1) words it.
    std::string explain_failure(int errno_value, std::string_view) const override
    {
        return fmt::format("cat: {}: {}", m_path, errno_text(errno_value));
    }

    std::string m_path;
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

} // namespace lkmemu::commands
