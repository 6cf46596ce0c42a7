// A test hook: module.fail_stage=STAGE on the kernel command line makes load_module fail with
// ENOMEM right after stage STAGE (module.fail_stage=STAGE:MODULE: only when loading MODULE), so
// that the tests can check, through the real system call, that a failure after any stage is
// unwound exactly (tests/integration/module_unwind_test.cpp). Linux's fault injection
// (failslab, fail_page_alloc) serves the same purpose by failing allocations.
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>
#include <loader/format.h>

namespace {

constexpr const char* load_stage_names[] = {
#define LOAD_STAGE_NAME(name) #name,
    LOAD_STAGES(LOAD_STAGE_NAME)
#undef LOAD_STAGE_NAME
};
constexpr unsigned load_stage_count = sizeof(load_stage_names) / sizeof(load_stage_names[0]);

int g_fail_stage = -1; // off
char g_fail_module[LKM_MODULE_NAME_LEN]; // "": any module

} // namespace

void set_fail_stage(const char* setting)
{
    if (!*setting)
        return;
    const char* colon = strchr(setting, ':');
    size_t stage_length = colon ? static_cast<size_t>(colon - setting) : strlen(setting);
    for (unsigned i = 0; i < load_stage_count; i++) {
        if (strlen(load_stage_names[i]) != stage_length || strncmp(load_stage_names[i], setting, stage_length) != 0)
            continue;
        if (colon && i == static_cast<unsigned>(load_stage::elf_validity_check)) {
            pr_warn("module.fail_stage: a module is known by name only after setup_load_info\n");
            return;
        }
        g_fail_stage = static_cast<int>(i);
        strlcpy(g_fail_module, colon ? colon + 1 : "", sizeof(g_fail_module));
        pr_warn("module.fail_stage: loading %s will fail after %s (test hook)\n",
                g_fail_module[0] ? g_fail_module : "any module", load_stage_names[i]);
        return;
    }
    pr_warn("module.fail_stage: no load_module stage is called '%.*s'\n", static_cast<int>(stage_length), setting);
}

lkm::ErrorOr<void> injected_failure(load_stage stage, const char* name)
{
    if (static_cast<int>(stage) != g_fail_stage || (g_fail_module[0] && strcmp(name, g_fail_module) != 0))
        return {};
    return lkm::make_error(LKM_ENOMEM, "injected failure (module.fail_stage)", "after %s",
                           load_stage_names[static_cast<unsigned>(stage)])
        .with_kind(lkm::ErrorKind::Injected);
}
