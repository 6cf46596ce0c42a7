// What the oops reports about modules: the kernel's taint letters (Linux's print_tainted, in
// kernel/panic.c there) and "Modules linked in:" (Linux's print_modules).
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/vsprintf.h>

namespace {

u32 g_kernel_taints;

} // namespace

void add_kernel_taint(unsigned flag) { g_kernel_taints |= 1u << flag; }

bool test_taint(unsigned flag) { return g_kernel_taints & (1u << flag); }

unsigned kernel_taint_mask() { return g_kernel_taints; }

const char* print_tainted()
{
    // Linux's letters, in its order, only those that are set.
    static const char letters[] = "PFSRMBUDAWCIOELKXTN";
    static char buf[sizeof(letters)];
    size_t n = 0;
    for (unsigned i = 0; letters[i]; i++) {
        if (g_kernel_taints & (1u << i))
            buf[n++] = letters[i];
    }
    buf[n] = '\0';
    return buf;
}

// One line as Linux's, continued on further lines when the modules do not fit in one record.
void print_modules()
{
    char line[200];
    size_t n = strlcpy(line, "Modules linked in:", sizeof(line));
    for (const module* mod = g_modules; mod; mod = mod->next) {
        if (mod->state == LKM_MODULE_STATE_UNFORMED)
            continue;
        char flags[8];
        module_flags(mod, flags);
        char entry[LKM_MODULE_NAME_LEN + sizeof(flags) + 1];
        size_t length = static_cast<size_t>(snprintf(entry, sizeof(entry), " %s%s", mod->name, flags));
        if (n + length >= sizeof(line)) {
            pr_emerg("%s\n", line);
            n = strlcpy(line, " ", sizeof(line));
        }
        n += strlcpy(line + n, entry, sizeof(line) - n);
    }
    pr_emerg("%s\n", line);
}
