// The "#!" line parser of exec (guest-kernel/fs/binfmt_script.cpp, Linux's binfmt_script.c) on
// the host: the interpreter and its one optional argument, Linux's trimming, and the ENOEXEC cases.
#include <catch2/catch.hpp>

#include <string>

#include <kernel/binfmts.h>
#include <lkmemu/errno.h>

namespace {

struct parsed {
    bool script = false;
    int error = 0;
    std::string name, arg;
};

parsed parse(const std::string& text)
{
    parsed out;
    script_interp interp {};
    auto result = parse_script_header(text.data(), text.size(), &interp);
    if (result.is_error()) {
        out.error = result.error().code;
        return out;
    }
    out.script = result.value();
    if (out.script) {
        out.name.assign(interp.name, interp.name_len);
        out.arg.assign(interp.arg, interp.arg_len);
    }
    return out;
}

} // namespace

TEST_CASE("binfmt_script: not a script without #! at the very start")
{
    CHECK_FALSE(parse("\x7f" "ELF").script);
    CHECK_FALSE(parse(" #!/bin/sh\n").script);
    CHECK_FALSE(parse("#").script);
    CHECK(parse("").error == 0);
}

TEST_CASE("binfmt_script: the interpreter and one argument, the rest of the line trimmed")
{
    parsed p = parse("#!/bin/sh\necho hi\n");
    CHECK(p.script);
    CHECK(p.name == "/bin/sh");
    CHECK(p.arg.empty());

    p = parse("#!  /bin/busybox   sh -e  \t\r\nrest");
    CHECK(p.name == "/bin/busybox");
    CHECK(p.arg == "sh -e"); // Linux passes the rest of the line as one argument

    p = parse("#!/bin/busybox echo"); // no newline: the file's end ends the line
    CHECK(p.name == "/bin/busybox");
    CHECK(p.arg == "echo");
}

TEST_CASE("binfmt_script: ENOEXEC without an interpreter or with one longer than the header")
{
    CHECK(parse("#!\n").error == LKM_ENOEXEC);
    CHECK(parse("#!   \t\n/bin/sh").error == LKM_ENOEXEC);
    CHECK(parse("#!/" + std::string(BINPRM_BUF_SIZE, 'x')).error == LKM_ENOEXEC);
    // A long line is cut at the header's end once the name is whole.
    parsed p = parse("#!/bin/sh " + std::string(BINPRM_BUF_SIZE, 'a'));
    CHECK(p.name == "/bin/sh");
    CHECK(p.arg.size() == BINPRM_BUF_SIZE - 10);
}
