// `expect ERRNO COMMAND` and `expect fail COMMAND`: parsed off the command, then measured against
// how the command ended (apply_expectation), as the runner does for each command.
#include <catch2/catch.hpp>

#include <harness/command.h>

#include <lkmemu/errno.h>

using namespace lkmemu;

namespace {

Command one(std::string_view text)
{
    std::vector<Command> commands;
    CommandParseError error;
    REQUIRE(parse_commands(text, commands, error));
    REQUIRE(commands.size() == 1);
    return commands[0];
}

std::string refused(std::string_view text)
{
    std::vector<Command> commands;
    CommandParseError error;
    CHECK_FALSE(parse_commands(text, commands, error));
    return error.message;
}

CommandResult ended(const Command& command, bool ok, int status, std::string error = {})
{
    CommandResult result;
    result.command = command.text;
    result.ran = true;
    result.ok = ok;
    result.status = status;
    result.error = std::move(error);
    result.expect = command.expect;
    apply_expectation(result);
    return result;
}

} // namespace

TEST_CASE("expect ERRNO and expect fail come off the command's words, its text stays as typed")
{
    Command command = one("expect EEXIST insmod hello.ko who=x");
    CHECK(command.text == "expect EEXIST insmod hello.ko who=x");
    CHECK(command.words == std::vector<std::string> { "insmod", "hello.ko", "who=x" });
    REQUIRE(command.expect);
    CHECK(command.expect->errno_value == LKM_EEXIST);
    CHECK(expectation_text(*command.expect) == "EEXIST");

    Command any = one("expect fail rmmod hello");
    CHECK(any.words == std::vector<std::string> { "rmmod", "hello" });
    REQUIRE(any.expect);
    CHECK(any.expect->errno_value == 0);
    CHECK(expectation_text(*any.expect) == "fail");

    // Linux's second names are the same numbers.
    CHECK(one("expect EWOULDBLOCK rmmod provider").expect->errno_value == LKM_EAGAIN);
    CHECK_FALSE(one("insmod expect.ko").expect);

    std::vector<Command> several;
    CommandParseError error;
    REQUIRE(parse_commands("insmod a.ko; expect EEXIST insmod a.ko\nexpect fail rmmod b", several, error));
    REQUIRE(several.size() == 3);
    CHECK_FALSE(several[0].expect);
    CHECK(several[1].expect->errno_value == LKM_EEXIST);
    CHECK(several[2].expect->errno_value == 0);
}

TEST_CASE("a wrong expect is refused when the commands are parsed")
{
    CHECK(refused("lsmod; expect EEXIST") ==
          "expect EEXIST: usage: expect ERRNO|fail COMMAND (e.g. expect EEXIST insmod hello.ko)");
    CHECK(refused("expect") == "expect: usage: expect ERRNO|fail COMMAND (e.g. expect EEXIST insmod hello.ko)");
    CHECK(refused("expect EFROB insmod a.ko") ==
          "expect EFROB insmod a.ko: expect: 'EFROB' is no errno name (EEXIST, ENOENT ...) nor 'fail'");
    CHECK(refused("expect 17 insmod a.ko") ==
          "expect 17 insmod a.ko: expect: '17' is no errno name (EEXIST, ENOENT ...) nor 'fail'");
}

TEST_CASE("an expected failure is ok, a success or another errno is not, and says what was expected")
{
    Command eexist = one("expect EEXIST insmod a.ko");
    CommandResult met = ended(eexist, false, -LKM_EEXIST, "insmod: ERROR: could not insert module a.ko: File exists");
    CHECK(met.ok);
    CHECK(met.error == "insmod: ERROR: could not insert module a.ko: File exists"); // still shown

    CommandResult succeeded = ended(eexist, true, 0);
    CHECK_FALSE(succeeded.ok);
    CHECK(succeeded.error == "lkmemu: expect EEXIST insmod a.ko: expected to fail with EEXIST, but it succeeded");

    CommandResult other = ended(eexist, false, -LKM_ENOEXEC, "insmod: ERROR: could not insert module a.ko: Invalid module format");
    CHECK_FALSE(other.ok);
    CHECK(other.error == "insmod: ERROR: could not insert module a.ko: Invalid module format\n"
                         "lkmemu: expect EEXIST insmod a.ko: expected EEXIST, but it failed with ENOEXEC");

    // Refused on the host (a file that cannot be read): a failure without an errno.
    CommandResult host = ended(one("expect ENOENT insmod /nosuch.ko"), false, 0, "insmod: ERROR: could not load module /nosuch.ko: No such file or directory");
    CHECK_FALSE(host.ok);
    CHECK(host.error.ends_with("expected ENOENT, but it failed with no errno (refused by the host)"));

    Command any = one("expect fail insmod a.ko");
    CHECK(ended(any, false, -LKM_ENOEXEC, "x").ok);
    CHECK(ended(any, false, 0, "refused on the host").ok);
    CommandResult any_succeeded = ended(any, true, 0);
    CHECK_FALSE(any_succeeded.ok);
    CHECK(any_succeeded.error == "lkmemu: expect fail insmod a.ko: expected to fail, but it succeeded");

    // Without an expectation nothing changes.
    CommandResult plain = ended(one("lsmod"), false, -LKM_EPERM, "lsmod: Operation not permitted (EPERM)");
    CHECK_FALSE(plain.ok);
    CHECK(plain.error == "lsmod: Operation not permitted (EPERM)");
}
