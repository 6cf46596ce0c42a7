// Pipes, FIFOs and poll/select through the real system calls from ring 3 (init_test=pipe runs
// guest-kernel/user/selftest_pipe.cpp in init before it serves): a round trip, EOF, EPIPE and
// SIGPIPE, O_NONBLOCK on empty and full pipes, PIPE_BUF atomicity, F_GETPIPE_SZ/F_SETPIPE_SZ,
// dup/fcntl on pipe ends, poll/ppoll/select/pselect6 with their timeouts in guest time, POLLHUP,
// POLLERR and POLLNVAL, the signal mask ppoll and pselect6 swap in, FIFOs, memory back to its
// baseline, and, with a forked child, blocked reads, polls and writes woken by the other side,
// EINTR and SA_RESTART, and SIGPIPE's default action. Each check is one line in the kernel log.
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_expected_lines[] = {
    "pipe: pipe2 ok",
    "pipe: fstat says S_IFIFO ok",
    "pipe: F_GETPIPE_SZ is 65536 ok",
    "pipe: write 11 bytes ok",
    "pipe: FIONREAD 11 ok",
    "pipe: read back in two parts ok",
    "pipe: read on the write end: EBADF ok",
    "pipe: write on the read end: EBADF ok",
    "pipe: lseek: ESPIPE ok",
    "pipe: EOF after the writer closed ok",
    "pipe: POLLHUP after the writer closed ok",
    "pipe: pipe2 bad flags: EINVAL ok",
    "pipe: pipe2 bad pointer: EFAULT ok",
    "pipe: pipe ok",
    "pipe: write without a reader: EPIPE ok",
    "pipe: and SIGPIPE to the writer ok",
    "pipe: POLLERR without a reader ok",
    "pipe: O_NONBLOCK read of an empty pipe: EAGAIN ok",
    "pipe: O_CLOEXEC ok",
    "pipe: F_GETFL: O_WRONLY|O_NONBLOCK ok",
    "pipe: 65536 bytes fit ok",
    "pipe: then EAGAIN ok",
    "pipe: FIONREAD 65536 ok",
    "pipe: a full pipe is not writable ok",
    "pipe: a PIPE_BUF write is not split: EAGAIN ok",
    "pipe: a write that fits the last page ok",
    "pipe: a larger write is split: 4096 of 8192 ok",
    "pipe: F_SETPIPE_SZ rounds to a power of two pages ok",
    "pipe: F_GETPIPE_SZ after it ok",
    "pipe: a 16384-byte pipe holds 16384 ok",
    "pipe: F_SETPIPE_SZ below what is in it: EBUSY ok",
    "pipe: F_SETPIPE_SZ grows a full pipe ok",
    "pipe: F_GETPIPE_SZ on a regular file: EBADF ok",
    "pipe: read after the resize ok",
    "pipe: dup3 of a pipe end ok",
    "pipe: F_DUPFD of a pipe end ok",
    "pipe: write through the dup ok",
    "pipe: read what the dups wrote ok",
    "pipe: a writer still open: EAGAIN, not EOF ok",
    "pipe: dup2 of a pipe end ok",
    "pipe: EOF once the last dup closed ok",
    "pipe: poll of an empty pipe times out: 0 ok",
    "pipe: after at least 10 ms of guest time ok",
    "pipe: poll readable after a write ok",
    "pipe: POLLRDNORM when asked ok",
    "pipe: poll of four: two ready ok",
    "pipe: the write end: POLLOUT ok",
    "pipe: a closed fd: POLLNVAL ok",
    "pipe: a negative fd is skipped ok",
    "pipe: the read end asked for POLLOUT: nothing ok",
    "pipe: a regular file is always ready ok",
    "pipe: poll bad pointer: EFAULT ok",
    "pipe: poll nfds over RLIMIT_NOFILE: EINVAL ok",
    "pipe: poll of nothing sleeps the timeout: 0 ok",
    "pipe: select: two ready ok",
    "pipe: select: the pipe with data is readable ok",
    "pipe: select: the write end is writable ok",
    "pipe: select times out: 0 and an empty set ok",
    "pipe: select waited 20 ms and left 0 in the timeval ok",
    "pipe: select of a closed fd: EBADF ok",
    "pipe: select n < 0: EINVAL ok",
    "pipe: select bad set: EFAULT ok",
    "pipe: select negative timeout: EINVAL ok",
    "pipe: pselect6: readable ok",
    "pipe: ppoll with a mask: EINTR ok",
    "pipe: the handler ran during ppoll ok",
    "pipe: the mask is back after ppoll ok",
    "pipe: ppoll with the signal blocked: timeout ok",
    "pipe: ppoll sigsetsize 4: EINVAL ok",
    "pipe: pselect6 with a mask: EINTR ok",
    "pipe: the handler ran during pselect6 ok",
    "pipe: the mask is back after pselect6 ok",
    "pipe: mknod S_IFIFO ok",
    "pipe: stat says S_IFIFO ok",
    "pipe: FIFO O_WRONLY|O_NONBLOCK without a reader: ENXIO ok",
    "pipe: FIFO O_RDONLY|O_NONBLOCK opens at once ok",
    "pipe: no POLLHUP before a writer came ok",
    "pipe: FIFO O_WRONLY with a reader opens ok",
    "pipe: through the FIFO ok",
    "pipe: POLLHUP once the writer went ok",
    "pipe: FIFO O_RDWR does not wait ok",
    "pipe: meminfo back to baseline ok",
    "pipe: a blocked read woken by the child's write ok",
    "pipe: after the child's 20 ms ok",
    "pipe: then EOF when the child exited ok",
    "pipe: the child exited 0 ok",
    "pipe: a blocked poll woken by the child's write ok",
    "pipe: a blocked writer finishes as the reader drains: 81920 bytes ok",
    "pipe: a blocked read interrupted by a signal: EINTR ok",
    "pipe: with SA_RESTART the read goes on ok",
    "pipe: SIGPIPE's default action kills the writer ok",
    "pipe: selftest done, 91 passed, 0 failed",
};

} // namespace

TEST_CASE("pipe: pipes and FIFOs and poll and select from ring 3 then init serves")
{
    auto s = run_session("dmesg; cat /proc/version", "init_test=pipe");
    INFO(s.console());
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    std::vector<std::string> expected(std::begin(k_expected_lines), std::end(k_expected_lines));
    CHECK(selftest_lines(s.result(0).output, "pipe: ") == expected);
    CHECK(s.result(1).ok); // init goes on serving
    CHECK(s.stop.reason == StopReason::PowerOff);
}
