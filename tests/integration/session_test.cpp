// Sessions run in-process (emulator/session/): the summary and its JSON, exit statuses, the crash
// report, errors as values, the hooks a session offers; and that `lkmemu run --json` writes what
// the library sums up, crash or no crash.
#include "session.h"

#include <lkmemu/errno.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

std::string hello() { return std::string(LKMEMU_MODULES_DIR) + "/hello.ko"; }

session::SessionOptions options_for(const std::string& commands, const std::string& cmdline = "")
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.cmdline = cmdline;
    options.commands = commands;
    return options;
}

session::Summary run(session::SessionOptions options) { return create_session(std::move(options))->run(); }

std::string temp_path(const std::string& name)
{
    return "/tmp/lkmemu-session-test-" + std::to_string(getpid()) + "-" + name;
}

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// What two runs of one session have in common: wall times differ from run to run, and so, under
// --realtime or an interactive console, do guest instruction counts and printk timestamps (the
// PIT follows the wall clock then). Their values are blanked, their keys kept.
nlohmann::json without_clock(nlohmann::json value)
{
    if (value.is_object()) {
        for (auto member = value.begin(); member != value.end(); ++member) {
            if ((member.key() == "wall_ms" || member.key() == "guest_instructions") && member->is_number())
                *member = 0;
            else
                *member = without_clock(*member);
        }
    } else if (value.is_array()) {
        for (auto& element : value)
            element = without_clock(element);
    } else if (value.is_string()) {
        value = mask_timestamps(value.get<std::string>());
    }
    return value;
}

// `lkmemu run --kernel KERNEL ARGUMENTS --json FILE`: its exit status and the JSON it wrote.
struct CliSummary {
    int status = -1;
    std::string output;
    nlohmann::json json;
};

CliSummary cli_summary(const std::string& arguments)
{
    std::string path = temp_path("summary.json");
    std::remove(path.c_str());
    // --initrd none: an in-process session boots without one (the CLI defaults to the build's).
    CliOutcome outcome = run_lkmemu("run --kernel " LKMEMU_KERNEL_PATH " --initrd none " + arguments + " --json " + path);
    CliSummary summary {outcome.status, outcome.output, nlohmann::json::parse(read_text(path), nullptr, false)};
    std::remove(path.c_str());
    return summary;
}

} // namespace

TEST_CASE("session: a session run in-process sums up as the CLI's --json does")
{
    std::string commands = "insmod " + hello() + " who=json; lsmod; cat /proc/nonexistent; rmmod hello; dmesg";
    CliSummary cli = cli_summary("-c '" + commands + "'");
    INFO(cli.output);
    REQUIRE_FALSE(cli.json.is_discarded());
    session::Summary summary = run(options_for(commands));
    nlohmann::json ours = summary.to_json();
    INFO("library:\n" << ours.dump(2) << "\nCLI:\n" << cli.json.dump(2));
    CHECK(without_clock(ours) == without_clock(cli.json));
    CHECK(cli.status == summary.exit_status());
    CHECK(summary.exit_status() == session::kExitCommandFailed); // the cat
}

TEST_CASE("session: a crashed session's JSON is written, and is the library's")
{
    CliSummary cli = cli_summary("--append selftest=faults -c 'lsmod; dmesg'");
    INFO(cli.output);
    CHECK(cli.status == 3);
    REQUIRE_FALSE(cli.json.is_discarded());
    CHECK(cli.json["exit_status"] == 3);
    CHECK(cli.json["stop"]["reason"] == "panic");
    // The CLI tells which commands never ran.
    CHECK(contains(cli.output, "lkmemu: lsmod: not run: the machine stopped first"));
    CHECK(contains(cli.output, "lkmemu: dmesg: not run: the machine stopped first"));

    session::Summary summary = run(options_for("lsmod; dmesg", "selftest=faults"));
    CHECK(without_clock(summary.to_json()) == without_clock(cli.json));
}

