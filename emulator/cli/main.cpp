// lkmemu's command line: a thin layer over the emulator library (emulator/) and the loader's
// host tools (loader/tools/). Every subcommand's work is done by library code that tests call
// in-process.
#include "run_command.h"
#include "version.h"
#include "snapshot_command.h"
#include "test_command.h"

#include <loader/tools/commands.h>

#include <CLI/CLI.hpp>

#include <iostream>
#include <sys/prctl.h>

int main(int argc, char** argv)
{
    // No transparent huge pages: the engine asks for them for its translated-code buffer (QEMU's
    // MADV_HUGEPAGE), and the first write to each 2 MiB of it then zeroes all 2 MiB — an eighth of
    // a boot's CPU time in perf; guest RAM, touched sparsely, is no better served by them. Small
    // pages cost a fault per 4 KiB actually used. (Process-wide and inherited by children: the
    // program's choice, so it is made here and not by the machine library.)
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);

    CLI::App app {"lkmemu: an x86-64 machine that boots a small kernel with Linux-style loadable modules"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show every subcommand's options");
    app.set_version_flag("--version", lkmemu::cli::version_text(), "Print lkmemu's and Unicorn's versions");

    lkmemu::cli::RunOptions run_options;
    CLI::App* run = app.add_subcommand("run", "Boot the kernel and run commands against it");
    lkmemu::cli::add_run_options(*run, run_options);

    lkmemu::cli::SnapshotOptions snapshot_options;
    CLI::App* snapshot_save = lkmemu::cli::add_snapshot_command(app, snapshot_options);

    lkmemu::cli::TestOptions test_options;
    CLI::App* test = lkmemu::cli::add_test_command(app, test_options);

    CLI::App* modinfo = app.add_subcommand("modinfo", "Print a module's .modinfo fields, as kmod's modinfo does");
    modinfo->prefix_command();
    modinfo->set_help_flag(); // --help goes to the tool, whose help lists FILE and the options

    CLI::App* check = app.add_subcommand("check", "Validate modules and link them at trial addresses (in order, each using the exports of those before) without running them");
    check->prefix_command();
    check->set_help_flag();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int status = app.exit(error);
        return status == 0 ? 0 : lkmemu::session::kExitUsageOrIo;
    }

    if (run->parsed())
        return lkmemu::cli::run_session(std::move(run_options));
    if (snapshot_save->parsed())
        return lkmemu::cli::run_snapshot_save(std::move(snapshot_options));
    if (test->parsed())
        return lkmemu::cli::run_test_command(test_options);
    if (modinfo->parsed())
        return lkm::tools::modinfo_command(modinfo->remaining(), std::cout, std::cerr);
    if (check->parsed())
        return lkm::tools::check_command(check->remaining(), std::cout, std::cerr, lkmemu::cli::default_kernel_path());
    return lkmemu::session::kExitUsageOrIo;
}
