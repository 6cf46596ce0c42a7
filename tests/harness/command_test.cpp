// Commands as typed (parse_commands), and the command table: each row's parsing, the request it
// builds, and how it words init's answer.
#include <catch2/catch.hpp>

#include <harness/command.h>
#include <harness/commands/harness_command.h>

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/harness.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

using namespace lkmemu;

static std::vector<Command> parse(std::string_view text)
{
    std::vector<Command> commands;
    CommandParseError error;
    REQUIRE(parse_commands(text, commands, error));
    return commands;
}

TEST_CASE("commands are split on semicolons and newlines, words on blanks")
{
    auto commands = parse("insmod build/modules/hello.ko who=world; lsmod;rmmod hello\n  lsmod  ");
    REQUIRE(commands.size() == 4);
    CHECK(commands[0].text == "insmod build/modules/hello.ko who=world");
    CHECK(commands[0].words == std::vector<std::string> {"insmod", "build/modules/hello.ko", "who=world"});
    CHECK(commands[1].name() == "lsmod");
    CHECK(commands[2].words == std::vector<std::string> {"rmmod", "hello"});
    CHECK(commands[3].text == "lsmod");
}

TEST_CASE("quotes keep blanks and semicolons inside one word")
{
    auto commands = parse("insmod params.ko name='a b; c' greeting=\"say \\\"hi\\\"\"");
    REQUIRE(commands.size() == 1);
    CHECK(commands[0].words[2] == "name=a b; c");
    CHECK(commands[0].words[3] == "greeting=say \"hi\"");
}

TEST_CASE("comments and empty commands are dropped")
{
    auto commands = parse("# a script\n\ndmesg # the log\n;;\nvmmap\n");
    REQUIRE(commands.size() == 2);
    CHECK(commands[0].text == "dmesg");
    CHECK(commands[1].text == "vmmap");
}

TEST_CASE("an unterminated quote is an error that says which quote")
{
    std::vector<Command> commands;
    CommandParseError error;
    CHECK_FALSE(parse_commands("insmod 'oops", commands, error));
    CHECK(error.message == "unterminated single quote");
}

// --- the command table (harness/commands/) ---

namespace {

// Host commands see only this; guest commands never touch it.
struct FakeHost final : HostContext {
    Machine& machine() override
    {
        FAIL("a command touched the machine");
        throw 0;
    }
    const KernelSymbols& kernel_symbols() override
    {
        FAIL("a command read the kernel's symbols");
        throw 0;
    }
    void power_off() override { powered_off = true; }
    void let_guest_time_pass(uint64_t ns) override { slept_ns += ns; }
    bool powered_off = false;
    uint64_t slept_ns = 0;
};

Command one_command(std::string_view text)
{
    auto commands = parse(text);
    REQUIRE(commands.size() == 1);
    return commands[0];
}

std::unique_ptr<HarnessCommand> parsed(std::string_view text)
{
    auto result = parse_command(one_command(text));
    if (result.is_error())
        FAIL(result.error().message);
    return result.release_value();
}

std::string parse_error(std::string_view text)
{
    auto result = parse_command(one_command(text));
    REQUIRE(result.is_error());
    return result.error().message;
}

// What the command asks init for; it must be a guest command that starts.
GuestRequest request_of(HarnessCommand& command)
{
    FakeHost host;
    CommandResult result;
    std::optional<GuestRequest> request = command.start(host, result);
    INFO(result.error);
    REQUIRE(request);
    return std::move(*request);
}

// How the command words init's answer.
CommandResult answered(std::string_view text, int32_t status, std::string_view reason = {})
{
    auto command = parsed(text);
    (void)request_of(*command);
    CommandResult result;
    command->finish(status, reason, result);
    return result;
}

} // namespace

