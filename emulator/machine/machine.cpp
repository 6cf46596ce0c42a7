#include "machine/machine.h"

#include "cpu/x86.h"
#include "machine/boot_loader.h"
#include "machine/kernel_image.h"
#include "machine/machine_impl.h"

#include <lkmemu/boot.h>
#include <lkmemu/devices.h>
#include <fmt/format.h>

#include <cstring>
#include <sys/prctl.h>

namespace lkmemu {

namespace {
constexpr uint64_t calibration_scratch_page = 0x1000; // boot info lives here later; zeroed after
} // namespace

// Hook entry points (engine_hooks.cpp).
bool hook_tlb_fill(uc_engine*, uint64_t, uc_mem_type, uc_tlb_entry*, void*);
void hook_interrupt(uc_engine*, uint32_t, void*);
bool hook_invalid_instruction(uc_engine*, void*);
void hook_syscall(uc_engine*, void*);
uint32_t hook_in(uc_engine*, uint32_t, int, void*);
void hook_out(uc_engine*, uint32_t, int, uint32_t, void*);
void hook_block(uc_engine*, uint64_t, uint32_t, void*);

Machine::Impl::Impl(Machine& m, MachineConfig c, PhysicalMemory r, PhysicalMemory h)
    : machine(m), config(std::move(c)), ram(std::move(r)), hidden_pages(std::move(h)), mmu(ram.bytes()),
      cpu(nullptr, mmu), gate(hidden_pages.bytes(), hidden_pages_physical), delivery(nullptr, cpu, gate, latch),
      debug_exit([this](uint32_t status) { on_power_off(status); }), harness(ram.bytes()),
      counter([this](uint64_t va, std::span<uint8_t> out) { return !machine.read_virtual(va, out).is_error(); })
{
    harness_adapter.machine = &machine;
}

Result<void> Machine::Impl::open_engine()
{
    uc_engine* raw = nullptr;
    LKMEMU_TRY(uc_check(uc_open(UC_ARCH_X86, UC_MODE_64, &raw), "uc_open(x86-64)"));
    uc.reset(raw);
    cpu.attach(raw);
    delivery.attach(raw);

    LKMEMU_TRY(uc_check(uc_ctl_tlb_mode(raw, UC_TLB_VIRTUAL), "selecting the virtual TLB (UC_TLB_VIRTUAL)"));
    LKMEMU_TRY(uc_check(uc_mem_map_ptr(raw, 0, ram.size(), UC_PROT_ALL, ram.data()), "mapping guest RAM"));
    LKMEMU_TRY(uc_check(uc_mem_map_ptr(raw, hidden_pages_physical, hidden_pages.size(), UC_PROT_ALL, hidden_pages.data()),
                        "mapping the privilege-gate pages"));

    uc_hook h;
    void* self = this;
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(hook_tlb_fill), self, 1, 0),
                        "adding the TLB-fill hook"));
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_INTR, reinterpret_cast<void*>(hook_interrupt), self, 1, 0),
                        "adding the interrupt hook"));
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(hook_invalid_instruction), self, 1, 0),
                        "adding the invalid-instruction hook"));
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_INSN, reinterpret_cast<void*>(hook_syscall), self, 1, 0, UC_X86_INS_SYSCALL),
                        "adding the SYSCALL hook"));
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_INSN, reinterpret_cast<void*>(hook_in), self, 1, 0, UC_X86_INS_IN),
                        "adding the IN hook"));
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_INSN, reinterpret_cast<void*>(hook_out), self, 1, 0, UC_X86_INS_OUT),
                        "adding the OUT hook"));
    LKMEMU_TRY(uc_check(uc_hook_add(raw, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(hook_block), self, 1, 0),
                        "adding the block hook"));

    io.attach(LKMEMU_PORT_COM1, Uart16550::port_count, uart);
    io.attach(LKMEMU_PORT_DEBUG_EXIT, DebugExit::port_count, debug_exit);
    io.attach(LKMEMU_PORT_PIC1_CMD, Pic8259::port_count, pic.master());
    io.attach(LKMEMU_PORT_PIC2_CMD, Pic8259::port_count, pic.slave());
    io.attach(LKMEMU_PORT_PIT_CH0, Pit8254::port_count, pit);
    io.attach(LKMEMU_PORT_HARNESS, HarnessDevice::port_count, harness);
    return {};
}

