// What a CI job and a first-time user see from the command line: `expect` in -c and scripts,
// --stop-on-error, commands piped on standard input, --version, each subcommand's --help, `check`
// against kernel.elf and against the modules before it, and scripts/demo.sh's session.
#include "session.h"

#include <support/module_signature.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

using namespace lkmemu::testing;

namespace {

const std::string kLkmemu = LKMEMU_BINARY_PATH;
const std::string kModules = LKMEMU_MODULES_DIR;

// A shell command line's status and its standard output and error, together.
CliOutcome shell(const std::string& command) { return run_shell(command + " 2>&1"); }

std::string module(const std::string& name) { return kModules + "/" + name + ".ko"; }

} // namespace

TEST_CASE("expect ERRNO makes an expected refusal ok, a miss fails the run, and the JSON says which")
{
    std::string const hello = module("hello");
    CliOutcome met = run_lkmemu("run -c 'insmod " + hello + "; expect EEXIST insmod " + hello
                                + "; expect fail rmmod nosuch; expect EWOULDBLOCK rmmod -f nosuch2; rmmod hello' --json -",
                                /*merge_stderr=*/false);
    INFO(met.output);
    CHECK(met.status == 1); // EWOULDBLOCK is EAGAIN, but rmmod -f nosuch2 fails with ENOENT
    auto summary = nlohmann::json::parse(met.output, nullptr, false);
    REQUIRE_FALSE(summary.is_discarded());
    auto const& commands = summary["commands"];
    REQUIRE(commands.size() == 5);
    CHECK(commands[0]["expect"].is_null());
    CHECK(commands[1]["expect"] == "EEXIST");
    CHECK(commands[1]["ok"] == true);
    CHECK(commands[1]["errno"] == "EEXIST");
    CHECK(commands[1]["error"] == "insmod: ERROR: could not insert module " + hello + ": File exists\n"
                                  "insmod: kernel: hello: a module of this name is already loaded");
    CHECK(commands[2]["expect"] == "fail");
    CHECK(commands[2]["ok"] == true);
    CHECK(commands[3]["expect"] == "EAGAIN");
    CHECK(commands[3]["ok"] == false);
    CHECK(commands[3]["error"].get<std::string>().ends_with(
        "\nlkmemu: expect EWOULDBLOCK rmmod -f nosuch2: expected EAGAIN, but it failed with ENOENT"));
    CHECK(commands[4]["ok"] == true);

    CliOutcome all_met = run_lkmemu("run -c 'insmod " + hello + "; expect EEXIST insmod " + hello + "'");
    CHECK(all_met.status == 0);
    CliOutcome succeeded = run_lkmemu("run -c 'expect fail lsmod'");
    CHECK(succeeded.status == 1);
    CHECK(contains(succeeded.output, "lkmemu: expect fail lsmod: expected to fail, but it succeeded"));
    CliOutcome bad = run_lkmemu("run -c 'expect EFROB lsmod'");
    CHECK(bad.status == 2);
    CHECK(contains(bad.output, "expect EFROB lsmod: expect: 'EFROB' is no errno name (EEXIST, ENOENT ...) nor 'fail'"));
}

TEST_CASE("expect in a script file, the shipped docs/examples/session.txt")
{
    // Its paths are build/modules/...: run it from a folder where build/ is this build.
    std::filesystem::path const build = std::filesystem::path(kLkmemu).parent_path().parent_path();
    std::filesystem::path const folder = std::filesystem::temp_directory_path() / ("lkmemu-session-" + std::to_string(getpid()));
    std::filesystem::create_directories(folder);
    std::filesystem::remove(folder / "build");
    std::filesystem::create_directory_symlink(build, folder / "build");
    CliOutcome outcome = shell("cd " + folder.string() + " && " + kLkmemu + " run --script "
                               + LKMEMU_SOURCE_DIR + "/docs/examples/session.txt");
    std::filesystem::remove_all(folder);
    INFO(outcome.output);
    CHECK(outcome.status == 0);
    CHECK(contains(outcome.output, "Module                  Size  Used by\nhello                  12288  0\n"));
    CHECK(contains(outcome.output, "insmod: ERROR: could not insert module build/modules/hello.ko: File exists\n"));
    CHECK(contains(outcome.output, "rmmod: ERROR: Module hello is not currently loaded\n"));
    CHECK(contains(outcome.output, "] Hello, script!\n"));
    CHECK(contains(outcome.output, "] Goodbye, script!\n"));
}

