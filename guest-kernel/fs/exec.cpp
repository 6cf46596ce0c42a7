// Starting a program (Linux's fs/exec.c and binfmt_elf.c's create_elf_tables): a new address
// space, the ELF loaded into it, a stack VMA that grows down on demand, and the initial stack the
// x86-64 System V ABI describes: argc, argv[], NULL, envp[], NULL, the auxiliary vector, and
// above them the strings, AT_PLATFORM's name and AT_RANDOM's 16 bytes. Only once all of that is
// built does the task switch to the new mm (the old one is dropped), so a failed exec leaves the
// task as it was.
//
// execve(2)/execveat(2) below: the arguments copied in with Linux's limits, the file looked up
// and checked (a regular file, MAY_EXEC) and read whole, a "#!" line handed to its interpreter
// (fs/binfmt_script.cpp), then kernel_execve and what a new program must not inherit
// (setup_new_exec: close-on-exec descriptors, handlers, the alternate stack, a vfork parent).
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/resource.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <lkmemu/mman.h>
#include <asm/uaccess.h>
#include <kernel/binfmts.h>
#include <kernel/completion.h>
#include <kernel/cred.h>
#include <kernel/fdtable.h>
#include <kernel/mm.h>
#include <kernel/random.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/signal.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

namespace {

// The auxiliary vector's types (Linux's include/uapi/linux/auxvec.h).
enum : u64 {
    AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
    AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
    AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31,
};
constexpr size_t AUXV_ENTRIES = 18; // with AT_NULL
constexpr char PLATFORM[] = "x86_64";
constexpr u64 USER_HZ = 100;

// CPUID.1:EDX, which x86 Linux reports as AT_HWCAP.
u64 elf_hwcap()
{
    u32 eax = 1, ebx, ecx = 0, edx;
    asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return edx;
}

size_t count_strings(const char* const* list, u64* bytes)
{
    size_t n = 0;
    for (; list[n]; n++)
        *bytes += strlen(list[n]) + 1;
    return n;
}

// Copy the strings of list downwards from *top (the first string lowest, as Linux lays them
// out), recording each one's user address in addresses.
lkm::ErrorOr<void> put_strings(mm_struct* mm, const char* const* list, size_t count, u64* top, u64* addresses)
{
    for (size_t i = count; i-- > 0;) {
        size_t length = strlen(list[i]) + 1;
        *top -= length;
        TRY(copy_to_mm(mm, *top, list[i], length));
        addresses[i] = *top;
    }
    return {};
}

// Linux's create_elf_tables: returns the initial RSP (16-byte aligned, at argc).
lkm::ErrorOr<u64> create_elf_tables(mm_struct* mm, const char* const* argv, const char* const* envp,
                                    const elf_load_info& info, const task_struct* task)
{
    u64 string_bytes = 0;
    size_t argc = count_strings(argv, &string_bytes);
    size_t envc = count_strings(envp, &string_bytes);
    for (size_t i = 0; i < argc + envc; i++) {
        const char* s = i < argc ? argv[i] : envp[i - argc];
        if (strlen(s) + 1 > MAX_ARG_STRLEN)
            return lkm::Error::from_errno(LKM_E2BIG, "exec: an argument is longer than MAX_ARG_STRLEN");
    }
    const char* execfn = argc ? argv[0] : "";
    u64 words = 1 + argc + 1 + envc + 1 + 2 * AUXV_ENTRIES;
    if (string_bytes + strlen(execfn) + 1 + words * sizeof(u64) > MAX_ARG_TOTAL)
        return lkm::Error::from_errno(LKM_E2BIG, "exec: arguments and environment beyond the limit");

    // The pointer tables are built in kernel memory, then copied below the strings at once.
    KBuffer<u64> table(words);
    if (!table.get())
        return lkm::Error::from_errno(LKM_ENOMEM, "exec: no memory for the argument table");
    u64* argv_at = table.get() + 1;
    u64* envp_at = argv_at + argc + 1;

    u64 top = STACK_TOP - sizeof(u64); // Linux leaves the top word empty
    top -= strlen(execfn) + 1;
    u64 execfn_at = top;
    TRY(copy_to_mm(mm, top, execfn, strlen(execfn) + 1));
    mm->env_end = top;
    TRY(put_strings(mm, envp, envc, &top, envp_at));
    mm->env_start = mm->arg_end = top;
    TRY(put_strings(mm, argv, argc, &top, argv_at));
    mm->arg_start = top;
    top -= sizeof(PLATFORM);
    u64 platform_at = top;
    TRY(copy_to_mm(mm, top, PLATFORM, sizeof(PLATFORM)));
    u8 random[16];
    get_random_bytes(random, sizeof(random));
    top = align_down(top - sizeof(random), 16);
    u64 random_at = top;
    TRY(copy_to_mm(mm, top, random, sizeof(random)));

    table.get()[0] = argc;
    argv_at[argc] = 0;
    envp_at[envc] = 0;
    u64* aux = envp_at + envc + 1;
    const u64 auxv[AUXV_ENTRIES][2] = {
        { AT_HWCAP, elf_hwcap() }, { AT_PAGESZ, PAGE_SIZE }, { AT_CLKTCK, USER_HZ },
        { AT_PHDR, info.phdr_addr }, { AT_PHENT, info.phent }, { AT_PHNUM, info.phnum },
        { AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, info.entry },
        { AT_UID, task->uid }, { AT_EUID, task->euid },
        { AT_GID, 0 }, { AT_EGID, 0 }, // no group ids in the task yet: root's
        { AT_SECURE, 0 }, { AT_RANDOM, random_at }, { AT_EXECFN, execfn_at }, { AT_PLATFORM, platform_at },
        { AT_NULL, 0 },
    };
    memcpy(aux, auxv, sizeof(auxv));
    u64 sp = align_down(top - words * sizeof(u64), 16);
    TRY(copy_to_mm(mm, sp, table.get(), words * sizeof(u64)));
    return sp;
}

// The mm is handed to the task only on success; a failure drops the half-built one.
struct mm_guard {
    mm_struct* mm;
    ~mm_guard()
    {
        if (mm)
            mmput(mm);
    }
};

} // namespace

