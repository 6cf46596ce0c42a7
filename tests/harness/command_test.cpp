#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <harness/command.h>

using lkmemu::Command;
using lkmemu::CommandParseError;
using lkmemu::parse_commands;

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