TEST_CASE("session: the summary of a clean session")
{
    std::vector<std::string> printed;
    std::string console;
    session::SessionOptions options = options_for("dmesg; lsmod");
    options.output_sink = [&](const CommandResult& result) { printed.push_back(result.command); };
    options.console_listener = [&](std::string_view text) { console += text; };
    session::Summary summary = run(std::move(options));

    CHECK(summary.stop.reason == StopReason::PowerOff);
    CHECK(summary.stop.guest_status == 0);
    CHECK_FALSE(summary.guest_crashed());
    CHECK(summary.commands_succeeded);
    CHECK(summary.exit_status() == session::kExitOk);
    CHECK(summary.crash_report().empty());
    CHECK(summary.boot.user_mode_reached);
    CHECK(summary.boot.guest_instructions > 0);
    // The sinks saw it live: every command as it ended, the console as it was printed.
    CHECK(printed == std::vector<std::string> {"dmesg", "lsmod"});
    CHECK(console == summary.console);
    CHECK(contains(summary.console, "reboot: Power down"));

    nlohmann::json json = summary.to_json();
    CHECK(json["exit_status"] == 0);
    CHECK(json["stop"] == nlohmann::json {{"reason", "poweroff"}, {"guest_status", 0}, {"message", summary.stop.message}});
    REQUIRE(json["commands"].size() == 2);
    const nlohmann::json& dmesg = json["commands"][0];
    CHECK(dmesg["command"] == "dmesg");
    CHECK(dmesg["ran"] == true);
    CHECK(dmesg["ok"] == true);
    CHECK(dmesg["status"] == 0);
    CHECK(dmesg["errno"].is_null());
    CHECK(dmesg["error"] == "");
    CHECK(contains(dmesg["output"].get<std::string>(), "Run /init as init process"));
    CHECK(dmesg["wall_ms"].is_number());
    CHECK(dmesg["guest_instructions"].get<uint64_t>() > 0);
    CHECK(json["console"] == summary.console);
    CHECK(json["boot"]["user_mode_reached"] == true);
    CHECK(json["boot"]["wall_ms"].is_number());
    CHECK(json["boot"]["guest_instructions"].get<uint64_t>() == summary.boot.guest_instructions);
}

TEST_CASE("session: a failed command makes exit status 1, with its errno name")
{
    session::Summary summary = run(options_for("cat /proc/nonexistent; lsmod"));
    CHECK_FALSE(summary.guest_crashed());
    CHECK_FALSE(summary.commands_succeeded);
    CHECK(summary.exit_status() == session::kExitCommandFailed);
    REQUIRE(summary.commands.size() == 2);
    CHECK(summary.commands[0].status == -LKM_ENOENT);
    CHECK(summary.commands[0].error == "cat: can't open '/proc/nonexistent': No such file or directory");
    CHECK(summary.commands[1].ok); // the session goes on after a failed command
    nlohmann::json json = summary.to_json();
    CHECK(json["exit_status"] == 1);
    CHECK(json["commands"][0]["errno"] == "ENOENT");
    CHECK(json["commands"][0]["ok"] == false);
}

TEST_CASE("session: a guest panic makes exit status 3 and a crash report, and later commands never run")
{
    session::Summary summary = run(options_for("lsmod", "selftest=faults"));
    CHECK(summary.stop.reason == StopReason::Panic);
    CHECK(summary.guest_crashed());
    CHECK(summary.exit_status() == session::kExitGuestCrashed);
    REQUIRE(summary.commands.size() == 1);
    CHECK_FALSE(summary.commands[0].ran);
    CHECK(summary.commands[0].error == "not run: the machine stopped first");

    std::string report = summary.crash_report();
    INFO(report);
    CHECK(report.starts_with("lkmemu: guest crashed (panic): " + summary.stop.message + "\n--- last console lines ---\n"));
    CHECK(contains(report, "Kernel panic - not syncing: Fatal exception"));
    CHECK(contains(report, "\n--- registers ---\nRIP: 0008:ffffffff"));
    CHECK(contains(report, "\nCR0: "));
    // The last 20 lines of the console, not all of it.
    std::string console_part = report.substr(report.find("---\n") + 4);
    console_part = console_part.substr(0, console_part.find("\n--- registers ---"));
    CHECK(lines_of(console_part).size() == 20);
    CHECK(summary.console.ends_with(console_part));

    nlohmann::json json = summary.to_json();
    CHECK(json["exit_status"] == 3);
    CHECK(json["stop"]["reason"] == "panic");
    CHECK(json["commands"][0]["ran"] == false);
}