lkm::ErrorOr<void> kernel_execve(const char* const* argv, const char* const* envp, const u8* image, size_t size,
                                 pt_regs* regs)
{
    task_struct* task = current();
    mm_guard guard { TRY(mm_alloc()) };
    mm_struct* mm = guard.mm;
    elf_load_info info = TRY(load_elf_binary(mm, image, size));
    TRY(do_mmap(mm, nullptr, STACK_TOP - STACK_INITIAL_SIZE, STACK_INITIAL_SIZE, LKM_PROT_READ | LKM_PROT_WRITE,
                LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS | LKM_MAP_FIXED_NOREPLACE | LKM_MAP_GROWSDOWN, 0, 0));
    u64 user_sp = TRY(create_elf_tables(mm, argv, envp, info, task));
    mm->start_code = info.start_code;
    mm->end_code = info.end_code;
    mm->start_data = info.start_data;
    mm->end_data = info.end_data;
    mm->start_brk = mm->brk = info.brk;
    mm->start_stack = user_sp;

    guard.mm = nullptr;
    mm_struct* old = task->mm;
    task->mm = mm;
    write_cr3(mm->pgd);
    if (old)
        mmput(old);

    memset(regs, 0, sizeof(*regs));
    regs->rip = info.entry;
    regs->cs = __USER_CS;
    regs->rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF; // user mode runs with interrupts on
    regs->rsp = user_sp;
    regs->ss = __USER_DS;
    return {};
}

// --- execve(2) and execveat(2): a program from the file system -----------------------------------