TEST_CASE("run --stop-on-error runs nothing after the first failure and says so")
{
    CliOutcome outcome = run_lkmemu("run --stop-on-error -c 'lsmod; rmmod nosuch; lsmod; dmesg' --json -", false);
    CHECK(outcome.status == 1);
    auto summary = nlohmann::json::parse(outcome.output, nullptr, false);
    REQUIRE_FALSE(summary.is_discarded());
    auto const& commands = summary["commands"];
    REQUIRE(commands.size() == 4);
    CHECK(commands[0]["ok"] == true);
    CHECK(commands[1]["error"] == "rmmod: ERROR: Module nosuch is not currently loaded");
    for (int i : { 2, 3 }) {
        CHECK(commands[i]["ran"] == false);
        CHECK(commands[i]["error"] == "not run: an earlier command failed (--stop-on-error)");
    }
    // A met expectation is no failure.
    CHECK(run_lkmemu("run --stop-on-error -c 'expect ENOENT rmmod nosuch; lsmod'").status == 0);
    // Without the option every command runs.
    CliOutcome all = run_lkmemu("run -c 'rmmod nosuch; cat /proc/modules' --json -", false);
    auto all_summary = nlohmann::json::parse(all.output, nullptr, false);
    REQUIRE_FALSE(all_summary.is_discarded());
    CHECK(all_summary["commands"][1]["ran"] == true);
}

TEST_CASE("commands piped on standard input run as a script")
{
    CliOutcome outcome = shell("printf 'insmod " + module("hello") + " who=pipe\\nlsmod\\nexpect ENOENT rmmod nosuch\\n' | "
                               + kLkmemu + " run --json -");
    INFO(outcome.output);
    CHECK(outcome.status == 0);
    CHECK(contains(outcome.output, "Module                  Size  Used by\nhello                  12288  0\n"));
    CHECK(contains(outcome.output, "\"command\": \"expect ENOENT rmmod nosuch\""));
    // Nothing on standard input: nothing to run, a clean power-off.
    CHECK(run_lkmemu("run").status == 0);
}

TEST_CASE("lkmemu --version gives lkmemu's and Unicorn's versions")
{
    CliOutcome outcome = run_lkmemu("--version");
    CHECK(outcome.status == 0);
    CHECK(outcome.output.starts_with("lkmemu 0."));
    CHECK(contains(outcome.output, " (Unicorn 2."));
}

TEST_CASE("modinfo --help and check --help list FILE and their options")
{
    CliOutcome modinfo = run_lkmemu("modinfo --help");
    CHECK(modinfo.status == 0);
    CHECK(contains(modinfo.output, "Usage: lkmemu modinfo [OPTIONS] FILE..."));
    for (const char* option : { "-F,--field", "-0,--null", "-p,--parameters" })
        CHECK(contains(modinfo.output, option));
    CliOutcome check = run_lkmemu("check --help");
    CHECK(check.status == 0);
    CHECK(contains(check.output, "Usage: lkmemu check [OPTIONS] FILE..."));
    for (const char* option : { "--kernel ", "--kernel-symbols", "--no-kernel", "--module" })
        CHECK(contains(check.output, option));
    CHECK(contains(check.output, "(default: " + std::filesystem::path(kLkmemu).parent_path().string() + "/kernel.elf)"));
    CHECK(run_lkmemu("run --help").status == 0);
    CHECK(contains(run_lkmemu("run --help").output, "--stop-on-error"));
}

