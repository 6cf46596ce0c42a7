// insmod, rmmod and lsmod, as kmod's tools: what they ask init for, and their failures in kmod's
// words with the kernel's reason after them.
#include "kmod_wording.h"
#include "rows.h"

#include <support/file_contents.h>
#include <support/module_decompress.h>

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/harness.h>
#include <lkmemu/module_abi.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

namespace lkmemu::commands {

namespace {

// An insmod's module file as the request's data: read where it lies when the guest asks.
class HarnessModuleFile final : public HarnessData {
public:
    explicit HarnessModuleFile(OpenFile file) : m_file(std::move(file)) {}
    uint64_t size() const override { return m_file.size(); }
    int64_t read_at(uint64_t offset, std::span<uint8_t> out) const override { return m_file.read_at(offset, out); }

private:
    OpenFile m_file;
};

// The file as the request's data; a .ko.xz or .ko.zst (by its magic, as kmod) decompressed here
// first, as kmod does for a kernel that cannot (support/module_decompress.h).
Result<std::unique_ptr<HarnessData>> module_data(OpenFile file, const std::string& name)
{
    uint8_t magic[8] = {};
    int64_t got = file.read_at(0, magic);
    auto compression = module_compression(std::span<const uint8_t>(magic, got > 0 ? static_cast<size_t>(got) : 0));
    if (compression == ModuleCompression::none)
        return std::unique_ptr<HarnessData>(std::make_unique<HarnessModuleFile>(std::move(file)));
    std::vector<uint8_t> bytes(file.size());
    for (size_t done = 0; done < bytes.size();) {
        int64_t n = file.read_at(done, std::span<uint8_t>(bytes).subspan(done));
        if (n <= 0)
            return make_error(fmt::format("insmod: ERROR: could not load module {}: {}", name, errno_text(n < 0 ? static_cast<int>(-n) : EIO)));
        done += static_cast<size_t>(n);
    }
    auto image = decompress_module(bytes, compression);
    if (image.is_error())
        return make_error(fmt::format("insmod: ERROR: could not load module {}: {}", name, image.error().message));
    return std::unique_ptr<HarnessData>(std::make_unique<HarnessBytes>(image.release_value()));
}

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
    Insmod(const CommandSpec& spec, std::string file, std::string params, uint32_t flags)
        : GuestCommand(spec.name), m_file(std::move(file)), m_params(std::move(params)), m_flags(flags)
    {
    }

private:
    // The file is opened and checked here, not read: the guest's kernel reads it through
    // /dev/harness_data (finit_module), straight from the host file into its buffer, and a file
    // larger than the kernel takes is refused by the kernel (EFBIG) without being read at all.
    // A guest path (guest:/PATH, or an absolute path no host file has) is opened by init.
    Result<GuestRequest> request() const override
    {
        if (m_file.starts_with(kGuestPrefix))
            return guest_request(m_file.substr(kGuestPrefix.size()));
        int error_number = 0;
        auto file = OpenFile::open_regular(m_file, &error_number);
        if (file.is_error() && error_number == ENOENT && m_file.starts_with('/'))
            return guest_request(m_file);
        if (file.is_error()) {
            // kmod's words for a file it cannot open, with the real errno ("Permission denied",
            // "Is a directory" ...); a device, FIFO or socket is refused before any read.
            std::string error = fmt::format("insmod: ERROR: could not load module {}: {}", m_file, errno_text(error_number));
            if (error_number == EINVAL)
                error += "\ninsmod: lkmemu: not a regular file";
            return make_error(std::move(error));
        }
        return GuestRequest { LKMEMU_HARNESS_OP_INSMOD, m_flags, m_params, LKMEMU_TRY(module_data(file.release_value(), m_file)) };
    }

    // INSMOD_FILE: the path and the parameters, each NUL-terminated (the last NUL is the encoding's).
    Result<GuestRequest> guest_request(const std::string& path) const
    {
        if (!path.starts_with('/'))
            return make_error(fmt::format("insmod: ERROR: {}: a guest path is absolute (guest:/lib/modules/...)", m_file));
        return GuestRequest { LKMEMU_HARNESS_OP_INSMOD_FILE, m_flags, path + '\0' + m_params, {} };
    }

