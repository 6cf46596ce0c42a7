// Machine: the emulated x86-64 PC that boots kernel.elf. It owns the CPU engine (Unicorn >= 2.1),
// guest RAM, the MMU hook, host-side exception/interrupt/SYSCALL delivery and the devices, and
// runs the guest until it powers off or can go no further. See docs/machine.md.
//
// Threading: everything runs on the thread that calls run(), except request_stop().
#pragma once

#include "devices/harness_data.h"
#include "support/result.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

struct MachineConfig {
    std::string kernel_path;
    std::string cmdline;
    uint64_t memory_mib = 128;
    // Guest time (the PIT's clock) is virtual by default: Machine::ns_per_instruction per guest
    // instruction executed, and a halt skips straight to the next timer deadline, so a run is the
    // same every time. With realtime, guest time is the wall clock since power-on (a halt waits
    // for it, and guest time is never ahead of it).
    bool realtime = false;
    // A file the boot loader places in RAM for the kernel to unpack as its initramfs (a newc
    // cpio archive, docs/userland.md); empty: none.
    std::string initrd_path;
};

enum class StopReason {
    PowerOff,      // the guest wrote its status to the debug-exit port
    Panic,         // ... and the status was LKMEMU_EXIT_PANIC
    TripleFault,   // an exception could not be delivered, even as #DF
    Dead,          // hlt with IF=0 (or with no interrupt source armed): nothing can wake it
    EmulatorError, // the engine failed, or the guest did what this machine cannot emulate
    Stopped,       // request_stop(): run() may be called again to continue
    Breakpoint,    // a breakpoint's address is about to execute (RIP = address); resumable
    Watchpoint,    // an access matched a watchpoint (RIP after the accessing instruction); resumable
    Step,          // step() ran one instruction, or entered the handler of the event it raised
};

enum class WatchKind { Write, Read, Access };

struct RunResult {
    StopReason reason;
    uint32_t guest_status; // the debug-exit value for PowerOff/Panic, else 0
    std::string message;
    uint64_t address = 0;                 // Breakpoint: its address; Watchpoint: the accessed address
    WatchKind watch_kind = WatchKind::Write; // Watchpoint: which kind fired
};

// Sees what the CPU does, for `--trace`. All calls come from the thread running the machine.
class ExecutionObserver {
public:
    virtual ~ExecutionObserver() = default;
    // An instruction about to execute inside the observed range; `bytes` holds up to 15 bytes
    // from its address (fewer before an unmapped page).
    virtual void instruction(uint64_t address, std::span<const uint8_t> bytes) = 0;
    // An exception the machine is about to deliver (CR2 for #PF); RIP as the frame will say.
    virtual void exception(uint8_t vector, std::optional<uint64_t> error_code, std::optional<uint64_t> cr2, uint64_t rip) = 0;
    virtual void interrupt(uint8_t vector, uint64_t rip) = 0; // external or int n
    // SYSCALL, before it is emulated: registers() shows the number and arguments.
    virtual void syscall(uint64_t rip) = 0;
    // The first instruction at the SYSCALL's return address ran again (the kernel returned with
    // sysretq or iretq): `value` is RAX then. Only the latest SYSCALL is followed.
    virtual void syscall_return(uint64_t rip, uint64_t value) { (void)rip, (void)value; }
};

struct Registers {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags;
    uint16_t cs, ss, ds, es, fs, gs;
    uint64_t fs_base, gs_base, kernel_gs_base, cr0, cr2, cr3, cr4, cr8, efer;
};

struct MappedRange {
    uint64_t start, end; // [start, end)
    bool writable, executable, user;
    uint64_t phys_start;
};

class Machine;
class MachineSnapshot; // machine/snapshot.h