TEST_CASE("check links against kernel.elf by default, and each FILE against the exports of those before it")
{
    std::string const provider = module("provider"), consumer = module("consumer");
    CliOutcome both = run_lkmemu("check " + provider + " " + consumer);
    INFO(both.output);
    CHECK(both.status == 0);
    CHECK(contains(both.output, provider + ": ok: module provider,"));
    CHECK(contains(both.output, consumer + ": ok: module consumer,"));
    CHECK_FALSE(contains(both.output, "unresolved without --kernel")); // kernel.elf resolved printk

    // In insmod's order: the consumer first finds no provider_add.
    CliOutcome reversed = run_lkmemu("check " + consumer + " " + provider);
    CHECK(reversed.status == 1);
    CHECK(contains(reversed.output, consumer + ": ENOENT: Unknown symbol: provider_add\n"));
    CHECK(contains(reversed.output, provider + ": ok: module provider,"));

    CliOutcome no_kernel = run_lkmemu("check --no-kernel " + module("hello"));
    CHECK(no_kernel.status == 0);
    CHECK(contains(no_kernel.output, "; unresolved without --kernel: printk\n"));

    CliOutcome missing = run_lkmemu("check --kernel /nonexistent/kernel.elf " + module("hello"));
    CHECK(missing.status == 1);
}

TEST_CASE("insmod names every unknown symbol, one kernel line each, as Linux logs them")
{
    // consumer.ko with its printk import renamed printq (the same length; in the symbol table and
    // in __versions alike): two imports no one exports, provider_add and printq.
    std::ifstream in(module("consumer"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Its unsigned image: the patch would break the signature (EKEYREJECTED before any symbol).
    bytes.resize(lkmemu::module_image_size(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
    std::string const from("printk\0", 7), to("printq\0", 7);
    size_t renamed = 0;
    for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + 1), ++renamed)
        bytes.replace(at, from.size(), to);
    REQUIRE(renamed > 0);
    std::string const path =
        (std::filesystem::temp_directory_path() / ("lkmemu-consumer-" + std::to_string(getpid()) + ".ko")).string();
    std::ofstream(path, std::ios::binary) << bytes;

    auto session = run_session("insmod " + path);
    std::filesystem::remove(path);
    REQUIRE(session.results.size() == 1);
    CHECK(session.result(0).status == -2);
    CHECK(session.result(0).error == "insmod: ERROR: could not insert module " + path
                                                   + ": Unknown symbol in module\n"
                                                     // the copy is unsigned: Linux's notice, before simplify_symbols
                                                     "insmod: kernel: consumer: module verification failed: signature and/or required key missing - tainting kernel\n"
                                                     "insmod: kernel: consumer: Unknown symbol provider_add (err -2)\n"
                                                     "insmod: kernel: consumer: Unknown symbol printq (err -2)");
}

TEST_CASE("scripts/demo.sh shows a module's life and the refusals it means")
{
    std::string const build = std::filesystem::path(kLkmemu).parent_path().parent_path().string();
    CliOutcome demo = shell("LKMEMU_BUILD_DIR=" + build + " " + LKMEMU_SOURCE_DIR + "/scripts/demo.sh --no-build");
    INFO(demo.output);
    CHECK(demo.status == 0);
    std::string const out = mask_timestamps(demo.output);
    // The demo shows paths inside the source tree relative to it, as a user there types them.
    auto shown = [](std::string path) {
        std::string const root = std::string(LKMEMU_SOURCE_DIR) + "/";
        return path.starts_with(root) ? path.substr(root.size()) : path;
    };
    for (const std::string& line : {
             "lkmemu> insmod " + shown(module("hello")) + " who=demo\n",
             std::string("lkmemu> dmesg   (the log since init started)\n  [TIMESTAMP] Hello, demo!\nlkmemu> lsmod\n"),
             std::string("  Module                  Size  Used by\n  hello                  12288  0\nlkmemu> vmmap   (the module's sections)\n"),
             std::string(" r-x hello .exit.text\n"),
             std::string("lkmemu> rmmod hello\nlkmemu> lsmod\n  Module                  Size  Used by\nlkmemu> dmesg   (what is new in the log)\n"
                         "  [TIMESTAMP] Goodbye, demo!\nexit status 0\n"),
             "  insmod: ERROR: could not insert module " + shown(module("hello")) + ": File exists\n",
             std::string("  insmod: kernel: unresolved: Unknown symbol lkmemu_no_such_symbol (err -2)\n"
                         "  (failed as expected: ok)\nexit status 0\n"),
         }) {
        INFO(line);
        CHECK(contains(out, line));
    }
}
