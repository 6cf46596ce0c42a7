#include "machine/machine.h"

#include "cpu/x86.h"
#include "machine/boot_loader.h"
#include "machine/kernel_image.h"
#include "machine/machine_impl.h"
#include "machine/translated_code.h"
#include "support/file_contents.h"

#include <lkmemu/boot.h>
#include <fmt/format.h>

#include <cstring>

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
      devices(machine, ram.bytes(), [this](uint32_t status) { on_power_off(status); }),
      counter([this](uint64_t va, std::span<uint8_t> out) { return observe_read(va, out); }),
      tlb(cpu, mmu, gate, latch, counter, [this](uint64_t va, std::span<uint8_t> out) { return observe_read(va, out); }),
      debugger(cpu, gate, counter, [this](uint64_t va) { return observe_translate(va); }),
      trace(cpu, gate, counter, [this](uint64_t va, std::span<uint8_t> out) { return observe_read(va, out); },
            [this] { return power_off_status.has_value(); })
{
    devices.pit.set_clock([this] { return guest_now(); });
}

Result<void> Machine::Impl::open_engine()
{
    uc_engine* raw = nullptr;
    LKMEMU_TRY(uc_check(uc_open(UC_ARCH_X86, UC_MODE_64, &raw), "uc_open(x86-64)"));
    uc.reset(raw);
    cpu.attach(raw);
    delivery.attach(raw);
    debugger.attach(raw);
    trace.attach(raw);

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
    return {};
}

Result<void> Machine::Impl::calibrate_fault_marker()
{
    fault_marker = LKMEMU_TRY(FaultMarker::calibrate(uc.get(), ram.bytes(), calibration_scratch_page, latch));
    // A RAM mapped from a snapshot gets its scratch page back from the file.
    if (ram.is_file_backed())
        LKMEMU_TRY(ram.discard_pages(calibration_scratch_page / 4096, 1));
    return {};
}

Result<void> Machine::Impl::boot(const KernelImage& kernel, std::span<const uint8_t> initrd)
{
    LKMEMU_TRY(calibrate_fault_marker());
    auto const boot = LKMEMU_TRY(prepare_boot(kernel, ram.bytes(), config.cmdline, { initrd, config.initrd_path }));

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

Result<void> check_machine_config(const MachineConfig& config)
{
    unsigned major = 0, minor = 0;
    uc_version(&major, &minor);
    if (major < 2 || (major == 2 && minor < 1))
        return make_error(fmt::format("Unicorn {}.{} is too old: lkmemu needs >= 2.1 (older versions ignore guest "
                                      "page tables and cannot enable NX or SYSCALL); run scripts/deps.sh",
                                      major, minor));
    if (config.memory_mib < Machine::min_memory_mib || config.memory_mib > Machine::max_memory_mib)
        return make_error(fmt::format("memory size {} MiB is outside [{}, {}] MiB", config.memory_mib,
                                      Machine::min_memory_mib, Machine::max_memory_mib));
    return {};
}

Result<std::unique_ptr<Machine>> Machine::create(const MachineConfig& config)
{
    LKMEMU_TRY(check_machine_config(config));
    uint64_t const ram_size = config.memory_mib << 20;
    auto kernel = LKMEMU_TRY(KernelImage::read(config.kernel_path, ram_size));
    std::vector<uint8_t> initrd;
    if (!config.initrd_path.empty()) {
        auto read = read_file_contents(config.initrd_path);
        if (read.is_error())
            return make_error(fmt::format("cannot read initrd {}: {}", config.initrd_path, read.error().message));
        initrd = read.release_value();
    }
    auto ram = LKMEMU_TRY(PhysicalMemory::allocate(ram_size));
    auto hidden = LKMEMU_TRY(PhysicalMemory::allocate(2 * 4096));

    std::unique_ptr<Machine> machine(new Machine(nullptr));
    machine->m_impl = std::make_unique<Impl>(*machine, config, std::move(ram), std::move(hidden));
    LKMEMU_TRY(machine->m_impl->open_engine());
    LKMEMU_TRY(machine->m_impl->boot(kernel, initrd));
    return machine;
}

Machine::Machine(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Machine::~Machine() = default;

void Machine::set_harness_host(HarnessHost* host) { m_impl->devices.set_harness_host(host); }

void Machine::set_console_listener(std::function<void(std::string_view)> listener)
{
    m_impl->devices.uart.set_listener(std::move(listener));
}

void Machine::set_console_input(ConsoleInput input) { m_impl->console_input = std::move(input); }

RunResult Machine::run() { return m_impl->run(); }
RunResult Machine::step() { return m_impl->step(); }
const std::string& Machine::console_text() const { return m_impl->devices.uart.text(); }
uint64_t Machine::guest_instructions() const { return m_impl->counter.total(); }
uint64_t Machine::guest_time_ns() const
{
    return static_cast<uint64_t>(m_impl->guest_now().time_since_epoch() / std::chrono::nanoseconds(1));
}
void Machine::advance_guest_time(uint64_t ns) { m_impl->skipped_ns += ns; }
void Machine::set_guest_time_limit(std::optional<uint64_t> ns)
{
    m_impl->guest_time_limit_ns = ns;
    m_impl->engine_run.clock_check_at = 0; // the block hook looks again at its next block
}
bool Machine::user_mode_reached() const { return m_impl->user_mode_reached || m_impl->tlb.user_access_seen(); }
uint64_t Machine::ram_size() const { return m_impl->ram.size(); }
const MachineConfig& Machine::config() const { return m_impl->config; }
void Machine::request_stop() { m_impl->stop_signal.request(); }

Result<void> Machine::add_breakpoint(uint64_t va) { return m_impl->debugger.add_breakpoint(va); }
Result<void> Machine::remove_breakpoint(uint64_t va) { return m_impl->debugger.remove_breakpoint(va); }
Result<void> Machine::add_watchpoint(uint64_t va, uint64_t length, WatchKind kind)
{
    return m_impl->debugger.add_watchpoint(va, length, kind);
}
Result<void> Machine::remove_watchpoint(uint64_t va, uint64_t length, WatchKind kind)
{
    return m_impl->debugger.remove_watchpoint(va, length, kind);
}

Result<void> Machine::set_execution_observer(ExecutionObserver* observer, uint64_t first, uint64_t last)
{
    return m_impl->trace.set_observer(observer, first, last);
}

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
    return flush_translated_code(m_impl->uc.get(), m_impl->counter, "flushing translated code after a write");
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
