// Starting a child process for the tests that drive real programs (gdb, the lkmemu binary): its
// stdin on /dev/null, its stdout and stderr together on one pipe the test reads.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace lkmemu::testing {

struct ChildProcess {
    pid_t pid = -1;
    int output = -1; // read end of its stdout+stderr
};

// Starts argv[0] (a path) with argv; a failure to start fails the test.
ChildProcess spawn_child(const std::vector<std::string>& argv);
// Appends everything the child writes until it closes the pipe, then closes our end.
void drain_output(int fd, std::string& into);
// Waits for the child; returns the raw status from waitpid.
int wait_child(pid_t pid);

} // namespace lkmemu::testing