TEST_CASE("every command is found by its name, and help lists them all, by side, from the table")
{
    for (const CommandSpec& spec : command_table()) {
        INFO(spec.name);
        CHECK(find_command(spec.name) == &spec);
        CHECK(help_text().find("  " + std::string(spec.usage)) != std::string::npos);
    }
    CHECK(find_command("frobnicate") == nullptr);
    // As help printed before the table, with sleep added.
    CHECK(help_text() ==
          "Commands (guest commands run as system calls made by the guest's init process):\n"
          "  insmod [-f|--force-modversion|--force-vermagic] FILE [PARAM=VALUE ...] load a module (finit_module, in a child of init); FILE: a host file, else a guest path (guest:/PATH: the guest's)\n"
          "  rmmod [-f] [-w] NAME           unload a module (delete_module); -f forces, -w waits\n"
          "  lsmod                          the loaded modules, as kmod's table (raw: cat /proc/modules)\n"
          "  dmesg                          the kernel log (syslog)\n"
          "  cat PATH                       a file read by init (open/read), e.g. /proc/modules, /dev/...\n"
          "  ls [-l] PATH                   a guest directory listed by init (getdents64; -l: newfstatat)\n"
          "  exec PATH [ARG ...]            run a guest program as init's child (fork, execve, wait4): its output and exit\n"
          "  sh \"COMMAND LINE\"              run /bin/sh -c \"COMMAND LINE\" in the guest, as exec does\n"
          "Inspection commands (answered by the emulator from guest memory):\n"
          "  vmmap                          virtual memory map from the guest's page tables\n"
          "  meminfo                        free pages, kmalloc and module-area use\n"
          "  sleep DURATION                 let guest time pass, the machine idle (500ms, 3s, 5m; plain: seconds)\n"
          "  poweroff                       power the machine off now\n"
          "  help                           this list\n"
          "Any command may start with `expect ERRNO` or `expect fail`: it is ok only if it fails that way\n"
          "  (e.g. expect EEXIST insmod hello.ko)\n");
}

TEST_CASE("an unknown command and a wrong use are refused with the row's usage")
{
    CHECK(parse_error("frobnicate now") == "lkmemu: unknown command 'frobnicate' (try 'help')");
    CHECK(parse_error("insmod") == "insmod: usage: insmod [-f|--force-modversion|--force-vermagic] FILE [PARAM=VALUE ...]");
    CHECK(parse_error("insmod -x hello.ko") == "insmod: usage: insmod [-f|--force-modversion|--force-vermagic] FILE [PARAM=VALUE ...]");
    CHECK(parse_error("insmod -f") == "insmod: usage: insmod [-f|--force-modversion|--force-vermagic] FILE [PARAM=VALUE ...]");
    CHECK(parse_error("rmmod") == "rmmod: usage: rmmod [-f] [-w] NAME");
    CHECK(parse_error("rmmod -f") == "rmmod: usage: rmmod [-f] [-w] NAME");
    CHECK(parse_error("rmmod -x hello") == "rmmod: usage: rmmod [-f] [-w] NAME");
    CHECK(parse_error("rmmod hello world") == "rmmod: usage: rmmod [-f] [-w] NAME");
    CHECK(parse_error("lsmod -a") == "lsmod: usage: lsmod");
    CHECK(parse_error("dmesg -c") == "dmesg: usage: dmesg");
    CHECK(parse_error("cat") == "cat: usage: cat PATH");
    CHECK(parse_error("cat a b") == "cat: usage: cat PATH");
    CHECK(parse_error("vmmap x") == "vmmap: usage: vmmap");
    CHECK(parse_error("meminfo x") == "meminfo: usage: meminfo");
    CHECK(parse_error("poweroff now") == "poweroff: usage: poweroff");
}

TEST_CASE("rmmod takes its options anywhere and keeps the module it names")
{
    for (const char* text : { "rmmod hello -f", "rmmod -f hello", "rmmod --force hello.ko", "rmmod -f /lib/modules/hello.ko" }) {
        INFO(text);
        auto command = parsed(text);
        GuestRequest request = request_of(*command);
        CHECK(request.op == LKMEMU_HARNESS_OP_RMMOD);
        CHECK(request.args == "hello");
        CHECK(request.flags == (LKM_O_NONBLOCK | LKM_O_TRUNC));
        CommandResult result;
        command->finish(-LKM_ENOENT, {}, result);
        // --force skips kmod's "not currently loaded" check: delete_module's ENOENT, in libkmod's
        // words for the module's name (then rmmod's for the argument; kmod_wording_test.cpp).
        CHECK(result.error.starts_with("rmmod: ERROR: could not remove 'hello': No such file or directory\n"));
    }
    CHECK(request_of(*parsed("rmmod hello")).flags == LKM_O_NONBLOCK);
    CHECK(request_of(*parsed("rmmod hello -w")).flags == (LKM_O_NONBLOCK | LKMEMU_HARNESS_RMMOD_WAIT));
    CHECK(request_of(*parsed("rmmod --wait -f hello")).flags ==
          (LKM_O_NONBLOCK | LKM_O_TRUNC | LKMEMU_HARNESS_RMMOD_WAIT));
}

