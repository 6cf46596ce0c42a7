// modpost's diagnostics and outputs, run on the samples' own objects (the ld -r outputs the build
// already made): the exact lines, in Linux's words, and what it refuses.
#include "test_support.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace lkmemu::test;

namespace {

class TempDir {
public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "modpost_test.XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

CommandResult modpost(const TempDir& out, const std::vector<std::string>& modules,
                      const std::string& extra_args = "", const std::vector<std::string>& objects = {})
{
    std::string command = std::string(LKMEMU_PYTHON) + " " LKMEMU_SDK_DIR "/scripts/modpost.py"
                          " --kernel-symvers " LKMEMU_KERNEL_SYMVERS
                          " --llvm-nm " LKMEMU_LLVM_NM " --llvm-readobj " LKMEMU_LLVM_READOBJ
                          " --llvm-readelf " LKMEMU_LLVM_READELF " --llvm-dwarfdump " LKMEMU_LLVM_DWARFDUMP
                          " --outdir " + out.path().string() + " " + extra_args;
    for (const auto& module : modules)
        command += " " + object_path(module);
    for (const auto& object : objects)
        command += " " + object;
    return run_command(command);
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("modpost warns about unresolved symbols and refuses GPL-only use by a non-GPL module",
          "[modpost]")
{
    TempDir out;
    auto result = modpost(out, kSampleModules);
    CHECK(result.exit_status == 1);
    CHECK(lines_of(result.output)
          == std::vector<std::string>{
              "ERROR: modpost: GPL-incompatible module gplonly.ko uses GPL-only symbol "
              "'provider_gpl_multiply'",
              "WARNING: modpost: \"lkmemu_no_such_symbol\" [unresolved.ko] undefined!",
          });
    // Nothing is written when modpost fails.
    CHECK_FALSE(std::filesystem::exists(out.path() / "hello"));
}

TEST_CASE("modpost --warn-only turns a module's errors into warnings", "[modpost]")
{
    TempDir out;
    auto result = modpost(out, kSampleModules, "--warn-only gplonly --symvers " + (out.path() / "Module.symvers").string());
    CHECK(result.exit_status == 0);
    CHECK(lines_of(result.output)
          == std::vector<std::string>{
              "WARNING: modpost: GPL-incompatible module gplonly.ko uses GPL-only symbol "
              "'provider_gpl_multiply'",
              "WARNING: modpost: \"lkmemu_no_such_symbol\" [unresolved.ko] undefined!",
          });
    for (const auto& module : kSampleModules)
        CHECK(std::filesystem::exists(out.path() / module / (module + ".mod.c")));
    // The CRCs are those of the declarations (modversions_test.cpp computes them independently).
    CHECK(read_file(out.path() / "Module.symvers")
          == "0x551cc0a7\tnsprovider_triple\tnsprovider\tEXPORT_SYMBOL\tLKMEMU_SAMPLES\n"
             "0x272848b2\tprovider_add\tprovider\tEXPORT_SYMBOL\t\n"
             "0xc9016689\tprovider_gpl_multiply\tprovider\tEXPORT_SYMBOL_GPL\t\n");
}

TEST_CASE("modpost writes __this_module and depends= into NAME.mod.c", "[modpost]")
{
    TempDir out;
    auto result = modpost(out, {"provider", "consumer", "wx_text"});
    CHECK(result.exit_status == 0);
    CHECK(result.output.empty());
    auto consumer = read_file(out.path() / "consumer" / "consumer.mod.c");
    CHECK(consumer.find("__section(\".gnu.linkonce.this_module\")") != std::string::npos);
    CHECK(consumer.find(".name = \"consumer\",") != std::string::npos);
    CHECK(consumer.find(".init = (uint64_t)(uintptr_t)&init_module,") != std::string::npos);
    CHECK(consumer.find(".exit = (uint64_t)(uintptr_t)&cleanup_module,") != std::string::npos);
    CHECK(consumer.find("__MODULE_INFO(depends, depends, \"provider\");") != std::string::npos);
    auto provider = read_file(out.path() / "provider" / "provider.mod.c");
    CHECK(provider.find("__MODULE_INFO(depends, depends, \"\");") != std::string::npos);
    // wx_text has no module_exit.
    auto wx_text = read_file(out.path() / "wx_text" / "wx_text.mod.c");
    CHECK(wx_text.find(".exit = 0,") != std::string::npos);
}

TEST_CASE("modpost learns other modules' exports only from the objects it is given", "[modpost]")
{
    TempDir out;
    auto result = modpost(out, {"consumer"});
    CHECK(result.exit_status == 0);
    CHECK(lines_of(result.output)
          == std::vector<std::string>{"WARNING: modpost: \"provider_add\" [consumer.ko] undefined!"});
    CHECK(read_file(out.path() / "consumer" / "consumer.mod.c").find("depends, depends, \"\"")
          != std::string::npos);
}

TEST_CASE("modpost refuses a module without MODULE_LICENSE()", "[modpost]")
{
    TempDir out;
    auto unlicensed = out.path() / "hello.o";
    // (.modinfo cannot be removed: DWARF refers to it. Renamed, it is gone just as well.)
    auto strip = run_command(std::string(LKMEMU_LLVM_OBJCOPY) + " --rename-section=.modinfo=.not_modinfo "
                             + object_path("hello") + " " + unlicensed.string());
    REQUIRE(strip.exit_status == 0);
    auto result = modpost(out, {}, "", {unlicensed.string()});
    CHECK(result.exit_status == 1);
    CHECK(lines_of(result.output)
          == std::vector<std::string>{"ERROR: modpost: missing MODULE_LICENSE() in " + unlicensed.string()});
}

TEST_CASE("modpost refuses a symbol exported twice", "[modpost]")
{
    TempDir out;
    auto copy = out.path() / "provider2.o";
    std::filesystem::copy_file(object_path("provider"), copy);
    auto result = modpost(out, {"provider"}, "", {copy.string()});
    CHECK(result.exit_status == 1);
    CHECK(lines_of(result.output)
          == std::vector<std::string>{
              "ERROR: modpost: 'provider_add' exported twice. Previous export was in provider.ko",
              "ERROR: modpost: 'provider_gpl_multiply' exported twice. Previous export was in provider.ko",
          });
}

TEST_CASE("modpost warns about references into __init sections (section mismatch)", "[modpost]")
{
    // provider with its .text renamed .init.text: as if it exported two __init functions, which
    // would point into freed memory once init has returned.
    TempDir out;
    auto object = out.path() / "provider.o";
    auto rename = run_command(std::string(LKMEMU_LLVM_OBJCOPY) + " --rename-section=.text=.init.text "
                              + object_path("provider") + " " + object.string());
    REQUIRE(rename.exit_status == 0);
    auto result = modpost(out, {}, "", {object.string()});
    CHECK(result.exit_status == 0);
    CHECK(lines_of(result.output)
          == std::vector<std::string>{
              "WARNING: modpost: provider.o: section mismatch in reference: __ksymtab_provider_add "
              "(section: __ksymtab) -> provider_add (section: .init.text)",
              "WARNING: modpost: provider.o: section mismatch in reference: "
              "__ksymtab_provider_gpl_multiply (section: __ksymtab_gpl) -> provider_gpl_multiply "
              "(section: .init.text)",
          });
}
