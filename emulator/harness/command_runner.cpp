#include "command_runner.h"

#include "guest_requests.h"
#include "observer.h"
#include "vmmap.h"

#include <support/file_contents.h>

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

namespace lkmemu {

namespace {

std::string basename_of(const std::string& path)
{
    return std::filesystem::path(path).filename().string();
}

// A module file for insmod. As kmod reports it: a directory is EISDIR, anything else that
// cannot be read ENOENT.
bool read_file(const std::string& path, std::vector<uint8_t>& out, std::string& error)
{
    int error_number = 0;
    auto contents = read_file_contents(path, &error_number);
    if (contents.is_error()) {
        error = errno_text(error_number == EISDIR ? int(LKM_EISDIR) : int(LKM_ENOENT));
        return false;
    }
    out = contents.release_value();
    return true;
}

// Joins words[from..] with single spaces: insmod's parameter string, as kmod builds it.
std::string join_from(const std::vector<std::string>& words, size_t from)
{
    std::string joined;
    for (size_t i = from; i < words.size(); ++i) {
        if (!joined.empty())
            joined += ' ';
        joined += words[i];
    }
    return joined;
}

constexpr const char* kHelp =
    "Commands (guest commands run as system calls made by the guest's init process):\n"
    "  insmod FILE [PARAM=VALUE ...]  load a module (init_module)\n"
    "  rmmod [-f] [-w] NAME           unload a module (delete_module); -f forces, -w waits\n"
    "  lsmod                          the kernel's module list (/proc/modules)\n"
    "  dmesg                          the kernel log (syslog)\n"
    "  cat PATH                       a file read by init (open/read), e.g. /proc/modules, /dev/...\n"
    "Inspection commands (answered by the emulator from guest memory):\n"
    "  vmmap                          virtual memory map from the guest's page tables\n"
    "  meminfo                        free pages, kmalloc and module-area use\n"
    "  poweroff                       power the machine off now\n"
    "  help                           this list\n";

} // namespace

CommandRunner::CommandRunner(std::vector<Command> commands)
    : m_pending(std::move(commands))
{
}

const KernelSymbols& CommandRunner::kernel_symbols()
{
    if (!m_kernel_symbols)
        m_kernel_symbols = KernelSymbols::read(m_kernel_path);
    return *m_kernel_symbols;
}

std::optional<Command> CommandRunner::take_next_command()
{
    if (m_next < m_pending.size())
        return m_pending[m_next++];
    while (m_source) {
        std::optional<std::string> line = m_source();
        if (!line)
            return std::nullopt;
        std::vector<Command> parsed;
        CommandParseError error;
        if (!parse_commands(*line, parsed, error)) {
            CommandResult result;
            result.command = *line;
            result.ran = true;
            result.error = "lkmemu: " + error.message;
            m_results.push_back(result);
            if (m_sink)
                m_sink(result);
            continue;
        }
        if (parsed.empty())
            continue;
        // A console line may hold several commands: queue them all.
        m_pending.insert(m_pending.end(), parsed.begin(), parsed.end());
        return m_pending[m_next++];
    }
    return std::nullopt;
}

std::vector<uint8_t> CommandRunner::next_request(Machine& machine)
{
    while (true) {
        std::optional<Command> command = take_next_command();
        if (!command) {
            m_powered_off = true;
            return make_request(LKMEMU_HARNESS_OP_POWEROFF);
        }
        CommandResult result;
        result.command = command->text;
        result.ran = true;
        m_results.push_back(result);
        std::optional<std::vector<uint8_t>> request = start(machine, *command, m_results.back());
        if (request) {
            m_awaiting = m_results.size() - 1;
            m_started = std::chrono::steady_clock::now();
            m_started_instructions = machine.guest_instructions();
            return *request;
        }
        finish(m_results.back());
        if (m_powered_off)
            return make_request(LKMEMU_HARNESS_OP_POWEROFF);
    }
}

std::optional<std::vector<uint8_t>> CommandRunner::start(Machine& machine, const Command& command,
                                                         CommandResult& result)
{
    const std::string& name = command.name();
    const std::vector<std::string>& words = command.words;
    auto usage = [&](const char* text) {
        result.error = fmt::format("{}: usage: {}", name, text);
        return std::nullopt;
    };

    if (name == "dmesg") {
        if (words.size() != 1)
            return usage("dmesg");
        return make_request(LKMEMU_HARNESS_OP_DMESG);
    }
    if (name == "lsmod") {
        if (words.size() != 1)
            return usage("lsmod");
        return make_request(LKMEMU_HARNESS_OP_LSMOD);
    }
    if (name == "cat") {
        if (words.size() != 2)
            return usage("cat PATH");
        return make_request(LKMEMU_HARNESS_OP_READ_FILE, 0, words[1]);
    }
    if (name == "insmod") {
        if (words.size() < 2)
            return usage("insmod FILE [PARAM=VALUE ...]");
        std::vector<uint8_t> image;
        std::string error;
        if (!read_file(words[1], image, error)) {
            result.error = fmt::format("insmod: ERROR: could not load module {}: {}", words[1], error);
            return std::nullopt;
        }
        return make_request(LKMEMU_HARNESS_OP_INSMOD, 0, join_from(words, 2), image);
    }
    if (name == "rmmod") {
        uint32_t flags = kO_NONBLOCK;
        std::string module;
        for (size_t i = 1; i < words.size(); ++i) {
            if (words[i] == "-f" || words[i] == "--force")
                flags |= kO_TRUNC;
            else if (words[i] == "-w" || words[i] == "--wait")
                flags |= kHarnessRmmodWait;
            else if (!words[i].empty() && words[i][0] == '-')
                return usage("rmmod [-f] [-w] NAME");
            else if (module.empty())
                module = words[i];
            else
                return usage("rmmod [-f] [-w] NAME");
        }
        if (module.empty())
            return usage("rmmod [-f] [-w] NAME");
        // kmod accepts a path or a name ending in .ko and strips it to the module name.
        module = basename_of(module);
        if (module.size() > 3 && module.ends_with(".ko"))
            module.resize(module.size() - 3);
        return make_request(LKMEMU_HARNESS_OP_RMMOD, flags, module);
    }
    if (name == "vmmap") {
        if (words.size() != 1)
            return usage("vmmap");
        std::vector<NamedRegion> regions = kernel_symbols().sections();
        const auto& init_sections = kernel_symbols().user_sections();
        regions.insert(regions.end(), init_sections.begin(), init_sections.end());
        auto modules = read_modules(machine, kernel_symbols());
        if (modules.is_error()) {
            result.error = "vmmap: " + modules.error().message;
            return std::nullopt;
        }
        for (const ObservedModule& module : modules.value())
            regions.insert(regions.end(), module.sections.begin(), module.sections.end());
        result.output = format_vmmap(describe_address_space(machine.mapped_ranges(), regions));
        result.ok = true;
        return std::nullopt;
    }
    if (name == "meminfo") {
        if (words.size() != 1)
            return usage("meminfo");
        auto info = read_meminfo(machine, kernel_symbols());
        if (info.is_error()) {
            result.error = "meminfo: " + info.error().message;
            return std::nullopt;
        }
        result.output = format_meminfo(info.value());
        result.ok = true;
        return std::nullopt;
    }
    if (name == "poweroff") {
        if (words.size() != 1)
            return usage("poweroff");
        m_powered_off = true;
        result.ok = true;
        return std::nullopt;
    }
    if (name == "help") {
        result.output = kHelp;
        result.ok = true;
        return std::nullopt;
    }
    result.error = fmt::format("lkmemu: unknown command '{}' (try 'help')", name);
    return std::nullopt;
}

void CommandRunner::on_response(Machine& machine, int32_t status, std::string_view text)
{
    if (!m_awaiting)
        return; // a response nobody asked for: the guest's init misbehaved; ignore it
    CommandResult& result = m_results[*m_awaiting];
    m_awaiting.reset();
    result.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_started).count();
    result.guest_instructions = machine.guest_instructions() - m_started_instructions;
    result.status = status;
    result.ok = status >= 0;
    std::vector<Command> parsed;
    CommandParseError ignored;
    parse_commands(result.command, parsed, ignored);
    const std::string name = parsed.empty() ? std::string() : parsed.front().name();