TEST_CASE("guest commands word init's answers as the tools they stand for")
{
    CommandResult ok = answered("lsmod", 0, "hello 12288 0 - Live 0xffffffffa0000000\n");
    CHECK(ok.ok);
    CHECK(ok.status == 0);
    CHECK(ok.output == "Module                  Size  Used by\nhello                  12288  0\n"); // kmod's table
    CHECK(ok.error.empty());

    CommandResult busy = answered("rmmod provider -w", -LKM_EWOULDBLOCK, "Module provider is in use by: consumer");
    CHECK_FALSE(busy.ok);
    CHECK(busy.status == -LKM_EWOULDBLOCK);
    CHECK(busy.error == "rmmod: ERROR: Module provider is in use by: consumer"); // kmod's one line
    CHECK(answered("rmmod nosuch", -LKM_ENOENT).error == "rmmod: ERROR: Module nosuch is not currently loaded");

    CHECK(answered("cat /dev/harness", -LKM_EBUSY).error == "cat: /dev/harness: Device or resource busy");
    CHECK(answered("cat /nosuch", -LKM_ENOENT, "ignored").error == "cat: /nosuch: No such file or directory");
    CHECK(answered("dmesg", -LKM_EPERM).error == "dmesg: Operation not permitted (EPERM)");
    CHECK(answered("lsmod", -LKM_EACCES, "why").error == "lsmod: Permission denied (EACCES): why");
    CHECK(request_of(*parsed("dmesg")).op == LKMEMU_HARNESS_OP_DMESG);
    GuestRequest cat = request_of(*parsed("cat /proc/modules"));
    CHECK(cat.op == LKMEMU_HARNESS_OP_READ_FILE);
    CHECK(cat.args == "/proc/modules");
}

