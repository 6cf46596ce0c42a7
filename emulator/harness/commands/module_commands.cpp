// insmod, rmmod and lsmod, as kmod's tools: what they ask init for, and their failures in kmod's
// words with the kernel's reason after them.
#include "rows.h"

#include <support/file_contents.h>

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

namespace lkmemu::commands {

namespace {

// Joins words[from..] with single spaces: insmod's parameter string, as kmod builds it.
std::string join_from(const Words& words, size_t from)
{
    std::string joined;
    for (size_t i = from; i < words.size(); ++i) {
        if (!joined.empty())
            joined += ' ';
        joined += words[i];
    }
    return joined;
}

class Insmod final : public GuestCommand {
public:
    Insmod(const CommandSpec& spec, std::string file, std::string params)
        : GuestCommand(spec.name), m_file(std::move(file)), m_params(std::move(params))
    {
    }

private:
    Result<GuestRequest> request() const override
    {
        GuestRequest request { LKMEMU_HARNESS_OP_INSMOD, 0, m_params, {} };
        // Checked before reading: a file init could not take is not read whole for nothing.
        std::error_code size_error;
        uint64_t const file_size = std::filesystem::file_size(m_file, size_error);
        if (!size_error && encoded_size(request) + file_size > LKMEMU_HARNESS_MAX_MESSAGE)
            return make_error(fmt::format("insmod: ERROR: could not load module {}: {}\n"
                                          "insmod: lkmemu: the harness carries at most {} bytes of module and parameters",
                                          m_file, errno_text(LKM_EFBIG), LKMEMU_HARNESS_MAX_MESSAGE));
        int error_number = 0;
        auto contents = read_file_contents(m_file, &error_number);
        if (contents.is_error()) {
            // As kmod reports it: a directory is EISDIR, anything else that cannot be read ENOENT.
            int const reported = error_number == EISDIR ? int(LKM_EISDIR) : int(LKM_ENOENT);
            return make_error(fmt::format("insmod: ERROR: could not load module {}: {}", m_file, errno_text(reported)));
        }
        request.data = contents.release_value();
        return request;
    }

    // kmod's wording first, then what kmod cannot show: the kernel's own reason.
    std::string explain_failure(int errno_value, std::string_view reason) const override
    {
        std::string error = fmt::format("insmod: ERROR: could not insert module {}: {}", m_file,
                                        insmod_strerror(errno_value));
        if (!reason.empty())
            error += fmt::format("\ninsmod: kernel: {}", reason);
        return error;
    }

    std::string m_file;
    std::string m_params;
};

class Rmmod final : public GuestCommand {
public:
    Rmmod(const CommandSpec& spec, std::string module, uint32_t flags)
        : GuestCommand(spec.name), m_module(std::move(module)), m_flags(flags)
    {
    }

private:
    Result<GuestRequest> request() const override
    {
        return GuestRequest { LKMEMU_HARNESS_OP_RMMOD, m_flags, m_module, {} };
    }

    // kmod's wording; the kernel's reason (e.g. who uses the module) follows.
    std::string explain_failure(int errno_value, std::string_view reason) const override
    {
        std::string error = errno_value == LKM_ENOENT
            ? fmt::format("rmmod: ERROR: Module {} is not currently loaded", m_module)
            : fmt::format("rmmod: ERROR: could not remove module {}: {}", m_module, errno_text(errno_value));
        if (!reason.empty())
            error += fmt::format("\nrmmod: kernel: {}", reason);
        return error;
    }

    std::string m_module;
    uint32_t m_flags;
};

class Lsmod final : public GuestCommand {
public:
    explicit Lsmod(const CommandSpec& spec) : GuestCommand(spec.name) {}

private:
    Result<GuestRequest> request() const override { return GuestRequest { LKMEMU_HARNESS_OP_LSMOD, 0, {}, {} }; }
};

} // namespace

std::unique_ptr<HarnessCommand> parse_insmod(const CommandSpec& spec, const Words& words)
{
    if (words.size() < 2)
        return nullptr;
    return std::make_unique<Insmod>(spec, words[1], join_from(words, 2));
}

// kmod's rmmod: options anywhere among the arguments (getopt permutes them), one module, given
// by name or as a path to its .ko.
std::unique_ptr<HarnessCommand> parse_rmmod(const CommandSpec& spec, const Words& words)
{
    uint32_t flags = LKM_O_NONBLOCK;
    std::string module;
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (word == "-f" || word == "--force")
            flags |= LKM_O_TRUNC;
        else if (word == "-w" || word == "--wait")
            flags |= LKMEMU_HARNESS_RMMOD_WAIT;
        else if (word.starts_with('-') || !module.empty())
            return nullptr;
        else
            module = word;
    }
    if (module.empty())
        return nullptr;
    module = std::filesystem::path(module).filename().string();
    if (module.size() > 3 && module.ends_with(".ko"))
        module.resize(module.size() - 3);
    return std::make_unique<Rmmod>(spec, std::move(module), flags);
}

std::unique_ptr<HarnessCommand> parse_lsmod(const CommandSpec& spec, const Words& words)
{
    return without_arguments<Lsmod>(spec, words);
}

} // namespace lkmemu::commands
