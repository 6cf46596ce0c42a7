// start_kernel: bring the machine up subsystem by subsystem, then become init.
//
// Everything printed to the console before "Run /init as init process" must be the same on
// lkmemu and on QEMU (tests compare the transcripts): machine-specific details go to KERN_DEBUG,
// which is kept in the log buffer but not shown on the console by default.
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/binfmts.h>
#include <kernel/bootparam.h>
#include <kernel/console.h>
#include <kernel/extable.h>
#include <kernel/fs.h>
#include <kernel/harness.h>
#include <kernel/init.h>
#include <kernel/initramfs.h>
#include <kernel/irq.h>
#include <kernel/kallsyms.h>
#include <kernel/mem_devices.h>
#include <kernel/mm.h>
#include <kernel/module.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/selftest.h>
#include <kernel/sysctl.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <kernel/tty.h>
#include <kernel/vmap_stack.h>

extern "C" const u8 __init_elf_start[], __init_elf_end[]; // user/init_blob.S
extern "C" [[noreturn]] void enter_user_mode(pt_regs* regs); // entry_64.S

namespace {

void mm_init()
{
    page_alloc_init();
    paging_init();
    page_alloc_free_boot_memory();
    vmap_stack_init();
    pr_info("Memory: %luM RAM\n", boot_ram_size_rounded() >> 20);
    pr_debug("Memory: %luK/%luK available\n", kernel_meminfo.free_pages * 4, kernel_meminfo.total_pages * 4);
}

// Linux's console_on_rootfs: /dev/console as descriptors 0, 1 and 2 of init.
void console_on_rootfs()
{
    int error = 0;
    file* console = vfs_open("/dev/console", O_RDWR, &error);
    if (!console) {
        pr_err("Warning: unable to open an initial console.\n");
        return;
    }
    for (int fd = 0; fd < 3; fd++) {
        file* ref = get_file(console);
        if (fd_install(ref) < 0)
            fput(ref);
    }
    fput(console);
}

// init=PATH (Linux's run_init_process(execute_command)): the program is read from the file
// system and executed on the console. The console becomes init's controlling terminal (on Linux
// /dev/console never does, and a shell there has no job control: here ^C reaches the shell's
// foreground job; docs/kernel.md, "Terminals"). A failure panics with Linux's words.
void run_init_from_path(const char* path)
{
    constexpr size_t INIT_MAX_SIZE = 1ull << 30;
    console_on_rootfs();
    if (tty_struct* tty = console_tty())
        tty_set_controlling(tty, current());
    pr_info("Run %s as init process\n", path);
    int error = 0;
    file* f = vfs_open(path, O_RDONLY, &error);
    if (!f)
        panic("Requested init %s failed (error %d).", path, error);
    pt_regs* regs = current_pt_regs();
    {
        // The image is copied into the new address space: its buffer goes before ring 3 (which
        // never returns here).
        size_t size = 0;
        auto image = kernel_read_file(f, INIT_MAX_SIZE, &size);
        fput(f);
        if (image.is_error())
            panic("Requested init %s failed (error -%d).", path, image.error().code);
        auto exec = kernel_execve(kernel_cmdline.init_argv, kernel_cmdline.init_envp, image.value().data(), size, regs);
        if (exec.is_error())
            panic("Requested init %s failed (error -%d).", path, exec.error().code);
    }
    enter_user_mode(regs);
}

// Pid 1, until it becomes init: the kernel's last boot steps in a task that can sleep (Linux's
// kernel_init). It starts with interrupts on, as every new task; the kernel runs with them off.
void kernel_init(void*)
{
    local_irq_disable();
    current()->pgrp = current()->session = 1; // init leads session 1 and its group, as on Linux
    if (kernel_cmdline.selftest_sched)
        selftest_sched();
    if (kernel_cmdline.selftest_mm)
        selftest_mm();
    if (kernel_cmdline.selftest_oops)
        selftest_oops();
    vmap_stack_cache_init();
    if (kernel_cmdline.init_path[0])
        run_init_from_path(kernel_cmdline.init_path);
    run_init_process();
}

// The boot context creates pid 1 and becomes the idle task (Linux's rest_init).
[[noreturn]] void rest_init()
{
    auto created = create_task("init", kernel_init, nullptr, 0);
    if (created.is_error())
        panic("Cannot create the init task: %s", created.error().reason);
    wake_up_new_task(created.value());
    cpu_startup_entry();
}

} // namespace

void run_init_process()
{
    // The frame that enter_user_mode pops sits at the top of init's kernel stack, where the CPU
    // would have put it had init entered the kernel from ring 3.
    pt_regs* regs = current_pt_regs();
    pr_info("Run %s as init process\n", INIT_PATH);
    auto exec = kernel_execve(kernel_cmdline.init_argv, kernel_cmdline.init_envp, __init_elf_start,
                              static_cast<size_t>(__init_elf_end - __init_elf_start), regs);
    if (exec.is_error())
        panic("Requested init %s failed (error -%d: %s)", INIT_PATH, exec.error().code, exec.error().reason);
    enter_user_mode(regs);
}

void start_kernel()
{
    cpu_init();
    gdt_init();
    percpu_init();
    sched_init(); // the boot context is the idle task from here on
    sort_main_extable(); // before paging_init makes the kernel's rodata read-only
    idt_init();

    parse_kernel_cmdline(boot_params.command_line, CmdlinePass::Early);
    if (kernel_cmdline.loglevel >= 0)
        console_loglevel = kernel_cmdline.loglevel;
    if (kernel_cmdline.console_enabled)
        serial_console_init();
    kallsyms_init();

    pr_notice("lkmemu kernel version 0.1 (clang %d.%d.%d) x86_64\n", __clang_major__, __clang_minor__,
              __clang_patchlevel__);
    pr_notice("Command line: %s\n", boot_params.command_line);
    parse_kernel_cmdline(boot_params.command_line, CmdlinePass::Full);
    pr_debug("boot: entered through %s\n", boot_params.protocol == BootProtocol::Pvh ? "PVH" : "the lkmemu boot protocol");
    for (size_t i = 0; i < boot_params.nr_regions; i++) {
        const memory_region& r = boot_params.regions[i];
        pr_debug("boot: memory [%#018lx-%#018lx] type %u\n", r.base, r.base + r.length - 1, r.type);
    }

    mm_init();
    cpu_init_exception_stacks(); // from the stack area mm_init set up
    init_8259A();
    time_init();
    syscall_init();
    vfs_init();
    populate_rootfs(); // the initrd's tree over the kernel's own (init/initramfs.cpp)
    sysctl_init();
    devkmsg_init();
    module_subsystem_init();
    harness_init();
    chr_dev_init(); // /dev/null, /dev/zero (drivers/char/mem.cpp)
    serial_tty_init(); // ttyS0, /dev/console, /dev/tty (drivers/tty/)

    if (kernel_cmdline.selftest_wx)
        selftest_wx();
    if (kernel_cmdline.selftest_faults)
        selftest_faults(); // ends in a panic, by design
    rest_init();
}