Result<void> Machine::Impl::boot(const KernelImage& kernel)
{
    fault_marker = LKMEMU_TRY(FaultMarker::calibrate(uc.get(), ram.bytes(), calibration_scratch_page, latch));
    auto const boot = LKMEMU_TRY(prepare_boot(kernel, ram.bytes(), config.cmdline));

    using namespace x86;
    cpu.write_msr(msr::efer, efer::lme | efer::lma | efer::nxe);
    cpu.write(UC_X86_REG_CR4, cr4::pae | cr4::osfxsr | cr4::osxmmexcpt);
    cpu.write(UC_X86_REG_CR3, boot.cr3);
    cpu.write(UC_X86_REG_CR0, cr0::pe | cr0::mp | cr0::et | cr0::ne | cr0::wp | cr0::pg);
    cpu.write_table(UC_X86_REG_GDTR, DescriptorTable { boot.gdt_base, boot.gdt_limit });
    cpu.write_table(UC_X86_REG_IDTR, DescriptorTable { 0, 0 });
    cpu.write_selector(UC_X86_REG_CS, 0x08);
    for (auto reg : { UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_SS })
        cpu.write_selector(reg, 0x10);
    cpu.write(UC_X86_REG_RFLAGS, rflags::fixed);
    cpu.write(UC_X86_REG_RDI, LKMEMU_BOOT_MAGIC);
    cpu.write(UC_X86_REG_RSI, boot.boot_info_paddr);
    cpu.write(UC_X86_REG_RSP, 0);
    cpu.write(UC_X86_REG_RIP, boot.entry);
    if (auto const& error = cpu.engine_error())
        return *error;
    // The engine may hold translations of the calibration page: start clean.
    LKMEMU_TRY(uc_check(uc_ctl_flush_tlb(uc.get()), "flushing the TLB"));
    return {};
}

Result<std::unique_ptr<Machine>> Machine::create(const MachineConfig& config)
{
    unsigned major = 0, minor = 0;
    uc_version(&major, &minor);
    if (major < 2 || (major == 2 && minor < 1))
        return make_error(fmt::format("Unicorn {}.{} is too old: lkmemu needs >= 2.1 (older versions ignore guest "
                                      "page tables and cannot enable NX or SYSCALL); run scripts/deps.sh",
                                      major, minor));
    if (config.memory_mib < min_memory_mib || config.memory_mib > max_memory_mib)
        return make_error(fmt::format("memory size {} MiB is outside [{}, {}] MiB", config.memory_mib,
                                      min_memory_mib, max_memory_mib));
    // No transparent huge pages: the engine asks for them for its translated-code buffer (QEMU's
    // MADV_HUGEPAGE), and the first write to each 2 MiB of it then zeroes all 2 MiB — an eighth of
    // a boot's CPU time in perf; guest RAM, touched sparsely, is no better served by them. Small
    // pages cost a fault per 4 KiB actually used. (Process-wide and inherited by children.)
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    uint64_t const ram_size = config.memory_mib << 20;
    auto kernel = LKMEMU_TRY(KernelImage::read(config.kernel_path, ram_size));
    auto ram = LKMEMU_TRY(PhysicalMemory::allocate(ram_size));
    auto hidden = LKMEMU_TRY(PhysicalMemory::allocate(2 * 4096));

    std::unique_ptr<Machine> machine(new Machine(nullptr));
    machine->m_impl = std::make_unique<Impl>(*machine, config, std::move(ram), std::move(hidden));
    LKMEMU_TRY(machine->m_impl->open_engine());
    LKMEMU_TRY(machine->m_impl->boot(kernel));
    return machine;
}

