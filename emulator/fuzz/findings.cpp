#include "findings.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <vector>

namespace lkmemu::fuzz {

namespace {

Result<void> write_file(const std::filesystem::path& path, const void* data, size_t size)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), std::streamsize(size));
    out.close();
    if (!out)
        return make_error(fmt::format("cannot write {}", path.string()));
    return {};
}

Result<void> write_text(const std::filesystem::path& path, const std::string& text)
{
    return write_file(path, text.data(), text.size());
}

// A console that went on for long (an oops storm until the time limit) as its beginning and end.
std::string console_excerpt(const std::string& console)
{
    constexpr size_t head_lines = 200, tail_lines = 40;
    std::vector<size_t> starts {0};
    for (size_t at = console.find('\n'); at != std::string::npos && at + 1 < console.size(); at = console.find('\n', at + 1))
        starts.push_back(at + 1);
    if (starts.size() <= head_lines + tail_lines)
        return ":\n" + console;
    size_t const cut = starts[head_lines], resume = starts[starts.size() - tail_lines];
    return fmt::format(" (first {} and last {} of {} lines):\n{}[... {} lines ...]\n{}", head_lines, tail_lines, starts.size(),
                       console.substr(0, cut), starts.size() - head_lines - tail_lines, console.substr(resume));
}

} // namespace

std::string harness_quote(const std::string& word)
{
    if (word.empty())
        return "''";
    std::string quoted;
    for (char c : word) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("=,._-/:+%").find(c) == std::string_view::npos)
            quoted += '\\';
        quoted += c;
    }
    return quoted;
}

Result<std::string> write_finding(const std::string& dir, const Finding& finding)
{
    const RoundOutcome& outcome = *finding.outcome;
    const MutatedInput& input = *finding.input;
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error)
        return make_error(fmt::format("cannot create {}: {}", dir, error.message()));
    std::filesystem::path const base = std::filesystem::absolute(dir) /
        fmt::format("seed{}-iter{}-{}", finding.seed, finding.iteration, finding_kind_name(outcome.kind));
    std::filesystem::path const image = base.string() + ".ko", script = base.string() + ".cmds",
                                description = base.string() + ".txt";
    LKMEMU_TRY(write_file(image, input.image.data(), input.image.size()));

    std::string insmod = "insmod " + harness_quote(image.string());
    for (const std::string& param : input.params)
        insmod += " " + harness_quote(param);
    // The round's commands as it ran them (the file named by the finding's own path), then a look.
    std::string commands = fmt::format("# lkmemu run --script {}\n{}\n", script.string(), insmod);
    for (size_t i = 1; i < outcome.commands.size(); ++i) {
        std::string_view text = outcome.commands[i].command;
        std::string_view const prefix = text.starts_with("rmmod -f ") ? "rmmod -f " : text.starts_with("rmmod ") ? "rmmod " : "";
        text.remove_prefix(prefix.size());
        commands += std::string(prefix) + (prefix.empty() ? std::string(text) : harness_quote(std::string(text))) + "\n";
    }
    commands += "lsmod\nmeminfo\n";
    LKMEMU_TRY(write_text(script, commands));

    std::string text = fmt::format("finding: {}\n{}\n\n", finding_kind_name(outcome.kind), outcome.detail);
    text += fmt::format("input: {} ({} bytes), made from {}.ko by:\n", image.string(), input.image.size(), finding.module);
    for (const std::string& step : input.steps)
        text += "  " + step + "\n";
    // The round started from the machine held at init's first request, which is what
    // `lkmemu snapshot save` writes when given no commands.
    std::string modules;
    for (const std::string& name : finding.modules)
        modules += " --module " + name;
    text += fmt::format("\nreplay: lkmemu_system_fuzz --seed {}{} --only {}   (exactly this round)\n", finding.seed, modules,
                        finding.iteration);
    text += fmt::format("    or: lkmemu snapshot save post-boot.snap && lkmemu run --snapshot post-boot.snap --script {}\n",
                        script.string());
    text += fmt::format("    or: lkmemu run --script {}   (from a fresh boot)\n\ncommands:\n", script.string());
    for (const CommandResult& result : outcome.commands)
        text += fmt::format("  {} -> {}{}\n", result.command, result.ok ? "ok" : "failed", result.error.empty() ? "" : ": " + result.error);
    text += "\nconsole during the round" + console_excerpt(outcome.console);
    LKMEMU_TRY(write_text(description, text));
    return description.string();
}

} // namespace lkmemu::fuzz
