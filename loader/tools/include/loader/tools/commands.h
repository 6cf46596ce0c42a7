// Host commands built on the loader; the lkmemu CLI dispatches `lkmemu modinfo ...` and
// `lkmemu check ...` here. args are what follows the subcommand. Both return the process exit
// status, write results to `out` and diagnostics to `err`, and never crash on any input file.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace lkm::tools {

// kmod-compatible: `modinfo [-F field | -a -d -l -p -n] [-0] FILE...` prints the .modinfo fields
// in the format of kmod's modinfo.
int modinfo_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `check [--kernel-symbols FILE | --kernel kernel.elf | --no-kernel] [--module DEP.ko]... FILE...`:
// validate each module and link it at a trial address in the module area without running it
// (dependencies first, their exports visible to every FILE; each FILE sees the exports of the
// FILEs before it). Without a kernel option the kernel is `default_kernel` (the CLI passes the
// kernel.elf `run` boots), or none when that is empty. Exit 0 with a one-line summary per module
// when all are valid, 1 with the reason otherwise.
int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                  const std::string& default_kernel = {});

} // namespace lkm::tools

// The CLI's spelling (the lead wires these into emulator/cli/).
using lkm::tools::check_command;
using lkm::tools::modinfo_command;
