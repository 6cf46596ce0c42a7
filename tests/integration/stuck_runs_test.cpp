// Every stuck run ends with a report (issue #16, item 7): the kernel's soft-lockup watchdog, the
// session's time limits in guest time, SIGINT/SIGTERM to a running `lkmemu run`, and what the
// JSON says of the command that was running. The looping module is guest-modules/samples/spin.
#include "module_support.h"

#include <session/summary.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

constexpr uint64_t kSecond = 1'000'000'000ull;

session::SessionOptions options_for(const std::string& commands, const std::string& cmdline = "")
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.cmdline = cmdline;
    options.commands = commands;
    return options;
}

std::string temp_path(const std::string& name)
{
    return "/tmp/lkmemu-stuck-test-" + std::to_string(getpid()) + "-" + name;
}

std::string read_text(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

size_t count_of(const std::string& text, const std::string& needle)
{
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// Linux's words (kernel/watchdog.c, watchdog_timer_fn: pr_fmt "watchdog: ").
// lkmemu with these arguments in a child process, standard input /dev/null, its output (both
// streams) into console_path; the child's pid, or -1.
pid_t spawn_lkmemu(const std::vector<std::string>& arguments, const std::string& console_path)
{
    pid_t child = fork();
    if (child != 0)
        return child;
    int out = open(console_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> argv { const_cast<char*>(LKMEMU_BINARY_PATH) };
    for (const std::string& argument : arguments)
        argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execv(LKMEMU_BINARY_PATH, argv.data());
    _exit(127);
}

const std::regex kSoftLockup(R"(watchdog: BUG: soft lockup - CPU#0 stuck for (\d+)s! \[[a-z0-9_/]+:\d+\])");

} // namespace

TEST_CASE("stuck: a module spinning in init is reported as a soft lockup, tainted L, and the kernel goes on")
{
    // watchdog_thresh=2: a lockup is 4 s stuck, checked every 0.8 s; 10 s of spinning is two reports.
    session::Summary summary = create_session(options_for(
        "insmod " + module_path("spin") + " seconds=10; lsmod; rmmod spin; lsmod", "watchdog_thresh=2"))->run();
    INFO(summary.console);
    REQUIRE(summary.stop.reason == StopReason::PowerOff);
    CHECK(summary.commands_succeeded);
    std::smatch match;
    REQUIRE(std::regex_search(summary.console, match, kSoftLockup));
    int const stuck = std::stoi(match[1]);
    CHECK(stuck >= 4);
    CHECK(stuck <= 5);
    // Where the CPU was, symbolised, and how it got there.
    std::string const report = summary.console.substr(static_cast<size_t>(match.position(0)));
    CHECK(contains(report, "Modules linked in: spin"));
    CHECK(std::regex_search(report, std::regex(R"(RIP: [0-9a-f]{4}:spin_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[spin\])")));
    CHECK(contains(report, "Call Trace:"));
    // Reported again while it stays stuck, the kernel tainted L by then.
    auto const reports = std::distance(std::sregex_iterator(summary.console.begin(), summary.console.end(), kSoftLockup),
                                       std::sregex_iterator());
    CHECK(reports == 2);
    CHECK(std::regex_search(summary.console, std::regex(R"(Tainted: [A-Z]*L)")));
    CHECK(contains(summary.console, "spin: done after 10 s"));
    CHECK(contains(summary.commands[1].output, "spin "));
    CHECK(summary.commands[3].output.find("spin ") == std::string::npos);
}

TEST_CASE("stuck: the watchdog's default threshold is Linux's 20 s, and idle or user time is no lockup")
{
    // 25 s spinning: one report, past 20 s. The sleep afterwards idles for a minute: no report.
    session::Summary summary = create_session(options_for("insmod " + module_path("spin") + " seconds=25; sleep 60s; lsmod"))->run();
    INFO(summary.console);
    REQUIRE(summary.commands_succeeded);
    std::smatch match;
    REQUIRE(std::regex_search(summary.console, match, kSoftLockup));
    CHECK(std::stoi(match[1]) >= 20);
    CHECK(std::stoi(match[1]) <= 25);
    CHECK(count_of(summary.console, "soft lockup") == 1);
}

TEST_CASE("stuck: watchdog_thresh=0 turns the detector off, softlockup_panic=1 panics")
{
    SECTION("off")
    {
        session::Summary summary = create_session(options_for("insmod " + module_path("spin") + " seconds=6",
                                                              "watchdog_thresh=0"))->run();
        CHECK(summary.commands_succeeded);
        CHECK_FALSE(contains(summary.console, "soft lockup"));
    }
    SECTION("panic, and the JSON says the command died with the guest")
    {
        session::Summary summary = create_session(options_for("insmod " + module_path("spin") + "; lsmod",
                                                              "watchdog_thresh=1 softlockup_panic=1"))->run();
        INFO(summary.console);
        CHECK(summary.stop.reason == StopReason::Panic);
        CHECK(std::regex_search(summary.console, kSoftLockup));
        CHECK(contains(summary.console, "Kernel panic - not syncing: softlockup: hung tasks"));
        CHECK(summary.exit_status() == session::kExitGuestCrashed);
        nlohmann::json json = summary.to_json();
        const nlohmann::json& insmod = json["commands"][0];
        CHECK(insmod["ran"] == true);
        CHECK(insmod["ok"] == false);
        CHECK(insmod["outcome"] == "guest-died");
        CHECK(insmod["status"].is_null()); // not 0: it never returned
        CHECK(insmod["errno"].is_null());
        CHECK(insmod["error"] == "the machine stopped while the guest was running this command");
        CHECK(json["commands"][1]["outcome"] == "not-run");
        CHECK(json["commands"][1]["status"].is_null());
        CHECK(json["cut_off"].is_null());
    }
}

TEST_CASE("stuck: the per-command limit stops a command that never answers, after the watchdog spoke")
{
    session::SessionOptions options = options_for("insmod " + module_path("spin") + "; lsmod");
    options.limits.command_ns = 30 * kSecond;
    session::Summary summary = create_session(std::move(options))->run();
    INFO(summary.console);
    REQUIRE(summary.cut_off);
    CHECK(summary.cut_off->kind == session::Cutoff::Kind::CommandLimit);
    CHECK(summary.exit_status() == session::kExitTimedOut);
    CHECK_FALSE(summary.guest_crashed());
    CHECK(std::regex_search(summary.console, kSoftLockup)); // at 20 s, before the limit at 30 s
    CHECK(contains(summary.cut_off->where, "spin_init+0x"));
    CHECK(contains(summary.cut_off->where, " [spin]"));

    std::string const report = summary.crash_report();
    CHECK(report.starts_with("lkmemu: insmod " + module_path("spin")
                             + ": timed out: no answer after 30 s of guest time (--command-timeout); the CPU was at RIP 0x"));
    CHECK(contains(report, "--- registers ---\nRIP: 0008:"));

    nlohmann::json json = summary.to_json();
    CHECK(json["exit_status"] == session::kExitTimedOut);
    CHECK(json["cut_off"]["reason"] == "command-timeout");
    CHECK(json["cut_off"]["limit_s"] == 30);
    CHECK(contains(json["cut_off"]["where"].get<std::string>(), "spin_init"));
    CHECK(json["commands"][0]["outcome"] == "timed-out");
    CHECK(json["commands"][0]["status"].is_null());
    CHECK(contains(json["commands"][0]["error"].get<std::string>(), "timed out"));
    CHECK(json["commands"][1]["outcome"] == "not-run");
}

TEST_CASE("stuck: the overall limit counts guest time, sleeps included, and commands that answer are not cut")
{
    session::SessionOptions options = options_for("lsmod; sleep 10m; lsmod");
    options.limits = {.command_ns = 1 * kSecond, .session_ns = 5 * 60 * kSecond};
    session::Summary summary = create_session(std::move(options))->run();
    REQUIRE(summary.cut_off);
    CHECK(summary.cut_off->kind == session::Cutoff::Kind::SessionLimit);
    CHECK(summary.commands[0].ok);
    nlohmann::json json = summary.to_json();
    CHECK(json["cut_off"]["reason"] == "timeout");
    CHECK(json["cut_off"]["limit_s"] == 300);
    CHECK(json["exit_status"] == session::kExitTimedOut);
    CHECK(json["commands"][2]["outcome"] == "not-run");
}

TEST_CASE("stuck: lkmemu run's --command-timeout ends `insmod spin.ko` with the watchdog line and the JSON")
{
    std::string json_path = temp_path("timeout.json");
    // 30 s: the soft lockup is reported 24 s into the boot, and checking spin.ko's signature takes
    // about 1.5 s of guest time (1.5 million instructions) before init spins (docs/versions.md).
    CliOutcome outcome = run_lkmemu("run -c 'insmod " + module_path("spin") + "; lsmod' --console --command-timeout 30s --json " + json_path);
    INFO(outcome.output);
    CHECK(outcome.status == session::kExitTimedOut);
    CHECK(std::regex_search(outcome.output, kSoftLockup));
    CHECK(contains(outcome.output, "lkmemu: insmod " + module_path("spin") + ": timed out: no answer after 30 s of guest time"));
    CHECK(contains(outcome.output, "lkmemu: lsmod: not run: the machine stopped first"));
    auto json = nlohmann::json::parse(read_text(json_path), nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    CHECK(json["exit_status"] == session::kExitTimedOut);
    CHECK(json["commands"][0]["outcome"] == "timed-out");
    std::remove(json_path.c_str());

    SECTION("a malformed limit is a usage error")
    {
        CliOutcome bad = run_lkmemu("run -c lsmod --timeout 5parsecs");
        CHECK(bad.status == session::kExitUsageOrIo);
        CHECK(contains(bad.output, "lkmemu: --timeout: invalid duration '5parsecs'"));
    }
}

TEST_CASE("stuck: SIGTERM and SIGINT to a running lkmemu run write the summary so far and exit 128 + N")
{
    auto signal = GENERATE(SIGTERM, SIGINT);
    std::string json_path = temp_path("signal.json");
    std::string console_path = temp_path("signal.console");
    std::remove(json_path.c_str());
    pid_t child = spawn_lkmemu({"run", "--console", "--command-timeout", "0", "--timeout", "0", "-c",
                                "lsmod; insmod " + module_path("spin"), "--json", json_path},
                               console_path);
    REQUIRE(child >= 0);
    // Until the module spins (a few ms of wall time after the start; generous for a loaded host).
    bool spinning = false;
    for (int i = 0; i < 600 && !spinning; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        spinning = contains(read_text(console_path), "spin: spinning for ever");
    }
    CHECK(spinning);
    kill(child, signal);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    std::string output = read_text(console_path);
    INFO(output);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + signal);
    std::string const name = signal == SIGTERM ? "SIGTERM" : "SIGINT";
    CHECK(contains(output, "lkmemu: stopped by " + name + " while the guest ran insmod " + module_path("spin")
                               + "; the CPU was at RIP 0x"));
    auto json = nlohmann::json::parse(read_text(json_path), nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    CHECK(json["exit_status"] == 128 + signal);
    CHECK(json["cut_off"]["reason"] == "signal");
    CHECK(json["cut_off"]["signal"] == name);
    CHECK(json["commands"][0]["outcome"] == "completed");
    CHECK(json["commands"][1]["outcome"] == "interrupted");
    CHECK(json["commands"][1]["status"].is_null());
    CHECK(contains(json["console"].get<std::string>(), "spin: spinning for ever"));
    std::remove(json_path.c_str());
    std::remove(console_path.c_str());
}

// Under --gdb too: waiting for gdb to connect, or with a client connected and the machine
// stopped under it, a signal ends the run with the summary written (gdb's own Ctrl-C is a
// protocol byte and is not this).
TEST_CASE("stuck: SIGTERM to lkmemu run --gdb-wait, before gdb connects or while one is connected, writes the summary")
{
    bool const connect_client = GENERATE(false, true);
    std::string json_path = temp_path("gdb_signal.json");
    std::string console_path = temp_path("gdb_signal.console");
    std::remove(json_path.c_str());
    pid_t child = spawn_lkmemu({"run", "--gdb", "127.0.0.1:0", "--gdb-wait", "-c", "lsmod", "--json", json_path},
                               console_path);
    REQUIRE(child >= 0);
    const std::regex listening(R"(gdb: listening on 127\.0\.0\.1:(\d+))");
    std::smatch port;
    std::string text;
    for (int i = 0; i < 600; ++i) {
        text = read_text(console_path);
        if (std::regex_search(text, port, listening))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(port.size() == 2);
    int client = -1;
    if (connect_client) {
        client = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(std::stoi(port[1].str())));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        bool connected = false;
        for (int i = 0; i < 600 && !connected; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            connected = contains(read_text(console_path), "gdb: client connected");
        }
        CHECK(connected);
    }
    kill(child, SIGTERM);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    if (client >= 0)
        close(client);
    std::string output = read_text(console_path);
    INFO(output);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
    CHECK(contains(output, "lkmemu: stopped by SIGTERM"));
    auto json = nlohmann::json::parse(read_text(json_path), nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    CHECK(json["exit_status"] == 128 + SIGTERM);
    CHECK(json["cut_off"]["signal"] == "SIGTERM");
    CHECK(json["stop"]["message"] == "interrupted");
    std::remove(json_path.c_str());
    std::remove(console_path.c_str());
}