namespace {

// Linux's limits on what exec copies (include/uapi/linux/binfmts.h, fs/exec.c's
// bprm_stack_limits): the strings and their pointers within a quarter of RLIMIT_STACK, at most
// three quarters of _STK_LIM, at least ARG_MAX.
constexpr u64 ARG_MAX = 32 * PAGE_SIZE;
constexpr u64 STK_LIM = 8ull << 20;

u64 exec_arg_limit()
{
    u64 limit = min(STK_LIM / 4 * 3, rlimit(LKM_RLIMIT_STACK) / 4);
    return max(limit, ARG_MAX);
}

// The argument or environment strings exec copies from the caller (Linux keeps them on the
// new stack as it goes; lkmemu in one growing kernel buffer, laid out by create_elf_tables).
class exec_strings {
public:
    exec_strings() = default;
    exec_strings(const exec_strings&) = delete;
    exec_strings& operator=(const exec_strings&) = delete;
    ~exec_strings()
    {
        kfree(m_text);
        kfree(m_offsets);
    }

    size_t count() const { return m_count; }
    void clear() { m_used = m_count = 0; }
    u64 bytes() const { return m_used; }
    const char* at(size_t i) const { return m_text + m_offsets[i]; }

    lkm::ErrorOr<void> add(const char* s, size_t length)
    {
        TRY(reserve(length + 1));
        memcpy(m_text + m_used, s, length);
        m_text[m_used + length] = 0;
        return push(length + 1);
    }

    // A user vector of string pointers up to its NULL. EFAULT, E2BIG (one string longer than
    // MAX_ARG_STRLEN, or more than the limit in all), ENOMEM.
    lkm::ErrorOr<void> add_user_vector(u64 vector, u64 limit)
    {
        if (!vector)
            return {}; // Linux accepts a NULL argv or envp as an empty one
        for (u64 i = 0;; i++) {
            u64 pointer;
            if (copy_from_user(&pointer, vector + i * sizeof(u64), sizeof(pointer)))
                return lkm::Error::from_errno(LKM_EFAULT, "exec: argv/envp not readable");
            if (!pointer)
                return {};
            TRY(add_user(pointer));
            if (m_used + m_count * sizeof(u64) > limit)
                return lkm::Error::from_errno(LKM_E2BIG, "exec: arguments and environment beyond the limit");
        }
    }

    // The nullptr-ended vector kernel_execve takes (valid while this lives unchanged).
    lkm::ErrorOr<KBuffer<const char*>> vector() const
    {
        KBuffer<const char*> list(m_count + 1);
        if (!list)
            return lkm::Error::from_errno(LKM_ENOMEM, "exec: no memory for the argument list");
        for (size_t i = 0; i < m_count; i++)
            list.get()[i] = at(i);
        list.get()[m_count] = nullptr;
        return list;
    }

private:
    lkm::ErrorOr<void> reserve(u64 more)
    {
        if (m_used + more <= m_capacity)
            return {};
        u64 capacity = m_capacity ? m_capacity : PAGE_SIZE;
        while (capacity < m_used + more)
            capacity *= 2;
        auto* text = static_cast<char*>(kmalloc(capacity));
        if (!text)
            return lkm::Error::from_errno(LKM_ENOMEM, "exec: no memory for the arguments");
        if (m_used)
            memcpy(text, m_text, m_used);
        kfree(m_text);
        m_text = text;
        m_capacity = capacity;
        return {};
    }

    lkm::ErrorOr<void> push(u64 length)
    {
        if (m_count == m_offsets_capacity) {
            size_t capacity = m_offsets_capacity ? 2 * m_offsets_capacity : 32;
            auto* offsets = static_cast<u64*>(kmalloc(capacity * sizeof(u64)));
            if (!offsets)
                return lkm::Error::from_errno(LKM_ENOMEM, "exec: no memory for the arguments");
            if (m_count)
                memcpy(offsets, m_offsets, m_count * sizeof(u64));
            kfree(m_offsets);
            m_offsets = offsets;
            m_offsets_capacity = capacity;
        }
        m_offsets[m_count++] = m_used;
        m_used += length;
        return {};
    }

    lkm::ErrorOr<void> add_user(u64 pointer)
    {
        for (;;) {
            TRY(reserve(min<u64>(MAX_ARG_STRLEN, PAGE_SIZE)));
            u64 room = min<u64>(m_capacity - m_used, MAX_ARG_STRLEN);
            long n = strncpy_from_user(m_text + m_used, pointer, static_cast<long>(room));
            if (n < 0)
                return lkm::Error::from_errno(LKM_EFAULT, "exec: an argument is not readable");
            if (static_cast<u64>(n) < room)
                return push(static_cast<u64>(n) + 1);
            if (room == MAX_ARG_STRLEN)
                return lkm::Error::from_errno(LKM_E2BIG, "exec: an argument is longer than MAX_ARG_STRLEN");
            TRY(reserve(m_capacity - m_used + 1)); // no NUL yet: room for more, and again
        }
    }