class HarnessHost { // implemented by the host command runner (emulator/harness/)
public:
    virtual ~HarnessHost() = default;
    // The guest asked for its next request (LKMEMU_HARNESS_CMD_GET_REQUEST). The guest CPU is
    // stopped while this runs, so the host may inspect guest state. Returns the request bytes
    // (struct lkmemu_harness_request + args + data); the device copies them into the guest buffer.
    virtual std::vector<uint8_t> next_request(Machine&) = 0;
    // What the device asks: nullopt means "not yet" (a `sleep` is letting guest time pass). The
    // device then reports LKMEMU_HARNESS_STATUS_WAIT and the guest's driver asks again after the
    // next interrupt. By default every request is ready.
    virtual std::optional<std::vector<uint8_t>> try_next_request(Machine& machine) { return next_request(machine); }
    // The data of the request just returned (an insmod's module file), which the guest reads
    // piecewise from the device (abi/lkmemu/harness.h's GET_DATA); nullptr: none.
    virtual std::unique_ptr<HarnessData> take_request_data() { return nullptr; }
    virtual void on_response(Machine&, int32_t status, std::string_view text) = 0;
    // The same with the answer's LKMEMU_HARNESS_RESPONSE_* flags; by default they are dropped.
    virtual void on_answer(Machine& machine, int32_t status, uint32_t flags, std::string_view text)
    {
        (void)flags;
        on_response(machine, status, text);
    }
};

class Machine {
public:
    // Errors: missing/corrupt kernel (which file and why), Unicorn < 2.1 at run time, a memory
    // size outside [min_memory_mib, max_memory_mib], the engine's fault-marker calibration.
    static Result<std::unique_ptr<Machine>> create(const MachineConfig&);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    static constexpr uint64_t min_memory_mib = 8;
    static constexpr uint64_t max_memory_mib = 4096; // the boot identity map covers 4 GiB

    void set_harness_host(HarnessHost*); // none: the harness ID register reads all-ones, as under QEMU
    void set_console_listener(std::function<void(std::string_view)>); // live UART output
    // The UART's receive side (a keyboard): asked for input only while the guest listens (its
    // receive interrupt enabled) and waits (halted with interrupts on, docs/machine.md, "Console
    // input"), and with a zero wait at each timer tick while it runs. The source may block up to
    // max_wait for input and returns what came (empty: nothing). Called on the run() thread.
    using ConsoleInput = std::function<std::string(std::chrono::nanoseconds max_wait)>;
    void set_console_input(ConsoleInput);
    // Boots and runs until power-off or crash. After Stopped, Breakpoint, Watchpoint (or step()'s
    // Step) it may be called again to go on; after any other reason it returns that result again.
    RunResult run();
    const std::string& console_text() const; // everything the UART printed
    uint64_t guest_instructions() const;     // counted per translated block
    // Guest time in nanoseconds since power-on: guest_instructions() * ns_per_instruction plus
    // the time skipped while the CPU halted (docs/machine.md, "Guest time"); with
    // MachineConfig::realtime, the wall time since power-on. 1 us per instruction, a 1 MIPS
    // guest (about QEMU's -icount shift=10): a 4 ms tick comes every 4000 instructions.
    static constexpr uint64_t ns_per_instruction = 1000;
    uint64_t guest_time_ns() const;
    // Lets `ns` of guest time pass at once, as if the CPU had stalled (a host that holds the guest
    // inside an I/O access); a timer deadline passed meanwhile fires before the next instruction.
    void advance_guest_time(uint64_t ns);
    // run() returns Stopped once guest time reaches `ns` (nullopt: never): at a block boundary
    // the instruction count decides, so at the same instruction on every run, and a halt skips
    // no further than it. The session's time limits use it; it may be changed from the harness
    // host while the guest waits on it.
    void set_guest_time_limit(std::optional<uint64_t> ns);
    bool user_mode_reached() const;          // CPL 3 was ever entered
    Registers registers() const;
    // Observer access through the guest's current CR3: sets no A/D bits, raises no fault.
    Result<void> read_virtual(uint64_t va, std::span<uint8_t> out) const;
    Result<void> write_virtual(uint64_t va, std::span<const uint8_t> in); // for the debugger: ignores W
    Result<void> read_physical(uint64_t pa, std::span<uint8_t> out) const;
    std::vector<MappedRange> mapped_ranges() const; // coalesced runs of equal permission and contiguous phys
    void request_stop();                            // thread-safe: make run() return soon (StopReason::Stopped)

