// init: the first user process. It serves the lkmemu harness: read a request from /dev/harness,
// make the real system call for it from ring 3, write the answer back. Without a harness (under
// QEMU) there is nothing to serve, so it powers the machine off.
//
// Environment (from the kernel command line, as on Linux): uid=N makes init drop to uid N (real
// and effective) once it has opened /dev/harness (a root-only device), so every request is made
// unprivileged. It keeps 0 as its saved uid only to take root back for the final power-off.
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

namespace init {

namespace {

// Requests carry whole module images: room for several MiB.
constexpr size_t REQUEST_BUFFER_SIZE = 4u << 20;

alignas(16) unsigned char g_request[REQUEST_BUFFER_SIZE];
alignas(16) unsigned char g_response[sizeof(lkmemu_harness_response) + TEXT_BUFFER_SIZE];

} // namespace

char* response_text() { return reinterpret_cast<char*>(g_response + sizeof(lkmemu_harness_response)); }

// Write one response: the status and text_length bytes already in response_text().
void respond(int harness, int status, size_t text_length)
{
    auto* header = reinterpret_cast<lkmemu_harness_response*>(g_response);
    header->status = status;
    header->text_length = static_cast<uint32_t>(text_length);
    long written = sys::write(harness, g_response, sizeof(*header) + text_length);
    if (written < 0)
        sys::exit(3); // the harness is gone: nothing sensible is left to do
}

// syslog(2) gives Linux's "<level>[time] text" lines; like dmesg(1), show them without "<level>".
size_t strip_log_levels(char* text, size_t length)
{
    size_t out = 0;
    bool line_start = true;
    for (size_t i = 0; i < length; i++) {
        if (line_start && text[i] == '<') {
            size_t j = i + 1;
            while (j < length && text[j] >= '0' && text[j] <= '9')
                j++;
            if (j < length && j > i + 1 && text[j] == '>') {
                i = j;
                line_start = false;
                continue;
            }
        }
        text[out++] = text[i];
        line_start = text[i] == '\n';
    }
    return out;
}

namespace {

void serve_dmesg(int harness)
{
    long n = sys::syslog(sys::SYSLOG_ACTION_READ_ALL, response_text(), static_cast<int>(TEXT_BUFFER_SIZE));
    if (n < 0) {
        respond(harness, static_cast<int>(n), 0);
        return;
    }
    respond(harness, 0, strip_log_levels(response_text(), static_cast<size_t>(n)));
}

// The value of NAME=value in envp, or nullptr.
const char* getenv(const char* const* envp, const char* name)
{
    for (; *envp; envp++) {
        const char* entry = *envp;
        size_t i = 0;
        while (name[i] && entry[i] == name[i])
            i++;
        if (!name[i] && entry[i] == '=')
            return entry + i + 1;
    }
    return nullptr;
}

bool parse_uid(const char* text, unsigned* uid)
{
    unsigned long value = 0;
    if (!*text)
        return false;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || value > 0xffffffffu / 10)
            return false;
        value = value * 10 + static_cast<unsigned>(*text - '0');
    }
    if (value > 0xfffffffeu)
        return false;
    *uid = static_cast<unsigned>(value);
    return true;
}

[[noreturn]] void power_off()
{
    sys::setresuid(sys::UID_UNCHANGED, 0, sys::UID_UNCHANGED); // back to root if init dropped it
    sys::reboot(sys::LINUX_REBOOT_CMD_POWER_OFF);
    sys::exit(1); // reboot refused: init dies and the kernel reports it
}

} // namespace

} // namespace init

using namespace init;

extern "C" [[noreturn]] void init_main(const long* initial_stack)
{
    long argc = initial_stack[0];
    auto* envp = reinterpret_cast<const char* const*>(initial_stack + 1 + argc + 1);

    long harness = sys::open("/dev/harness", sys::O_RDWR);
    if (harness < 0)
        power_off(); // no host attached (e.g. QEMU): nothing to serve
    open_kernel_log(); // before the first request: init's own files are part of the baseline

    if (const char* uid_text = getenv(envp, "uid")) {
        unsigned uid;
        if (!parse_uid(uid_text, &uid) || sys::setresuid(uid, uid, 0) != 0)
            sys::exit(4); // asked to run unprivileged and cannot: do not serve as root instead
    }

    if (const char* test = getenv(envp, "init_test"))
        g_insmod_bad_pointer = [&] {
            const char* want = "insmod_badptr";
            size_t i = 0;
            while (want[i] && test[i] == want[i])
                i++;
            return !want[i] && !test[i];
        }();

    int fd = static_cast<int>(harness);
    for (;;) {
        long n = sys::read(fd, g_request, sizeof(g_request));
        if (n < 0)
            sys::exit(2);
        auto* request = reinterpret_cast<const lkmemu_harness_request*>(g_request);
        if (static_cast<size_t>(n) < sizeof(*request)) {
            respond(fd, -LKM_EINVAL, 0);
            continue;
        }
        uint64_t claimed = sizeof(*request) + static_cast<uint64_t>(request->args_length) + request->data_length;
        if (claimed > static_cast<size_t>(n)) {
            // Truncated by the driver (larger than our buffer), or inconsistent.
            respond(fd, static_cast<size_t>(n) == sizeof(g_request) ? -LKM_E2BIG : -LKM_EINVAL, 0);
            continue;
        }
        switch (request->op) {
        case LKMEMU_HARNESS_OP_DMESG:
            serve_dmesg(fd);
            break;
        case LKMEMU_HARNESS_OP_POWEROFF:
            respond(fd, 0, 0);
            power_off();
        case LKMEMU_HARNESS_OP_INSMOD:
        case LKMEMU_HARNESS_OP_RMMOD:
        case LKMEMU_HARNESS_OP_READ_FILE: {
            const char* args = reinterpret_cast<const char*>(g_request + sizeof(*request));
            request_view view { request->flags, args, request->args_length,
                                reinterpret_cast<const unsigned char*>(args + request->args_length),
                                request->data_length };
            if (request->op == LKMEMU_HARNESS_OP_INSMOD)
                serve_insmod(fd, view);
            else if (request->op == LKMEMU_HARNESS_OP_RMMOD)
                serve_rmmod(fd, view);
            else
                serve_read_file(fd, view);
            break;
        }
        case LKMEMU_HARNESS_OP_LSMOD:
            serve_lsmod(fd);
            break;
        default:
            respond(fd, -LKM_ENOSYS, 0);
            break;
        }
    }
}