    // kmod's wording first, then what kmod cannot show: the kernel's own reason.
    std::string explain_failure(int errno_value, std::string_view reason) const override
    {
        return kmod::insmod_failure(shown_file(), errno_value, reason);
    }
    // kmod's words for a module file it cannot open (here: init could not open the guest's).
    std::string explain_open_failure(int errno_value) const override
    {
        return fmt::format("insmod: ERROR: could not load module {}: {}", shown_file(), errno_text(errno_value));
    }
    std::string_view shown_file() const
    {
        std::string_view file = m_file;
        if (file.starts_with(kGuestPrefix))
            file.remove_prefix(kGuestPrefix.size());
        return file;
    }

    static constexpr std::string_view kGuestPrefix = "guest:";

    std::string m_file;
    std::string m_params;
    uint32_t m_flags; // finit_module's LKM_MODULE_INIT_*
};

class Rmmod final : public GuestCommand {
public:
    Rmmod(const CommandSpec& spec, std::string argument, std::string module, uint32_t flags)
        : GuestCommand(spec.name), m_argument(std::move(argument)), m_module(std::move(module)), m_flags(flags)
    {
    }

private:
    Result<GuestRequest> request() const override
    {
        return GuestRequest { LKMEMU_HARNESS_OP_RMMOD, m_flags, m_module, {} };
    }

    // kmod's wording; the kernel's reason (e.g. who uses the module) follows, or is kmod's line.
    std::string explain_failure(int errno_value, std::string_view reason) const override
    {
        return kmod::rmmod_failure(m_argument, m_module, m_flags & LKM_O_TRUNC, errno_value, reason);
    }

    std::string m_argument; // as typed: a name or a .ko path, as kmod's rmmod names it
    std::string m_module;
    uint32_t m_flags;
};

class Lsmod final : public GuestCommand {
public:
    explicit Lsmod(const CommandSpec& spec) : GuestCommand(spec.name) {}

private:
    Result<GuestRequest> request() const override { return GuestRequest { LKMEMU_HARNESS_OP_LSMOD, 0, {}, {} }; }

    // init answers with /proc/modules; the command prints it as kmod's lsmod does.
    std::string format_output(std::string_view text) const override { return kmod::lsmod_table(text); }
};

} // namespace

// kmod's insmod: options before the file (its getopt stops at the first non-option); -f / --force
// asks finit_module to ignore the version magic and the symbol CRCs (kmod's KMOD_PROBE_FORCE_*);
// modprobe's --force-modversion and --force-vermagic ask for one of the two.
std::unique_ptr<HarnessCommand> parse_insmod(const CommandSpec& spec, const Words& words)
{
    uint32_t flags = 0;
    size_t at = 1;
    for (; at < words.size() && words[at].starts_with('-'); ++at) {
        if (words[at] == "-f" || words[at] == "--force")
            flags |= LKM_MODULE_INIT_IGNORE_MODVERSIONS | LKM_MODULE_INIT_IGNORE_VERMAGIC;
        else if (words[at] == "--force-modversion")
            flags |= LKM_MODULE_INIT_IGNORE_MODVERSIONS;
        else if (words[at] == "--force-vermagic")
            flags |= LKM_MODULE_INIT_IGNORE_VERMAGIC;
        else
            return nullptr;
    }
    if (at >= words.size())
        return nullptr;
    return std::make_unique<Insmod>(spec, words[at], join_from(words, at + 1), flags);
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
    std::string argument = module;
    module = std::filesystem::path(module).filename().string();
    if (module.size() > 3 && module.ends_with(".ko"))
        module.resize(module.size() - 3);
    return std::make_unique<Rmmod>(spec, std::move(argument), std::move(module), flags);
}

std::unique_ptr<HarnessCommand> parse_lsmod(const CommandSpec& spec, const Words& words)
{
    return without_arguments<Lsmod>(spec, words);
}

} // namespace lkmemu::commands