    uint64_t ram_size() const;
    const MachineConfig& config() const; // a resumed machine's command line is its snapshot's

    // --- Snapshots (docs/machine.md, "Snapshots"; machine/snapshot.h) ---
    // Only at a request point: run() returned Stopped with the CPU in ring 0 (the kernel's harness
    // driver was answered "wait"), under virtual guest time; errors say why not.
    //
    // The state now, kept in memory. From then on the machine's RAM is a copy-on-write mapping of
    // it, so that restore() puts back only the pages written since.
    Result<std::unique_ptr<MachineSnapshot>> take_snapshot();
    // The state now, written to `path` (a temporary file renamed over it).
    Result<void> save_snapshot(const std::string& path);
    // Puts the machine back as it was in `snapshot` (same RAM size; taken from this kernel). The
    // translated code of the pages it puts back is dropped, the rest kept (docs/machine.md,
    // "Snapshots"). The machine must not be in ring 3 (it is not, after any stop
    // but a breakpoint, watchpoint or step there).
    Result<void> restore(const MachineSnapshot&);
    // A machine built from a snapshot file instead of a boot. Refused, with what differs, if the
    // file is not a usable snapshot, if config.kernel_path is not the kernel it was made from
    // (SHA-256), if config.memory_mib differs, or if config.cmdline is neither empty nor the
    // snapshot's (a resumed kernel has booted already: its command line is the snapshot's).
    static Result<std::unique_ptr<Machine>> resume(const MachineConfig&, const std::string& path);

    // --- Debugging (the gdb stub's adapter) ---
    // One instruction: if it raises an exception, interrupt or SYSCALL, that is delivered and the
    // machine stops at the first instruction of the handler (as the hardware's TF would).
    // A `hlt` is stepped over without waiting. Pending interrupts are delivered first.
    RunResult step();
    // Breakpoints and watchpoints are engine hooks: nothing is patched into guest memory. A
    // breakpoint at the RIP a run()/step() starts from does not fire for that first instruction.
    // Watched addresses are virtual; accesses the host makes itself (interrupt frames, page
    // walks) are not seen.
    Result<void> add_breakpoint(uint64_t va);
    Result<void> remove_breakpoint(uint64_t va); // error if there is none
    Result<void> add_watchpoint(uint64_t va, uint64_t length, WatchKind);
    Result<void> remove_watchpoint(uint64_t va, uint64_t length, WatchKind);
    // Any engine register by its Unicorn id (unicorn/x86.h, uc_x86_reg), `bytes` as wide as
    // Unicorn expects (e.g. 8 for GPRs, 10 for FP0-7). Writing CR0/CR3/CR4 or the EFER MSR
    // flushes the TLB; writing CS or SS to a different value is refused (it cannot change the CPL).
    Result<void> read_engine_register(int unicorn_register, std::span<uint8_t> bytes) const;
    Result<void> write_engine_register(int unicorn_register, std::span<const uint8_t> bytes);

    // --- Tracing ---
    // Observe instructions in [first, last] (inclusive) and every exception, interrupt and
    // SYSCALL. nullptr removes it. With no observer no per-instruction hook is installed.
    // (first > last means every address, as Unicorn's hook ranges do.)
    Result<void> set_execution_observer(ExecutionObserver*, uint64_t first = 0, uint64_t last = ~0ull);

    struct Impl;

private:
    explicit Machine(std::unique_ptr<Impl>);
    std::unique_ptr<Impl> m_impl;
};

} // namespace lkmemu
