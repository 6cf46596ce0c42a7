// `--json` never aborts (issue #16, item 2): text from the guest or the user that is not UTF-8 —
// a module's vermagic, a parameter printed by printk, a path — is written as valid UTF-8 (U+FFFD
// for each bad byte) with the raw bytes in base64 beside it; and a --json path that cannot be
// written is reported before the session starts (item 7).
#include "module_support.h"

#include <session/json_text.h>
#include <session/summary.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

std::string temp_path(const std::string& name)
{
    return "/tmp/lkmemu-json-test-" + std::to_string(getpid()) + "-" + name;
}

void write_bytes(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

const std::string kReplacement = "\xef\xbf\xbd";

std::string from_base64(const std::string& text)
{
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    uint32_t group = 0;
    int bits = 0;
    for (char c : text) {
        size_t value = alphabet.find(c);
        if (value == std::string::npos)
            break; // '=' padding
        group = group << 6 | static_cast<uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes += static_cast<char>((group >> bits) & 0xff);
        }
    }
    return bytes;
}

} // namespace

TEST_CASE("json text: valid UTF-8 is kept byte for byte, every other byte becomes one U+FFFD")
{
    using session::is_valid_utf8;
    using session::valid_utf8;
    CHECK(valid_utf8("hello") == "hello");
    CHECK(valid_utf8("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80") == "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
    CHECK(is_valid_utf8(std::string("nul \0 inside", 12)));
    CHECK(valid_utf8("a\xff" "b") == "a" + kReplacement + "b");
    CHECK(valid_utf8("\x80\x80") == kReplacement + kReplacement);     // lone continuation bytes
    CHECK(valid_utf8("\xc0\xaf") == kReplacement + kReplacement);     // an overlong '/'
    CHECK(valid_utf8("\xed\xa0\x80") == kReplacement + kReplacement + kReplacement); // a surrogate
    CHECK(valid_utf8("\xf4\x90\x80\x80").size() == 4 * kReplacement.size());       // past U+10FFFF
    CHECK(valid_utf8("end \xe2\x82") == "end " + kReplacement + kReplacement);     // cut short
    CHECK_FALSE(is_valid_utf8("\xfe"));
    CHECK(is_valid_utf8(valid_utf8("\xfe\xc3(\xe2\x28\xa1")));
}

TEST_CASE("json text: base64 is RFC 4648's")
{
    CHECK(session::base64("") == "");
    CHECK(session::base64("f") == "Zg==");
    CHECK(session::base64("fo") == "Zm8=");
    CHECK(session::base64("foo") == "Zm9v");
    CHECK(session::base64("foobar") == "Zm9vYmFy");
    CHECK(session::base64(std::string_view("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("json text: bytes >= 0x80 in printk, vermagic and paths still give a parseable --json")
{
    // params prints its charp parameter; a copy of hello.ko with a 0xff byte in its vermagic is
    // refused with the kernel's "version magic 'X' should be 'Y'", and its path has one too.
    std::string const dir = temp_path("dir");
    std::filesystem::create_directories(dir);
    std::string image = module_image("hello"); // unsigned: the patch would break the signature
    // Past the first word, the kernel release, which a module with symbol CRCs does not compare.
    size_t const at = image.find("mod_unload", image.find("vermagic="));
    REQUIRE(at != std::string::npos);
    image[at] = '\xff';
    std::string const patched = dir + "/hello-\xe9t\xe9.ko"; // Latin-1 "été": not UTF-8
    write_bytes(patched, image);
    std::string const script = dir + "/session.txt";
    write_bytes(script, "insmod " + module_path("params") + " name=\xff\xfe\n"
                        "insmod " + patched + "\n"
                        "dmesg\n");
    std::string const json_path = dir + "/summary.json";

    CliOutcome outcome = run_lkmemu("run --script " + script + " --json " + json_path);
    CHECK(outcome.status == session::kExitCommandFailed); // the patched module is refused
    std::string const text = read_bytes(json_path);
    auto json = nlohmann::json::parse(text, nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    CHECK(session::is_valid_utf8(text));
    CHECK(json["exit_status"] == session::kExitCommandFailed);
    REQUIRE(json["commands"].size() == 3);
    CHECK(json["commands"][0]["ok"] == true);
    CHECK(json["commands"][1]["errno"] == "ENOEXEC");
    CHECK(contains(json["commands"][1]["command"].get<std::string>(), "hello-" + kReplacement + "t" + kReplacement + ".ko"));
    // The console and dmesg's output had the raw bytes: replaced in the text, kept in base64.
    std::string const console = json["console"].get<std::string>();
    CHECK(contains(console, "name=" + kReplacement + kReplacement));
    CHECK(contains(console, "version magic"));
    CHECK(contains(json["commands"][1]["error"].get<std::string>(), "hello-" + kReplacement));
    REQUIRE(json["console_base64"].is_string());
    const nlohmann::json& dmesg = json["commands"][2];
    REQUIRE(dmesg["output_base64"].is_string());
    CHECK(contains(from_base64(dmesg["output_base64"].get<std::string>()), "name=\xff\xfe"));
    CHECK(contains(from_base64(json["console_base64"].get<std::string>()), "name=\xff\xfe"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("json text: an unwritable --json path is reported before the session starts")
{
    CliOutcome outcome = run_lkmemu("run -c dmesg --json /nonexistent/dir/summary.json");
    CHECK(outcome.status == session::kExitUsageOrIo);
    CHECK(contains(outcome.output, "lkmemu: cannot write /nonexistent/dir/summary.json: No such file or directory"));
    // The machine never ran: nothing of dmesg's output.
    CHECK_FALSE(contains(outcome.output, "Run /init as init process"));
}

TEST_CASE("json text: an exception on the host's side ends the run as an error that names it, summary kept")
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.commands = "lsmod; dmesg; lsmod";
    int requests = 0;
    // The hook runs inside the CPU engine's port I/O, where no exception may pass.
    options.before_request = [&](Machine&) {
        if (++requests == 2)
            throw std::runtime_error("the hook gave up");
    };
    session::Summary summary = create_session(std::move(options))->run();
    CHECK(summary.stop.reason == StopReason::EmulatorError);
    CHECK(summary.stop.message == "lkmemu: host error while serving the guest's requests: the hook gave up");
    CHECK(summary.exit_status() == session::kExitGuestCrashed);
    REQUIRE(summary.commands.size() == 3);
    CHECK(summary.commands[0].ok); // what ran before is kept
    CHECK_FALSE(summary.commands[1].ran);
    nlohmann::json json = summary.to_json();
    CHECK(json["commands"][0]["outcome"] == "completed");
    CHECK(json["commands"][1]["outcome"] == "not-run");
    CHECK(contains(summary.crash_report(), "lkmemu: guest crashed (emulator-error): lkmemu: host error"));
}