TEST_CASE("insmod sends the file and its parameters, and words failures as kmod")
{
    auto const dir = std::filesystem::temp_directory_path() / ("lkmemu_command_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto const file = (dir / "m.ko").string();
    std::ofstream(file, std::ios::binary) << "\x7f" "ELF-ish";

    auto command = parsed("insmod " + file + " who=world  count=3");
    GuestRequest request = request_of(*command);
    CHECK(request.op == LKMEMU_HARNESS_OP_INSMOD);
    CHECK(request.args == "who=world count=3");
    // The file is the request's data, read where it lies when the guest asks (GET_DATA).
    REQUIRE(request.data);
    REQUIRE(request.data->size() == 8);
    std::vector<uint8_t> bytes(8);
    CHECK(request.data->read_at(0, bytes) == 8);
    CHECK(std::string(bytes.begin(), bytes.end()) == "\x7f" "ELF-ish");
    CHECK(request.data->read_at(5, std::span(bytes).first(8)) == 3); // a read past the end is short
    CHECK(request.data->read_at(8, bytes) == 0);
    CommandResult refused;
    command->finish(-LKM_ENOEXEC, "m: bad ELF", refused);
    CHECK(refused.error == "insmod: ERROR: could not insert module " + file + ": Invalid module format\n"
                           "insmod: kernel: m: bad ELF");
    CHECK(answered("insmod " + file, -LKM_ENOENT).error ==
          "insmod: ERROR: could not insert module " + file + ": Unknown symbol in module");
    CHECK(answered("insmod " + file, -LKM_EEXIST).error ==
          "insmod: ERROR: could not insert module " + file + ": File exists"); // strerror: "Module already in kernel" is modprobe's

    // Files that never reach the guest.
    FakeHost host;
    auto start_error = [&](const std::string& text) {
        CommandResult result;
        CHECK_FALSE(parsed(text)->start(host, result));
        return result.error;
    };
    CHECK(start_error("insmod nosuch-relative.ko") ==
          "insmod: ERROR: could not load module nosuch-relative.ko: No such file or directory");
    // An absolute path no host file has is the guest's (guest:/PATH always is): init opens it.
    for (std::string path : { (dir / "nosuch.ko").string(), "guest:" + file }) {
        INFO(path);
        GuestRequest guest = request_of(*parsed("insmod " + path + " who=x"));
        CHECK(guest.op == LKMEMU_HARNESS_OP_INSMOD_FILE);
        std::string const shown = path.starts_with("guest:") ? path.substr(6) : path;
        CHECK(guest.args == shown + std::string("\0who=x", 6));
        CHECK(!guest.data);
        CommandResult refused;
        parsed("insmod " + path)->finish(-LKM_ENOENT, LKMEMU_HARNESS_RESPONSE_NOT_OPENED, {}, refused);
        CHECK(refused.error == "insmod: ERROR: could not load module " + shown + ": No such file or directory");
    }
    CHECK(start_error("insmod " + dir.string()) ==
          "insmod: ERROR: could not load module " + dir.string() + ": Is a directory");
    // Not regular files: refused before a byte is read (a FIFO without a writer does not block).
    CHECK(start_error("insmod /dev/zero") ==
          "insmod: ERROR: could not load module /dev/zero: Invalid argument\n"
          "insmod: lkmemu: not a regular file");
    auto const fifo = (dir / "fifo.ko").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(start_error("insmod " + fifo) ==
          "insmod: ERROR: could not load module " + fifo + ": Invalid argument\n"
          "insmod: lkmemu: not a regular file");
    // Larger than the kernel takes (sparse: no disk is used): not read here, the kernel refuses it.
    auto const huge = (dir / "huge.ko").string();
    std::ofstream(huge, std::ios::binary).put('x');
    std::filesystem::resize_file(huge, LKMEMU_HARNESS_MAX_MESSAGE);
    GuestRequest huge_request = request_of(*parsed("insmod " + huge));
    REQUIRE(huge_request.data);
    CHECK(huge_request.data->size() == LKMEMU_HARNESS_MAX_MESSAGE);
    std::filesystem::remove_all(dir);
}

TEST_CASE("host commands run on the host and ask init for nothing")
{
    FakeHost host;
    CommandResult help;
    CHECK_FALSE(parsed("help me")->start(host, help));
    CHECK(help.ok);
    CHECK(help.output == help_text());
    CHECK_FALSE(host.powered_off);

    CommandResult off;
    CHECK_FALSE(parsed("poweroff")->start(host, off));
    CHECK(off.ok);
    CHECK(host.powered_off);
}

TEST_CASE("sleep takes 500ms, 3s, 5m or plain seconds and lets that much guest time pass")
{
    auto slept = [](std::string_view text) {
        FakeHost host;
        CommandResult result;
        CHECK_FALSE(parsed(text)->start(host, result));
        CHECK(result.ok);
        return host.slept_ns;
    };
    CHECK(slept("sleep 500ms") == 500'000'000ull);
    CHECK(slept("sleep 3s") == 3'000'000'000ull);
    CHECK(slept("sleep 5m") == 300'000'000'000ull);
    CHECK(slept("sleep 2") == 2'000'000'000ull);
    CHECK(slept("sleep 0.25") == 250'000'000ull);
    for (std::string_view wrong : { "sleep", "sleep 3h", "sleep -1", "sleep s", "sleep 1 2" }) {
        auto command = parse_command(one_command(wrong));
        REQUIRE(command.is_error());
        CHECK(command.error().message == "sleep: usage: sleep DURATION");
    }
}

TEST_CASE("a request is encoded as init reads it: header, arguments with their NUL, the data apart")
{
    GuestRequest request { LKMEMU_HARNESS_OP_INSMOD, 7, "a=1",
                           std::make_unique<HarnessBytes>(std::vector<uint8_t> { 0xde, 0xad }) };
    auto encoded = encode_request(request);
    REQUIRE_FALSE(encoded.is_error());
    const std::vector<uint8_t>& bytes = encoded.value();
    REQUIRE(bytes.size() == sizeof(lkmemu_harness_request) + 4);
    CHECK(encoded_size(request) == bytes.size());
    lkmemu_harness_request header;
    std::memcpy(&header, bytes.data(), sizeof header);
    CHECK(header.op == LKMEMU_HARNESS_OP_INSMOD);
    CHECK(header.flags == 7);
    CHECK(header.args_length == 4);
    CHECK(header.data_length == 2);
    CHECK(std::memcmp(bytes.data() + sizeof header, "a=1\0", 4) == 0);

    // No arguments is the empty string.
    auto bare = encode_request(GuestRequest { LKMEMU_HARNESS_OP_LSMOD, 0, {}, {} });
    REQUIRE_FALSE(bare.is_error());
    CHECK(bare.value().size() == sizeof(lkmemu_harness_request) + 1);
    CHECK(bare.value().back() == 0);

    GuestRequest too_large { LKMEMU_HARNESS_OP_INSMOD, 0, std::string(LKMEMU_HARNESS_MAX_MESSAGE, 'a'), {} };
    auto refused = encode_request(too_large);
    REQUIRE(refused.is_error());
    CHECK(refused.error().message == "the request is " + std::to_string(encoded_size(too_large)) +
                                         " bytes; the harness carries at most " +
                                         std::to_string(LKMEMU_HARNESS_MAX_MESSAGE));
}

TEST_CASE("ls: -l before one path, errors in coreutils' words")
{
    CHECK(parse_error("ls") == "ls: usage: ls [-l] PATH");
    CHECK(parse_error("ls -l") == "ls: usage: ls [-l] PATH");
    CHECK(parse_error("ls -a /proc") == "ls: usage: ls [-l] PATH");
    CHECK(parse_error("ls /proc /dev") == "ls: usage: ls [-l] PATH");
    CHECK(answered("ls /proc", 0, "modules\nself\n").output == "modules\nself\n");
    CHECK(answered("ls /nope", -LKM_ENOENT, "").error == "ls: cannot access '/nope': No such file or directory");
    CHECK(answered("ls -l /root", -LKM_EACCES, "").error == "ls: cannot open directory '/root': Permission denied");
}