    char* m_text = nullptr;
    u64 m_used = 0, m_capacity = 0;
    u64* m_offsets = nullptr;
    size_t m_count = 0, m_offsets_capacity = 0;
};

struct file_ref {
    file* f = nullptr;
    ~file_ref()
    {
        if (f)
            fput(f);
    }
};

// Linux's do_open_execat: a regular file (EACCES otherwise, as for a directory) the caller may
// execute, opened for reading.
lkm::ErrorOr<file*> open_exec(int dfd, const char* name, int flags)
{
    unsigned lookup = (flags & LKM_AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
    if (flags & LKM_AT_EMPTY_PATH)
        lookup |= LOOKUP_EMPTY;
    path p {};
    if (int error = filename_lookup(dfd, name, lookup, &p))
        return lkm::Error::from_errno(-error, "exec: no such file");
    inode* i = p.dentry->d_inode;
    int error = 0;
    if (S_ISLNK(i->i_mode))
        error = -LKM_ELOOP; // AT_SYMLINK_NOFOLLOW and a symlink
    else if (!S_ISREG(i->i_mode))
        error = -LKM_EACCES;
    else
        error = inode_permission(i, MAY_EXEC);
    if (error) {
        path_put(&p);
        return lkm::Error::from_errno(-error, "exec: not an executable file");
    }
    file* f = dentry_open(&p, O_RDONLY, &error);
    if (!f)
        return lkm::Error::from_errno(-error, "exec: open failed");
    return f;
}

// The largest program exec reads: the whole file is read into memory first.
constexpr size_t MAX_EXEC_FILE = 256u << 20;

// After the point of no return (the new mm is the task's): what a new program must not
// inherit (Linux's begin_new_exec / setup_new_exec).
void setup_new_exec(const char* filename)
{
    task_struct* task = current();
    // The vfork parent may run again: the child no longer uses its memory.
    if (completion* vfork = task->vfork_done) {
        task->vfork_done = nullptr;
        complete(vfork);
    }
    task->clear_child_tid = 0;
    task->robust_list = task->robust_list_len = 0;
    task->dumpable = 1;
    flush_thread();
    // Descriptors marked close-on-exec.
    files_struct* files = current_files();
    for (unsigned word = 0; word * 64 < files->max_fds; word++) {
        u64 bits = files->close_on_exec[word] & files->open_fds[word];
        files->close_on_exec[word] = 0;
        while (bits) {
            int fd = static_cast<int>(word * 64 + static_cast<unsigned>(__builtin_ctzll(bits)));
            bits &= bits - 1;
            if (file* f = fd_remove(fd))
                fput(f);
        }
    }
    // Handlers back to SIG_DFL (an ignored signal stays ignored); the alternate stack goes.
    if (sighand_struct* sighand = task->sighand) {
        if (sighand->count > 1) { // shared with a CLONE_SIGHAND sibling: take a copy
            if (copy_sighand(task, task, false) == 0)
                sighand->count--;
        }
        for (lkm_sigaction& action : task->sighand->action) {
            if (action.sa_handler != LKM_SIG_IGN)
                action.sa_handler = LKM_SIG_DFL;
            action.sa_flags = 0;
            action.sa_mask = 0;
        }
    }
    task->sas_ss_sp = task->sas_ss_size = 0;
    task->sas_ss_flags = 0;
    // comm: the file's name, as Linux's __set_task_comm(kbasename(filename)).
    const char* base = filename;
    for (const char* c = filename; *c; c++)
        if (*c == '/')
            base = c + 1;
    strlcpy(task->comm, base, sizeof(task->comm));
}

lkm::ErrorOr<void> do_execveat_common(int dfd, KBuffer<char> filename, u64 user_argv, u64 user_envp, int flags)
{
    if (flags & ~(LKM_AT_EMPTY_PATH | LKM_AT_SYMLINK_NOFOLLOW))
        return lkm::Error::from_errno(LKM_EINVAL, "execveat: unknown flags");
    u64 limit = exec_arg_limit();
    exec_strings argv_sets[2];
    exec_strings envp;
    int argv_now = 0;
    TRY(argv_sets[0].add_user_vector(user_argv, limit));
    TRY(envp.add_user_vector(user_envp, limit - argv_sets[0].bytes() - argv_sets[0].count() * sizeof(u64)));
    for (int depth = 0;; depth++) {
        exec_strings& argv = argv_sets[argv_now];
        if (argv.bytes() + envp.bytes() + (max<size_t>(argv.count(), 1) + envp.count()) * sizeof(u64) > limit)
            return lkm::Error::from_errno(LKM_E2BIG, "exec: arguments and environment beyond the limit");
        file_ref opened;
        opened.f = TRY(open_exec(dfd, filename.get(), flags));
        size_t size = 0;
        auto image = kernel_read_file(opened.f, MAX_EXEC_FILE, &size);
        if (image.is_error()) {
            int code = image.error().code;
            // An empty file is no format at all; one too large to read cannot be run.
            return lkm::Error::from_errno(code == LKM_EINVAL ? LKM_ENOEXEC : code == LKM_EFBIG ? LKM_ENOMEM : code,
                                          image.error().reason);
        }
        const u8* bytes = image.value().data();
        script_interp interp {};
        if (TRY(parse_script_header(reinterpret_cast<const char*>(bytes), size, &interp))) {
            // Linux's load_script: argv[0] gives way to the interpreter, its argument and the
            // script's path; the interpreter is then exec'd in its place.
            if (depth >= MAX_INTERP_DEPTH)
                return lkm::Error::from_errno(LKM_ELOOP, "exec: too many nested interpreters");
            if (interp.name_len >= PATH_MAX)
                return lkm::Error::from_errno(LKM_ENAMETOOLONG, "exec: interpreter name too long");
            exec_strings& next = argv_sets[1 - argv_now];
            next.clear();
            TRY(next.add(interp.name, interp.name_len));
            if (interp.arg_len)
                TRY(next.add(interp.arg, interp.arg_len));
            TRY(next.add(filename.get(), strlen(filename.get())));
            for (size_t i = 1; i < argv.count(); i++)
                TRY(next.add(argv.at(i), strlen(argv.at(i))));
            KBuffer<char> name(PATH_MAX);
            if (!name)
                return lkm::Error::from_errno(LKM_ENOMEM, "exec: no memory for the interpreter's name");
            memcpy(name.get(), interp.name, interp.name_len);
            name.get()[interp.name_len] = 0;
            filename = static_cast<KBuffer<char>&&>(name);
            dfd = LKM_AT_FDCWD;
            flags = 0;
            argv_now = 1 - argv_now;
            continue;
        }
        KBuffer<const char*> argv_list = TRY(argv.vector());
        KBuffer<const char*> envp_list = TRY(envp.vector());
        // kernel_execve switches to the new address space only once it is complete: up to
        // there a failure leaves the caller as it was; nothing after it can fail.
        TRY(kernel_execve(argv_list.get(), envp_list.get(), bytes, size, current_pt_regs()));
        setup_new_exec(filename.get());
        return {};
    }
}

long execve_result(lkm::ErrorOr<void> result) { return result.is_error() ? -result.error().code : 0; }

} // namespace

long sys_execve(u64 filename, u64 argv, u64 envp)
{
    auto name = getname(filename);
    if (name.is_error())
        return -name.error().code;
    return execve_result(do_execveat_common(LKM_AT_FDCWD, name.release_value(), argv, envp, 0));
}

long sys_execveat(int fd, u64 filename, u64 argv, u64 envp, int flags)
{
    auto name = getname_flags(filename, flags & LKM_AT_EMPTY_PATH);
    if (name.is_error())
        return -name.error().code;
    return execve_result(do_execveat_common(fd, name.release_value(), argv, envp, flags));
}