Machine::Machine(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Machine::~Machine() = default;

void Machine::set_harness_host(HarnessHost* host)
{
    m_impl->harness_adapter.host = host;
    m_impl->harness.set_endpoint(host ? &m_impl->harness_adapter : nullptr);
}

void Machine::set_console_listener(std::function<void(std::string_view)> listener)
{
    m_impl->uart.set_listener(std::move(listener));
}

RunResult Machine::run() { return m_impl->run(); }
const std::string& Machine::console_text() const { return m_impl->uart.text(); }
uint64_t Machine::guest_instructions() const { return m_impl->counter.total(); }
bool Machine::user_mode_reached() const { return m_impl->user_mode_reached; }
uint64_t Machine::ram_size() const { return m_impl->ram.size(); }

void Machine::request_stop()
{
    m_impl->stop_requested.store(true);
    std::lock_guard lock(m_impl->wait_mutex);
    m_impl->wait_cv.notify_all();
}

Registers Machine::registers() const
{
    auto const& cpu = m_impl->cpu;
    Registers r {};
    r.rax = cpu.read(UC_X86_REG_RAX);
    r.rbx = cpu.read(UC_X86_REG_RBX);
    r.rcx = cpu.read(UC_X86_REG_RCX);
    r.rdx = cpu.read(UC_X86_REG_RDX);
    r.rsi = cpu.read(UC_X86_REG_RSI);
    r.rdi = cpu.read(UC_X86_REG_RDI);
    r.rbp = cpu.read(UC_X86_REG_RBP);
    r.rsp = cpu.read(UC_X86_REG_RSP);
    r.r8 = cpu.read(UC_X86_REG_R8);
    r.r9 = cpu.read(UC_X86_REG_R9);
    r.r10 = cpu.read(UC_X86_REG_R10);
    r.r11 = cpu.read(UC_X86_REG_R11);
    r.r12 = cpu.read(UC_X86_REG_R12);
    r.r13 = cpu.read(UC_X86_REG_R13);
    r.r14 = cpu.read(UC_X86_REG_R14);
    r.r15 = cpu.read(UC_X86_REG_R15);
    r.rip = cpu.read(UC_X86_REG_RIP);
    r.rflags = cpu.read(UC_X86_REG_RFLAGS);
    r.cs = cpu.read_selector(UC_X86_REG_CS);
    r.ss = cpu.read_selector(UC_X86_REG_SS);
    r.ds = cpu.read_selector(UC_X86_REG_DS);
    r.es = cpu.read_selector(UC_X86_REG_ES);
    r.fs = cpu.read_selector(UC_X86_REG_FS);
    r.gs = cpu.read_selector(UC_X86_REG_GS);
    r.fs_base = cpu.read_msr(x86::msr::fs_base);
    r.gs_base = cpu.read_msr(x86::msr::gs_base);
    r.kernel_gs_base = cpu.read_msr(x86::msr::kernel_gs_base);
    r.cr0 = cpu.read(UC_X86_REG_CR0);
    r.cr2 = cpu.read(UC_X86_REG_CR2);
    r.cr3 = cpu.read(UC_X86_REG_CR3);
    r.cr4 = cpu.read(UC_X86_REG_CR4);
    r.cr8 = cpu.read(UC_X86_REG_CR8);
    r.efer = cpu.read_msr(x86::msr::efer);
    return r;
}

// An observer's translation: supervisor, any permission, no A/D bits; the hidden pages too.
Result<uint64_t> Machine::Impl::observe_translate(uint64_t va) const
{
    if (gate.is_hidden(va))
        return gate.physical_of(va);
    auto state = cpu.paging_state();
    state.alignment_check = true; // an observer may look at user pages under SMAP
    auto const walk = mmu.walk(state, va, Access::Read, Privilege::Supervisor, WalkMode::Observe);
    if (!walk.ok)
        return make_error(fmt::format("virtual address {:#x} is not mapped (page-fault error code {:#x})", va,
                                      walk.fault.error_code));
    return walk.translation.physical;
}

Result<void> Machine::read_virtual(uint64_t va, std::span<uint8_t> out) const
{
    size_t done = 0;
    while (done < out.size()) {
        uint64_t const at = va + done;
        size_t const chunk = std::min<uint64_t>(out.size() - done, 4096 - (at & 0xfff));
        uint64_t const pa = LKMEMU_TRY(m_impl->observe_translate(at));
        if (pa >= Impl::hidden_pages_physical) {
            std::memcpy(out.data() + done, m_impl->hidden_pages.data() + (pa - Impl::hidden_pages_physical), chunk);
        } else {
            LKMEMU_TRY(read_physical(pa, out.subspan(done, chunk)));
        }
        done += chunk;
    }
    return {};
}

Result<void> Machine::write_virtual(uint64_t va, std::span<const uint8_t> in)
{
    size_t done = 0;
    while (done < in.size()) {
        uint64_t const at = va + done;
        size_t const chunk = std::min<uint64_t>(in.size() - done, 4096 - (at & 0xfff));
        uint64_t const pa = LKMEMU_TRY(m_impl->observe_translate(at));
        if (!m_impl->ram.contains(pa, chunk))
            return make_error(fmt::format("virtual address {:#x} maps to physical {:#x}, outside guest RAM", at, pa));
        // Through the engine, so translated code on that page is thrown away.
        LKMEMU_TRY(uc_check(uc_mem_write(m_impl->uc.get(), pa, in.data() + done, chunk), "writing guest memory"));
        done += chunk;
    }
    // uc_mem_write does not drop translations of the code it overwrote (Unicorn 2.1.4): a
    // debugger's patch to code that already ran would run unpatched.
    LKMEMU_TRY(uc_check(uc_ctl_flush_tb(m_impl->uc.get()), "flushing translated code after a write"));
    m_impl->counter.invalidate();
    return {};
}

Result<void> Machine::read_physical(uint64_t pa, std::span<uint8_t> out) const
{
    if (!m_impl->ram.contains(pa, out.size()))
        return make_error(fmt::format("physical range [{:#x}, {:#x}) is outside the {} MiB of guest RAM", pa,
                                      pa + out.size(), m_impl->ram.size() >> 20));
    std::memcpy(out.data(), m_impl->ram.data() + pa, out.size());
    return {};
}

std::vector<MappedRange> Machine::mapped_ranges() const
{
    std::vector<MappedRange> ranges;
    m_impl->mmu.for_each_leaf(m_impl->cpu.paging_state(), [&](const Mmu::Leaf& leaf) {
        if (!ranges.empty()) {
            auto& last = ranges.back();
            if (last.end == leaf.va && last.writable == leaf.writable && last.executable == leaf.executable &&
                last.user == leaf.user && last.phys_start + (last.end - last.start) == leaf.pa) {
                last.end += leaf.size;
                return;
            }
        }
        ranges.push_back(MappedRange { leaf.va, leaf.va + leaf.size, leaf.writable, leaf.executable, leaf.user, leaf.pa });
    });
    return ranges;
}

} // namespace lkmemu
