// Shared helpers for the module build tests: where the build put things, and running tools.
#pragma once

#include "elf_file.h"

#include <set>
#include <string>
#include <vector>

namespace lkmemu::test {

// Every sample guest-modules/CMakeLists.txt builds.
inline const std::vector<std::string> kSampleModules = {
    "hello",   "params",    "provider", "consumer", "gplonly", "initfail", "unresolved",
    "wx_rodata", "wx_text", "wx_data",  "holder",   "chardev", "cxx_demo", "big",
    "nsprovider", "nsconsumer",
};

std::string ko_path(const std::string& module);      // build/modules/NAME.ko
std::string object_path(const std::string& module);  // the ld -r output modpost reads
ElfFile load_ko(const std::string& module);

// kernel-exports.txt's names.
std::set<std::string> kernel_exports();

struct CommandResult {
    int exit_status;
    std::string output; // stdout and stderr together
};
CommandResult run_command(const std::string& command);

std::vector<std::string> lines_of(const std::string& text);

} // namespace lkmemu::test
