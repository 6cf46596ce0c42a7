#include "session.h"

#include <sstream>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

struct Line {
    std::string range, perms, what;
};

std::vector<Line> vmmap_lines(const std::string& text)
{
    std::vector<Line> lines;
    std::istringstream in(text);
    std::string row;
    while (std::getline(in, row)) {
        std::istringstream fields(row);
        Line line;
        fields >> line.range >> line.perms;
        std::getline(fields >> std::ws, line.what);
        lines.push_back(line);
    }
    return lines;
}

} // namespace

TEST_CASE("vmmap reads the guest's page tables: W^X everywhere, kernel sections protected")
{
    Session s = run_session("vmmap");
    REQUIRE(s.results.size() == 1);
    REQUIRE(s.result(0).ok);
    auto lines = vmmap_lines(s.result(0).output);
    REQUIRE(lines.size() > 3);
    bool saw_text = false, saw_rodata = false, saw_data = false, saw_user = false, saw_init = false;
    for (const Line& line : lines) {
        INFO(line.range << " " << line.perms << " " << line.what);
        CHECK_FALSE((line.perms[1] == 'w' && line.perms[2] == 'x'));
        if (line.what == "kernel .text") {
            saw_text = true;
            CHECK(line.perms == "r-x");
        }
        if (line.what == "kernel .rodata") {
            saw_rodata = true;
            CHECK(line.perms == "r--");
        }
        if (line.what == "kernel .data" || line.what == "kernel .bss") {
            saw_data = true;
            CHECK(line.perms == "rw-");
        }
        if (line.what == "user")
            saw_user = true; // init's stack
        // init's own sections, named from the ELF the kernel carries.
        if (line.what == "init .text") {
            saw_init = true;
            CHECK(line.perms == "r-x");
            CHECK(line.range.rfind("0000000000400000-", 0) == 0);
        }
        if (line.what == "init .rodata")
            CHECK(line.perms == "r--");
        if (line.what == "init .data" || line.what == "init .bss")
            CHECK(line.perms == "rw-");
    }
    CHECK(saw_text);
    CHECK(saw_rodata);
    CHECK(saw_data);
    CHECK(saw_user); // asked while init waits in read(): its address space is current
    CHECK(saw_init);
    // Nothing is mapped at address 0.
    CHECK(lines.front().range.rfind("0000000000000000-", 0) != 0);
}

TEST_CASE("vmmap names a loaded module's ranges by module and section, with their protections")
{
    Session s = run_session(std::string("insmod ") + LKMEMU_MODULES_DIR + "/hello.ko; vmmap");
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    REQUIRE(s.result(1).ok);
    std::string module_lines;
    for (const Line& line : vmmap_lines(s.result(1).output))
        if (line.range.rfind("ffffffffa", 0) == 0)
            module_lines += line.range + " " + line.perms + " " + line.what + "\n";
    // hello's code is all in .init.text (freed after init) and .exit.text; .text is empty.
    CHECK(module_lines ==
          "ffffffffa0000000-ffffffffa0001000 r-x hello .exit.text\n"
          "ffffffffa0001000-ffffffffa0002000 r-- hello .rodata\n"
          "ffffffffa0002000-ffffffffa0003000 rw- hello .data\n");
}
