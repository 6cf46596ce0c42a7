// `lkmemu snapshot save FILE [run options] [-c commands]`: boot (or resume), run the commands,
// and write the machine's state to FILE at the next request point (docs/machine.md,
// "Snapshots"); `lkmemu run --snapshot FILE` resumes from it.
#pragma once

#include "run_command.h"

#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace lkmemu::cli {

struct SnapshotOptions {
    RunOptions run; // as for `lkmemu run`; then the machine powers off as usual
    std::string file;
};

// Adds `snapshot` with its `save` subcommand to `app`; returns `save`, to ask whether it was parsed.
CLI::App* add_snapshot_command(CLI::App& app, SnapshotOptions& options);
// Runs `snapshot save`; returns the exit status (as `lkmemu run`'s; 2 if the file was not written).
int run_snapshot_save(SnapshotOptions options);

} // namespace lkmemu::cli
