#include "snapshot_command.h"

#include <CLI/CLI.hpp>

namespace lkmemu::cli {

CLI::App* add_snapshot_command(CLI::App& app, SnapshotOptions& options)
{
    CLI::App* snapshot = app.add_subcommand("snapshot", "Save the machine's state to a file, to resume from with run --snapshot");
    snapshot->require_subcommand(1);
    CLI::App* save = snapshot->add_subcommand(
        "save", "Boot (or resume), run the commands, and write the machine to FILE when they are done");
    save->add_option("FILE", options.file, "The snapshot file to write")->required();
    add_run_options(*save, options.run);
    return save;
}

int run_snapshot_save(SnapshotOptions options)
{
    options.run.session.save_snapshot = std::move(options.file);
    return run_session(std::move(options.run));
}

} // namespace lkmemu::cli
