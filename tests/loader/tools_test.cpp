// `modinfo` and `check`, run in-process: exact output, exit status, and no crash on bad files.
#include "support.h"

#include <loader/tools/commands.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <cstdlib>
#include <sstream>

using namespace lkm::test;

namespace {

struct Run {
    int status;
    std::string out, err;
};

Run modinfo(const std::vector<std::string>& args)
{
    std::ostringstream out, err;
    int status = modinfo_command(args, out, err);
    return { status, out.str(), err.str() };
}

Run check(const std::vector<std::string>& args)
{
    std::ostringstream out, err;
    int status = check_command(args, out, err);
    return { status, out.str(), err.str() };
}

std::string scratch_file(const std::string& name, const std::string& contents)
{
    // One folder per test process: ctest runs test cases in parallel, each in its own process.
    std::filesystem::path dir = std::filesystem::path(LKMEMU_TEST_SCRATCH_DIR) / ("tools-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
}

} // namespace

TEST_CASE("modinfo prints every field as kmod does", "[tools][modinfo]")
{
    std::string path = object_path("hello.clang.o");
    Run r = modinfo({ path });
    CHECK(r.status == 0);
    CHECK(r.err == "");
    CHECK(r.out
        == "filename:       " + path + "\n"
           "license:        GPL\n"
           "author:         lkmemu tests\n"
           "description:    loader test module\n"
           "alias:          hello-alias\n"
           "vermagic:       " LKM_VERMAGIC "\n"
           "name:           hello\n"
           "depends:        \n"
           "parm:           verbose:print more (int)\n");
}

TEST_CASE("modinfo -F and its shorthands print bare values", "[tools][modinfo]")
{
    std::string path = object_path("hello.clang.ko");
    CHECK(modinfo({ "-F", "license", path }).out == "GPL\n");
    CHECK(modinfo({ "--field=vermagic", path }).out == LKM_VERMAGIC "\n");
    CHECK(modinfo({ "-a", path }).out == "lkmemu tests\n");
    CHECK(modinfo({ "-d", path }).out == "loader test module\n");
    CHECK(modinfo({ "-l", path }).out == "GPL\n");
    CHECK(modinfo({ "-p", path }).out == "verbose:print more (int)\n");
    CHECK(modinfo({ "-n", path }).out == path + "\n");
    CHECK(modinfo({ "-F", "firmware", path }).out == "");
    CHECK(modinfo({ "-0", "-F", "alias", path }).out == std::string("hello-alias\0", 12));
}

TEST_CASE("modinfo -0 separates key=value records with NULs", "[tools][modinfo]")
{
    std::string path = object_path("relocs.clang.o");
    CHECK(modinfo({ "-0", path }).out == std::string("filename:       ") + path + '\0' + "license=Dual MIT/GPL" + '\0');
}

TEST_CASE("modinfo output is byte-identical to kmod's modinfo", "[tools][modinfo][kmod]")
{
    std::string kmod = LKMEMU_KMOD_MODINFO;
    if (kmod.empty()) {
        WARN("kmod's modinfo not installed (scripts/deps.sh installs it): comparison skipped");
        return;
    }
    for (const auto& producer : producers())
        for (const char* name : { "hello", "relocs", "proprietary", "modinfo_edge" }) {
            // kmod takes only *.ko files as paths.
            std::string object = std::string(name) + "." + producer + ".o";
            std::string path = scratch_file(std::string(name) + "." + producer + ".ko", "");
            std::filesystem::copy_file(object_path(object), path, std::filesystem::copy_options::overwrite_existing);
            for (std::vector<std::string> options : std::vector<std::vector<std::string>> {
                     {}, { "-0" }, { "-p" }, { "-F", "parm" }, { "-F", "alias" }, { "-l" }, { "-n" }, { "-F", "nonexistent" } }) {
                std::string command = kmod;
                for (const auto& o : options)
                    command += " " + o;
                command += " " + path + " > " + path + ".kmod 2>&1";
                INFO(command);
                REQUIRE(std::system(command.c_str()) == 0);
                std::vector<uint8_t> expected = read_file(path + ".kmod");
                options.push_back(path);
                Run ours = modinfo(options);
                CHECK(ours.status == 0);
                CHECK(ours.out == std::string(expected.begin(), expected.end()));
            }
        }
}

TEST_CASE("modinfo errors: missing file, not a module, bad usage", "[tools][modinfo]")
{
    Run missing = modinfo({ "/nonexistent/x.ko" });
    CHECK(missing.status == 1);
    CHECK(missing.err == "modinfo: ERROR: Module file /nonexistent/x.ko not found: No such file or directory\n");
    std::string junk = scratch_file("junk.ko", "this is not an ELF file at all, not even close........................");
    Run bad = modinfo({ junk });
    CHECK(bad.status == 1);
    CHECK(bad.err == "modinfo: ERROR: could not get modinfo from '" + junk
            + "': Exec format error (not an ELF file: bad magic 74 68 69 73)\n");
    CHECK(modinfo({}).status == 1);
    CHECK(modinfo({ "--bogus", junk }).status == 1);
    Run help = modinfo({ "--help" });
    CHECK(help.status == 0);
    CHECK(help.out.find("--field") != std::string::npos);
}

TEST_CASE("check: a valid module without a kernel lists its imports", "[tools][check]")
{
    std::string path = object_path("hello.clang.ko");
    Run r = check({ path });
    CHECK(r.err == "");
    CHECK(r.status == 0);
    INFO(r.out);
    CHECK(r.out.rfind(path + ": ok: module hello, core 0x4000 bytes (text ", 0) == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    CHECK(r.out.find("init 0x1000 bytes") != std::string::npos);
    CHECK(r.out.find(", 2 exports, 1 parameter, init .init.text+0x0 at 0xffffffffa0004000, exit .exit.text+0x0 at 0xffffffffa0000")
        != std::string::npos);
    CHECK(r.out.find("; unresolved without --kernel: printk, optional_hook (weak), kernel_gpl_only\n") != std::string::npos);
}

TEST_CASE("check against a symbol list", "[tools][check]")
{
    std::string symbols = scratch_file("kernel.syms", "# kernel exports\nprintk\n\nkernel_gpl_only GPL\n");
    Run ok = check({ "--kernel-symbols", symbols, object_path("hello.clang.o") });
    CHECK(ok.status == 0);
    CHECK(ok.out.find("unresolved") == std::string::npos);

    std::string partial = scratch_file("partial.syms", "kernel_gpl_only GPL\n");
    Run unknown = check({ "--kernel-symbols", partial, object_path("hello.clang.o") });
    CHECK(unknown.status == 1);
    CHECK(unknown.out == "");
    CHECK(unknown.err == object_path("hello.clang.o") + ": ENOENT: Unknown symbol: printk\n");

    Run gpl = check({ "--kernel-symbols", symbols, object_path("proprietary.clang.o") });
    CHECK(gpl.status == 1);
    CHECK(gpl.err == object_path("proprietary.clang.o")
            + ": ENOENT: GPL-only symbol used by a module whose license is not GPL-compatible: kernel_gpl_only (license \"Proprietary\")\n");

    std::string broken = scratch_file("broken.syms", "printk GPL extra\n");
    Run bad_list = check({ "--kernel-symbols", broken, object_path("hello.clang.o") });
    CHECK(bad_list.status == 1);
    CHECK(bad_list.err == "check: " + broken + ":1: expected \"NAME\" or \"NAME GPL\", got \"printk GPL extra\"\n");
}

TEST_CASE("check against kernel.elf's export tables", "[tools][check]")
{
    std::string kernel = object_path("fake_kernel.elf");
    Run ok = check({ "--kernel", kernel, object_path("hello.clang.o") });
    CHECK(ok.err == "");
    CHECK(ok.status == 0);
    Run gpl = check({ "--kernel", kernel, object_path("proprietary.clang.o") });
    CHECK(gpl.status == 1);
    CHECK(gpl.err.find("GPL-only symbol used by a module whose license is not GPL-compatible: kernel_gpl_only") != std::string::npos);
    Run not_elf = check({ "--kernel", object_path("../../CMakeFiles/../CTestTestfile.cmake"), object_path("hello.clang.o") });
    CHECK(not_elf.status == 1);
    CHECK(not_elf.err.find("not a usable x86-64 ELF kernel") != std::string::npos);
    CHECK(check({ "--kernel", kernel, "--kernel-symbols", "x", object_path("hello.clang.o") }).status == 1);
}

TEST_CASE("check reports why a module is refused, with exit status 1", "[tools][check]")
{
    Run got = check({ object_path("got.clang.o") });
    CHECK(got.status == 1);
    CHECK(got.err == object_path("got.clang.o")
            + ": ENOEXEC: GOT relocations are unsupported: build modules with -fno-pic -mcmodel=kernel: R_X86_64_REX_GOTPCRELX at .text+0x3 against 'ext_data'\n");
    Run common = check({ object_path("common.clang.o") });
    CHECK(common.status == 1);
    CHECK(common.err == object_path("common.clang.o") + ": ENOEXEC: common symbol: compile with -fno-common: 'common_counter'\n");
    Run missing = check({ "/nonexistent.ko" });
    CHECK(missing.status == 1);
    CHECK(missing.err == "/nonexistent.ko: cannot read: No such file or directory\n");
    Run directory = check({ "/" });
    CHECK(directory.status == 1);
    CHECK(directory.err == "/: cannot read: Is a directory\n");
    Run empty = check({ scratch_file("empty.ko", "") });
    CHECK(empty.status == 1);
    CHECK(empty.err.find("ENOEXEC: truncated ELF header: 0 bytes") != std::string::npos);
}

TEST_CASE("check refuses a version magic the kernel refuses, in the kernel's words", "[tools][check]")
{
    // A copy of hello.ko whose vermagic differs in one byte (same length: the ELF stays valid), as
    // tests/integration/module_patched_test.cpp makes for insmod.
    std::vector<uint8_t> bytes = read_file(object_path("hello.clang.ko"));
    std::string image(bytes.begin(), bytes.end());
    const std::string from = "vermagic=lkmemu-abi1 ", to = "vermagic=lkmemu-abi9 ";
    size_t at = image.find(from);
    REQUIRE(at != std::string::npos);
    REQUIRE(image.find(from, at + 1) == std::string::npos);
    image.replace(at, from.size(), to);
    std::string path = scratch_file("vermagic.ko", image);
    Run wrong = check({ path });
    CHECK(wrong.status == 1);
    CHECK(wrong.out == "");
    // (The test objects carry no __versions, so the whole string is compared, release included.)
    CHECK(wrong.err == path + ": ENOEXEC: version magic mismatch: 'lkmemu-abi9 x86_64 mcmodel=kernel mod_unload "
                              "modversions' should be '" LKM_VERMAGIC "'\n");
    Run dependency = check({ "--module", path, object_path("consumer.clang.o") });
    CHECK(dependency.status == 1);
    CHECK(dependency.err.rfind("check: --module " + path + ": ENOEXEC: version magic mismatch: ", 0) == 0);

    // relocs.o links (link_module has no version check) but is no module for this kernel.
    Run none = check({ object_path("relocs.clang.o") });
    CHECK(none.status == 1);
    CHECK(none.err == object_path("relocs.clang.o") + ": ENOEXEC: no version magic, refusing to load\n");
}

TEST_CASE("check --kernel survives every truncation of kernel.elf", "[tools][check]")
{
    std::vector<uint8_t> kernel = read_file(object_path("fake_kernel.elf"));
    std::string module = object_path("hello.clang.o");
    size_t failures = 0;
    for (size_t length = 0; length < kernel.size(); length += 13) {
        std::string path = scratch_file("truncated_kernel.elf", std::string(kernel.begin(), kernel.begin() + length));
        Run r = check({ "--kernel", path, module });
        INFO("length " << length << ": " << r.err);
        // Either the exports were still readable, or a clear error; never a crash.
        CHECK((r.status == 0 || !r.err.empty()));
        failures += r.status != 0;
    }
    CHECK(failures > 0);
}

TEST_CASE("check --module: a dependency's exports resolve the checked module's imports", "[tools][check]")
{
    std::string symbols = scratch_file("kernel2.syms", "printk\nkernel_gpl_only GPL\n");
    std::string consumer = object_path("consumer.clang.o");
    Run alone = check({ "--kernel-symbols", symbols, consumer });
    CHECK(alone.status == 1);
    CHECK(alone.err == consumer + ": ENOENT: Unknown symbol: hello_add, hello_abs_value\n");
    // Every unknown symbol is named, in symbol-table order, as the kernel logs each.
    std::string const empty = scratch_file("empty.syms", "# nothing exported\n");
    Run none = check({ "--kernel-symbols", empty, consumer });
    CHECK(none.status == 1);
    CHECK(none.err.rfind(consumer + ": ENOENT: Unknown symbol: ", 0) == 0);
    CHECK(none.err.find("hello_add") != std::string::npos);
    CHECK(none.err.find("printk") != std::string::npos);
    CHECK(none.err.find(", ") != std::string::npos);

    Run with_hello = check({ "--kernel-symbols", symbols, "--module", object_path("hello.clang.ko"), consumer });
    CHECK(with_hello.err == "");
    CHECK(with_hello.status == 0);
    CHECK(with_hello.out.rfind(consumer + ": ok: module consumer,", 0) == 0);

    // Without kernel symbols, kernel imports are placeholders but the module's are real.
    Run no_kernel = check({ "--module", object_path("hello.clang.ko"), consumer });
    CHECK(no_kernel.status == 0);
    CHECK(no_kernel.out.find("; unresolved without --kernel: printk\n") != std::string::npos);

    // Several FILEs are checked in order, each with the exports of those before it.
    Run in_order = check({ "--kernel-symbols", symbols, object_path("hello.clang.ko"), consumer });
    CHECK(in_order.err == "");
    CHECK(in_order.status == 0);
    CHECK(in_order.out.find(consumer + ": ok: module consumer,") != std::string::npos);
    Run wrong_order = check({ "--kernel-symbols", symbols, consumer, object_path("hello.clang.ko") });
    CHECK(wrong_order.status == 1);
    CHECK(wrong_order.err == consumer + ": ENOENT: Unknown symbol: hello_add, hello_abs_value\n");

    Run bad_dependency = check({ "--module", object_path("got.clang.o"), consumer });
    CHECK(bad_dependency.status == 1);
    CHECK(bad_dependency.err.rfind("check: --module " + object_path("got.clang.o") + ": ENOEXEC: GOT relocations", 0) == 0);
}
