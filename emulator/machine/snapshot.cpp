// Machine snapshots: the machine's state captured into a MachineState and put back from one, and
// the four ways in (take_snapshot, save_snapshot, restore, resume). The file format is
// snapshot_format.cpp's; why snapshots are taken in ring 0 only, and why the CPU state is named
// fields rather than Unicorn's context blob, is in snapshot.h.
#include "machine/snapshot.h"

#include "cpu/x86.h"
#include "machine/machine_impl.h"
#include "machine/translated_code.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef LKMEMU_VERSION
#error "LKMEMU_VERSION is set by emulator/CMakeLists.txt"
#endif

namespace lkmemu {

namespace {

// The MSRs a snapshot holds: those the kernel writes and the host reads (SYSCALL's, the segment
// bases) and the rest of what the engine keeps per CPU. EFER is put back first (restoring CR0
// with paging on needs long mode enabled), the bases after the selectors that reset them.
constexpr uint32_t snapshot_msrs[] = {
    x86::msr::efer, x86::msr::star, x86::msr::lstar, 0xc0000083 /* CSTAR */, x86::msr::fmask,
    0x174 /* SYSENTER_CS */, 0x175 /* SYSENTER_ESP */, 0x176 /* SYSENTER_EIP */, 0x277 /* PAT */,
    x86::msr::fs_base, x86::msr::gs_base, x86::msr::kernel_gs_base,
};

// Everything the engine translated, and all that is known about it.
Result<void> forget_all_translations(uc_engine* uc, TlbFill& tlb, InstructionCounter& counter)
{
    LKMEMU_TRY(uc_check(uc_ctl_flush_tlb(uc), "flushing the TLB"));
    LKMEMU_TRY(flush_translated_code(uc, counter, "dropping translated code after a restore"));
    tlb.executed_pages().clear();
    return {};
}

// Only what the restore made stale: the translated blocks on the physical pages it put back
// (changed_pages: page addresses, ascending), and the cached instruction counts of the virtual
// pages that executed from them or now translate elsewhere. The rest of the code is the same
// bytes at the same addresses, so its translations stay. The TLB is flushed (the page tables
// were put back too), which also empties QEMU's virtual-address jump cache.
Result<void> forget_restored_code(uc_engine* uc, TlbFill& tlb, InstructionCounter& counter,
                                  std::span<const uint64_t> changed_pages, const ExecutedPages::Translate& translate)
{
    std::vector<TlbFill::PhysicalRange> runs;
    for (uint64_t page : changed_pages) {
        if (!runs.empty() && runs.back().end == page)
            runs.back().end += 4096;
        else
            runs.push_back({ page, page + 4096 });
    }
    LKMEMU_TRY(tlb.remove_translated_code(uc, runs));
    tlb.executed_pages().forget_changed(changed_pages, translate, [&](uint64_t va_page) { counter.invalidate_page(va_page); });
    return {};
}

} // namespace

Result<void> Machine::Impl::check_snapshot_point() const
{
    if (finished)
        return make_error(fmt::format("the machine has stopped for good ({}): there is nothing to snapshot", finished->message));
    if (cpu.cpl() != 0)
        return make_error("a snapshot needs the CPU in ring 0 (it is in ring 3): take it at a request point, "
                          "when the kernel's harness driver waits for the host");
    if (config.realtime)
        return make_error("a snapshot is taken under virtual guest time, not --realtime (the guest clock it records "
                          "must follow the instruction count)");
    return {};
}

Result<SnapshotOrigin> Machine::Impl::origin()
{
    if (!kernel_sha256)
        kernel_sha256 = LKMEMU_TRY(sha256_of_file(config.kernel_path));
    if (!initrd_sha256)
        initrd_sha256 = config.initrd_path.empty() ? std::array<uint8_t, 32> {}
                                                   : LKMEMU_TRY(sha256_of_file(config.initrd_path));
    return SnapshotOrigin { *kernel_sha256, *initrd_sha256, config.cmdline, ram.size(), LKMEMU_VERSION };
}

Result<MachineState> Machine::Impl::capture_state()
{
    MachineState s;
    for (const SnapshotRegister& reg : snapshot_registers()) {
        EngineRegisterValue value { reg.id, std::vector<uint8_t>(reg.size) };
        size_t size = reg.size;
        LKMEMU_TRY(uc_check(uc_reg_read2(uc.get(), reg.unicorn_id, value.bytes.data(), &size),
                            fmt::format("reading {} for a snapshot", reg.name)));
        s.registers.push_back(std::move(value));
    }
    for (uint32_t index : snapshot_msrs)
        s.msrs.emplace_back(index, cpu.read_msr(index));
    if (auto const& error = cpu.engine_error())
        return *error;
    s.hidden_pages.assign(hidden_pages.data(), hidden_pages.data() + hidden_pages.size());
    s.guest_instructions = counter.total();
    s.skipped_ns = skipped_ns;
    s.guest_time_ns = machine.guest_time_ns();
    s.user_mode_reached = machine.user_mode_reached();
    s.pit = devices.pit.save_state();
    s.pic_master = devices.pic.master().save_state();
    s.pic_slave = devices.pic.slave().save_state();
    s.uart = devices.uart.save_state();
    s.harness = devices.harness.save_state();
    return s;
}

Result<void> Machine::Impl::apply_state(const MachineState& s)
{
    for (auto [index, value] : s.msrs)
        if (index == x86::msr::efer)
            cpu.write_msr(index, value);
    for (const EngineRegisterValue& value : s.registers) {
        const SnapshotRegister* reg = nullptr;
        for (const SnapshotRegister& r : snapshot_registers())
            if (r.id == value.id)
                reg = &r;
        if (!reg) // MachineSnapshot::open refuses these; an in-memory state has none
            return make_error(fmt::format("a snapshot register id {} that this lkmemu does not know", value.id));
        size_t size = value.bytes.size();
        LKMEMU_TRY(uc_check(uc_reg_write2(uc.get(), reg->unicorn_id, value.bytes.data(), &size),
                            fmt::format("restoring {}", reg->name)));
    }
    for (auto [index, value] : s.msrs)
        cpu.write_msr(index, value);
    if (auto const& error = cpu.engine_error())
        return *error;
    std::memcpy(hidden_pages.data(), s.hidden_pages.data(), std::min(hidden_pages.size(), s.hidden_pages.size()));

    counter.restore_total(s.guest_instructions);
    if (config.realtime) { // guest time goes on from the snapshot's, paced by the wall clock from now
        wall_epoch = std::chrono::steady_clock::now();
        skipped_ns = s.guest_time_ns;
    } else {
        skipped_ns = s.skipped_ns;
    }
    user_mode_reached = s.user_mode_reached;
    devices.pit.restore_state(s.pit);
    devices.pic.master().restore_state(s.pic_master);
    devices.pic.slave().restore_state(s.pic_slave);
    devices.uart.restore_state(s.uart);
    devices.harness.restore_state(s.harness);

    power_off_status.reset();
    finished.reset();
    latch.clear();
    stop_signal.take(); // a stop requested before the restore was for the state left behind
    // No exception is in flight at a request point; whatever the engine last raised is not.
    LKMEMU_TRY(fault_marker->take_error_code_and_rearm(uc.get()));
    // The caller drops the translations the new contents of RAM and the page tables make stale.
    return {};
}

Result<std::unique_ptr<MachineSnapshot>> Machine::take_snapshot()
{
    Impl& m = *m_impl;
    LKMEMU_TRY(m.check_snapshot_point());
    SnapshotOrigin origin = LKMEMU_TRY(m.origin());
    MachineState state = LKMEMU_TRY(m.capture_state());
    int const fd = memfd_create("lkmemu-snapshot", MFD_CLOEXEC);
    if (fd < 0)
        return make_error(fmt::format("cannot create a memory file for the snapshot: {}", std::strerror(errno)));
    std::unique_ptr<MachineSnapshot> snapshot(new MachineSnapshot("(in memory)", fd, std::move(origin), std::move(state), 0));
    auto const pages = LKMEMU_TRY(m.ram.pages_in_use());
    snapshot->m_ram_offset = LKMEMU_TRY(MachineSnapshot::write(fd, snapshot->origin(), snapshot->state(), m.ram.data(), pages,
                                                       "the in-memory snapshot"));
    // Same bytes, now copy-on-write from the snapshot: restore() finds what the guest wrote since.
    LKMEMU_TRY(m.ram.remap_file(fd, snapshot->ram_offset()));
    return snapshot;
}

Result<void> Machine::save_snapshot(const std::string& path)
{
    Impl& m = *m_impl;
    LKMEMU_TRY(m.check_snapshot_point());
    SnapshotOrigin const origin = LKMEMU_TRY(m.origin());
    MachineState const state = LKMEMU_TRY(m.capture_state());
    auto const pages = LKMEMU_TRY(m.ram.pages_in_use());
    // Written aside and renamed over `path`: a machine still running from an older file at that
    // path keeps its own (the old inode), and a failed save leaves no half-written snapshot.
    std::string const temporary = path + ".tmp";
    int const fd = ::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return make_error(fmt::format("cannot create {}: {}", temporary, std::strerror(errno)));
    auto written = MachineSnapshot::write(fd, origin, state, m.ram.data(), pages, temporary);
    bool const closed = close(fd) == 0;
    if (written.is_error() || !closed) {
        unlink(temporary.c_str());
        return written.is_error() ? written.release_error() : make_error(fmt::format("cannot write {}", temporary));
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        int const error = errno;
        unlink(temporary.c_str());
        return make_error(fmt::format("cannot rename {} to {}: {}", temporary, path, std::strerror(error)));
    }
    return {};
}

Result<void> Machine::restore(const MachineSnapshot& snapshot)
{
    Impl& m = *m_impl;
    if (snapshot.origin().memory_size != m.ram.size())
        return make_error(fmt::format("snapshot {} holds {} MiB of RAM, this machine has {} MiB", snapshot.path(),
                                      snapshot.origin().memory_size >> 20, m.ram.size() >> 20));
    SnapshotOrigin const mine = LKMEMU_TRY(m.origin());
    if (snapshot.origin().kernel_sha256 != mine.kernel_sha256)
        return make_error(fmt::format("snapshot {} was made from another kernel than {} (SHA-256 {}, not {})",
                                      snapshot.path(), m.config.kernel_path, hex(snapshot.origin().kernel_sha256),
                                      hex(mine.kernel_sha256)));
    if (m.cpu.cpl() != 0)
        return make_error("cannot restore a machine stopped in ring 3: register writes cannot change the privilege "
                          "level (build a new machine with Machine::resume)");
    // The physical pages whose contents the restore changes (page addresses, ascending), when
    // known; when RAM is mapped anew, everything may have.
    std::optional<std::vector<uint64_t>> changed_pages;
    if (m.ram.is_mapped_from(snapshot.fd(), snapshot.ram_offset())) {
        // Only the pages the guest wrote since are private copies: dropping them puts the
        // snapshot's bytes back. Consecutive pages go in one call.
        auto const pages = LKMEMU_TRY(m.ram.private_pages());
        for (size_t i = 0; i < pages.size();) {
            size_t j = i + 1;
            while (j < pages.size() && pages[j] == pages[j - 1] + 1)
                ++j;
            LKMEMU_TRY(m.ram.discard_pages(pages[i], j - i));
            i = j;
        }
        changed_pages.emplace();
        changed_pages->reserve(pages.size() + 2);
        for (uint64_t page : pages)
            changed_pages->push_back(page * 4096);
    } else {
        LKMEMU_TRY(m.ram.remap_file(snapshot.fd(), snapshot.ram_offset()));
    }
    // The privilege gate's pages (code: the trampoline and the landing hlt) are outside RAM and
    // copied back, so they are not among the private pages; they count as changed if any byte is
    // (the CPU writes descriptor bits in the supervisor page at each ring 3 -> 0 transition).
    std::vector<uint8_t> const& gate = snapshot.state().hidden_pages;
    bool const gate_changed = gate.size() != m.hidden_pages.size() ||
                              std::memcmp(gate.data(), m.hidden_pages.data(), gate.size()) != 0;
    m.config.cmdline = snapshot.origin().cmdline;
    LKMEMU_TRY(m.apply_state(snapshot.state()));

    if (!changed_pages)
        return forget_all_translations(m.uc.get(), m.tlb, m.counter);
    if (gate_changed) // above RAM: the list stays ascending
        for (uint64_t at = 0; at < m.hidden_pages.size(); at += 4096)
            changed_pages->push_back(Impl::hidden_pages_physical + at);
    auto translate = [&m](uint64_t va_page) -> std::optional<uint64_t> {
        auto const pa = m.observe_translate(va_page);
        if (pa.is_error())
            return std::nullopt;
        return pa.value() & ~0xfffull;
    };
    return forget_restored_code(m.uc.get(), m.tlb, m.counter, *changed_pages, translate);
}

Result<std::unique_ptr<Machine>> Machine::resume(const MachineConfig& requested, const std::string& path)
{
    LKMEMU_TRY(check_machine_config(requested));
    MachineSnapshot snapshot = LKMEMU_TRY(MachineSnapshot::open(path));
    SnapshotOrigin const& origin = snapshot.origin();
    if (origin.memory_size != requested.memory_mib << 20)
        return make_error(fmt::format("snapshot {} holds {} MiB of RAM; this run asks for {} MiB (--memory)", path,
                                      origin.memory_size >> 20, requested.memory_mib));
    if (!requested.cmdline.empty() && requested.cmdline != origin.cmdline)
        return make_error(fmt::format("snapshot {} was booted with the command line \"{}\"; a resumed kernel keeps it, "
                                      "so \"{}\" (--append) cannot apply",
                                      path, origin.cmdline, requested.cmdline));
    auto const kernel_sha256 = LKMEMU_TRY(sha256_of_file(requested.kernel_path));
    if (kernel_sha256 != origin.kernel_sha256)
        return make_error(fmt::format("snapshot {} was made from another kernel: {} has SHA-256 {}, the snapshot's "
                                      "kernel {}",
                                      path, requested.kernel_path, hex(kernel_sha256), hex(origin.kernel_sha256)));

    // The initrd is in the snapshot's RAM already (unpacked, and freed): another cannot apply.
    if (!requested.initrd_path.empty()) {
        auto const initrd_sha256 = LKMEMU_TRY(sha256_of_file(requested.initrd_path));
        if (initrd_sha256 != origin.initrd_sha256)
            return make_error(fmt::format("snapshot {} was booted with {}; {} (--initrd, SHA-256 {}) cannot apply",
                                          path, origin.initrd_sha256 == std::array<uint8_t, 32> {} ? "no initrd"
                                                : "another initrd (SHA-256 " + hex(origin.initrd_sha256) + ")",
                                          requested.initrd_path, hex(initrd_sha256)));
    }

    MachineConfig config = requested;
    config.cmdline = origin.cmdline;
    auto ram = LKMEMU_TRY(PhysicalMemory::map_file(snapshot.fd(), snapshot.ram_offset(), origin.memory_size));
    auto hidden = LKMEMU_TRY(PhysicalMemory::allocate(2 * 4096));
    std::unique_ptr<Machine> machine(new Machine(nullptr));
    machine->m_impl = std::make_unique<Impl>(*machine, config, std::move(ram), std::move(hidden));
    Impl& m = *machine->m_impl;
    m.kernel_sha256 = kernel_sha256;
    m.initrd_sha256 = origin.initrd_sha256; // a snapshot of the resumed machine keeps it
    LKMEMU_TRY(m.open_engine());
    LKMEMU_TRY(m.calibrate_fault_marker());
    LKMEMU_TRY(m.apply_state(snapshot.state()));
    // A new engine has translated only the calibration program, on a page the file put back.
    LKMEMU_TRY(forget_all_translations(m.uc.get(), m.tlb, m.counter));
    return machine;
}

} // namespace lkmemu