    if (result.ok) {
        result.output = std::string(text);
    } else if (name == "insmod") {
        // kmod's wording first, then what kmod cannot show: the kernel's own reason.
        std::string file = parsed.front().words.size() > 1 ? parsed.front().words[1] : "";
        result.error = fmt::format("insmod: ERROR: could not insert module {}: {}", file,
                                   insmod_strerror(-status));
        if (!text.empty())
            result.error += fmt::format("\ninsmod: kernel: {}", text);
    } else if (name == "rmmod") {
        // kmod's wording; the kernel's reason (e.g. who uses the module) follows.
        std::string module = parsed.front().words.back();
        if (-status == LKM_ENOENT)
            result.error = fmt::format("rmmod: ERROR: Module {} is not currently loaded", module);
        else
            result.error = fmt::format("rmmod: ERROR: could not remove module {}: {}", module,
                                       errno_text(-status));
        if (!text.empty())
            result.error += fmt::format("\nrmmod: kernel: {}", text);
    } else if (name == "cat") {
        // As cat(1) words it.
        std::string path = parsed.front().words.size() > 1 ? parsed.front().words[1] : "";
        result.error = fmt::format("cat: {}: {}", path, errno_text(-status));
    } else {
        result.error = fmt::format("{}: {} ({})", name, errno_text(-status), errno_name(-status));
        if (!text.empty())
            result.error += fmt::format(": {}", text);
    }
    finish(result);
}

void CommandRunner::finish(CommandResult& result)
{
    if (m_sink)
        m_sink(result);
}

std::vector<CommandResult> CommandRunner::results() const
{
    std::vector<CommandResult> all = m_results;
    if (m_awaiting)
        all[*m_awaiting].error = "the machine stopped while the guest was running this command";
    for (size_t i = m_next; i < m_pending.size(); ++i) {
        CommandResult not_run;
        not_run.command = m_pending[i].text;
        not_run.error = "not run: the machine stopped first";
        all.push_back(not_run);
    }
    return all;
}

bool CommandRunner::all_succeeded() const
{
    for (const CommandResult& result : results())
        if (!result.ok)
            return false;
    return true;
}

} // namespace lkmemu
