// MachineSnapshot: a whole machine's state at a request point, to resume from (docs/machine.md,
// "Snapshots"). Taken with Machine::take_snapshot (in memory, for resetting the same machine
// again and again) or read from a file (MachineSnapshot::open, written by Machine::save_snapshot); both
// are the same thing: the file format, here in a memfd or on disk, and its state records decoded.
//
// Where a snapshot can be taken: only with the engine stopped and the CPU in ring 0, which is the
// case when the kernel's harness driver was told LKMEMU_HARNESS_STATUS_WAIT and the machine
// stopped on request before it halted. The reason is the engine: a host register write changes a
// segment selector but neither the CPL nor the descriptor the engine caches for it
// (../shared/docs/cpu-engine-facts.md, fact 4). A fresh engine starts in 64-bit ring 0, so a
// ring-0 state is exactly what register writes can put back; a ring-3 one is not.
//
// The CPU state is kept as explicit named fields (engine registers by a stable id of this
// format's own, and MSRs by index), not as Unicorn's uc_context blob: the blob is QEMU's
// CPUX86State copied raw, laid out per build and holding host pointers, so a file of it would
// resume only in the binary that wrote it, and could not say what differs when it does not.
// The in-process reset uses the same records, so there is one restore path, tested by both.
#pragma once

#include "devices/harness_device.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "support/result.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lkmemu {

// What a snapshot was made from; resuming checks it against the run's own.
struct SnapshotOrigin {
    std::array<uint8_t, 32> kernel_sha256 {};
    std::array<uint8_t, 32> initrd_sha256 {}; // all zero: no initrd
    std::string cmdline;
    uint64_t memory_size = 0; // bytes of guest RAM
    std::string lkmemu_version;
};

// One engine register as the CPU state record holds it.
struct EngineRegisterValue {
    uint16_t id;                // the format's stable id (snapshot_records.cpp), not Unicorn's enum
    std::vector<uint8_t> bytes; // as wide as Unicorn reads it
};

struct MachineState {
    std::vector<EngineRegisterValue> registers;
    std::vector<std::pair<uint32_t, uint64_t>> msrs; // (index, value)
    std::vector<uint8_t> hidden_pages;              // the privilege gate's two pages
    uint64_t guest_instructions = 0;
    uint64_t skipped_ns = 0;
    uint64_t guest_time_ns = 0; // = instructions * ns_per_instruction + skipped_ns under virtual time
    bool user_mode_reached = false;
    Pit8254::State pit {};
    Pic8259::State pic_master {}, pic_slave {};
    Uart16550::State uart {};
    HarnessDevice::State harness {};
};

class MachineSnapshot {
public:
    // Reads and checks a snapshot file: its header, format version and state records, and that
    // it is long enough to hold the RAM it says it has. Errors name the file and what is wrong.
    static Result<MachineSnapshot> open(const std::string& path);
    MachineSnapshot(MachineSnapshot&&) noexcept;
    MachineSnapshot& operator=(MachineSnapshot&&) = delete;
    MachineSnapshot(const MachineSnapshot&) = delete;
    ~MachineSnapshot();

    const std::string& path() const { return m_path; } // "(in memory)" for take_snapshot's
    const SnapshotOrigin& origin() const { return m_origin; }
    const MachineState& state() const { return m_state; }
    // Guest RAM is the file's bytes [ram_offset, ram_offset + origin().memory_size).
    int fd() const { return m_fd; }
    uint64_t ram_offset() const { return m_ram_offset; }

    // Writes the format (header, state, RAM pages that are not all zero) to `fd` from offset 0,
    // and returns where RAM begins. `ram_pages` lists the pages worth looking at (others are
    // known to be zero); each is checked and written only if it holds a non-zero byte.
    static Result<uint64_t> write(int fd, const SnapshotOrigin&, const MachineState&, const uint8_t* ram,
                                  const std::vector<uint64_t>& ram_pages, const std::string& what);

private:
    friend class Machine;
    MachineSnapshot(std::string path, int fd, SnapshotOrigin, MachineState, uint64_t ram_offset);

    std::string m_path;
    int m_fd = -1;
    SnapshotOrigin m_origin;
    MachineState m_state;
    uint64_t m_ram_offset = 0;
};

// The engine registers a snapshot holds, in the order they are put back (machine/snapshot.cpp
// says why the order matters), with the format's stable id for each.
struct SnapshotRegister {
    uint16_t id;
    int unicorn_id; // uc_x86_reg
    uint16_t size;  // bytes, as uc_reg_read2 fills them
    const char* name;
};
std::span<const SnapshotRegister> snapshot_registers();

// SHA-256 of a whole file (Nettle's, linked statically), for SnapshotOrigin::kernel_sha256.
Result<std::array<uint8_t, 32>> sha256_of_file(const std::string& path);
std::string hex(const std::array<uint8_t, 32>&);

} // namespace lkmemu