TEST_CASE("session: what cannot start is an error value that says what and why")
{
    auto error_of = [](session::SessionOptions options) -> std::string {
        auto created = session::Session::create(std::move(options));
        REQUIRE(created.is_error());
        return created.error().message;
    };
    SECTION("a missing kernel")
    {
        session::SessionOptions options = options_for("lsmod");
        options.kernel_path = "/nonexistent/kernel.elf";
        CHECK(contains(error_of(options), "/nonexistent/kernel.elf"));
    }
    SECTION("an unreadable script")
    {
        session::SessionOptions options = options_for("");
        options.commands.reset();
        options.script = "/nonexistent/script.txt";
        CHECK(error_of(options) == "cannot read script /nonexistent/script.txt: No such file or directory");
    }
    SECTION("a command line with an unbalanced quote")
    {
        CHECK(error_of(options_for("cat '/proc/modules")) == "unterminated single quote");
    }
    SECTION("commands and a script at once")
    {
        session::SessionOptions options = options_for("lsmod");
        options.script = "/dev/null";
        CHECK(contains(error_of(options), "both"));
    }
    SECTION("a bad --trace-filter")
    {
        session::SessionOptions options = options_for("lsmod");
        options.debug.trace = "/dev/null";
        options.debug.trace_filter = "sideways";
        CHECK(error_of(options) == "expected kernel, user, module:NAME or BEGIN-END: sideways");
    }
    SECTION("a bad --gdb address")
    {
        session::SessionOptions options = options_for("lsmod");
        options.debug.gdb = "127.0.0.1:99999";
        CHECK(error_of(options) == "port must be a number from 0 to 65535: 127.0.0.1:99999");
    }
}

TEST_CASE("session: before_request sees a quiescent guest before each request")
{
    std::vector<bool> user_mode;
    session::SessionOptions options = options_for("lsmod; cat /proc/modules");
    options.before_request = [&](Machine& machine) { user_mode.push_back(machine.user_mode_reached()); };
    session::Summary summary = run(std::move(options));
    CHECK(summary.exit_status() == session::kExitOk);
    // One per command, and the last before the request to power off.
    CHECK(user_mode == std::vector<bool> {true, true, true});
}

TEST_CASE("session: commands from a command source follow the given ones, until it runs dry")
{
    std::vector<std::string> typed {"insmod " + hello() + " who=source", "lsmod"};
    size_t next = 0;
    session::SessionOptions options = options_for("dmesg");
    options.command_source = [&]() -> std::optional<std::string> {
        if (next == typed.size())
            return std::nullopt;
        return typed[next++];
    };
    session::Summary summary = run(std::move(options));
    CHECK(summary.exit_status() == session::kExitOk);
    REQUIRE(summary.commands.size() == 3);
    CHECK(summary.commands[1].command == typed[0]);
    CHECK(contains(summary.commands[2].output, "\nhello                  12288  0\n")); // lsmod's table
    CHECK(contains(summary.console, "Hello, source!"));
}

TEST_CASE("session: a traced insmod names load_module and hello_init [hello]", "[trace]")
{
    std::string trace = temp_path("trace.txt");
    session::SessionOptions options = options_for("insmod " + hello());
    options.debug.trace = trace;
    session::Summary summary = run(std::move(options));
    std::string text = read_text(trace);
    std::remove(trace.c_str()); // the whole boot: hundreds of MB
    REQUIRE(summary.exit_status() == session::kExitOk);
    CHECK(contains(text, " load_module+0x"));
    CHECK(contains(text, " hello_init+0x0 [hello] "));
    CHECK(contains(text, "--- syscall 313 finit_module("));
    CHECK(contains(text, "--- syscall 313 finit_module returned 0"));
}
