// The snapshot's state records (docs/machine.md, "Snapshots"): how a MachineState is written as
// tagged, length-prefixed records and read back, and the table of engine registers the CPU
// record holds (by this format's own stable ids). All integers little-endian. The file around the
// records (header, strings, RAM) is snapshot_format.cpp's.
#include "machine/snapshot_records.h"

#include <fmt/format.h>
#include <unicorn/unicorn.h>

#include <bit>
#include <cstring>

namespace lkmemu {

static_assert(std::endian::native == std::endian::little, "the state records are written as the host lays them out");

namespace {

constexpr uint64_t page_size = 4096; // the privilege gate's record holds two pages

enum RecordTag : uint32_t {
    tag_registers = 1,
    tag_msrs = 2,
    tag_clock = 3,
    tag_flags = 4,
    tag_pit = 5,
    tag_pic_master = 6,
    tag_pic_slave = 7,
    tag_uart = 8,
    tag_harness = 9,
    tag_hidden_pages = 10,
    tag_count = 11,
};

// Registers in the order they are restored: control registers and EFER before anything that
// depends on the mode, descriptor tables before the selectors loaded from them (FS and GS are
// loaded from the GDT; CS, SS, DS and ES only take the selector), FS/GS bases after their
// selectors (loading the selector resets the base). The x87/SSE state last.
constexpr SnapshotRegister register_table[] = {
    { 1, UC_X86_REG_CR4, 8, "cr4" },   { 2, UC_X86_REG_CR3, 8, "cr3" },     { 3, UC_X86_REG_CR0, 8, "cr0" },
    { 4, UC_X86_REG_CR2, 8, "cr2" },   { 5, UC_X86_REG_CR8, 8, "cr8" },     { 6, UC_X86_REG_GDTR, sizeof(uc_x86_mmr), "gdtr" },
    { 7, UC_X86_REG_IDTR, sizeof(uc_x86_mmr), "idtr" }, { 8, UC_X86_REG_LDTR, sizeof(uc_x86_mmr), "ldtr" },
    { 9, UC_X86_REG_TR, sizeof(uc_x86_mmr), "tr" },
    { 10, UC_X86_REG_CS, 2, "cs" },    { 11, UC_X86_REG_SS, 2, "ss" },      { 12, UC_X86_REG_DS, 2, "ds" },
    { 13, UC_X86_REG_ES, 2, "es" },    { 14, UC_X86_REG_FS, 2, "fs" },      { 15, UC_X86_REG_GS, 2, "gs" },
    { 16, UC_X86_REG_RAX, 8, "rax" },  { 17, UC_X86_REG_RBX, 8, "rbx" },    { 18, UC_X86_REG_RCX, 8, "rcx" },
    { 19, UC_X86_REG_RDX, 8, "rdx" },  { 20, UC_X86_REG_RSI, 8, "rsi" },    { 21, UC_X86_REG_RDI, 8, "rdi" },
    { 22, UC_X86_REG_RBP, 8, "rbp" },  { 23, UC_X86_REG_RSP, 8, "rsp" },    { 24, UC_X86_REG_R8, 8, "r8" },
    { 25, UC_X86_REG_R9, 8, "r9" },    { 26, UC_X86_REG_R10, 8, "r10" },    { 27, UC_X86_REG_R11, 8, "r11" },
    { 28, UC_X86_REG_R12, 8, "r12" },  { 29, UC_X86_REG_R13, 8, "r13" },    { 30, UC_X86_REG_R14, 8, "r14" },
    { 31, UC_X86_REG_R15, 8, "r15" },  { 32, UC_X86_REG_RIP, 8, "rip" },    { 33, UC_X86_REG_RFLAGS, 8, "rflags" },
    { 34, UC_X86_REG_FPCW, 2, "fpcw" }, { 35, UC_X86_REG_FPSW, 2, "fpsw" }, { 36, UC_X86_REG_FPTAG, 2, "fptag" },
    { 37, UC_X86_REG_FP0, 10, "st0" }, { 38, UC_X86_REG_FP1, 10, "st1" },   { 39, UC_X86_REG_FP2, 10, "st2" },
    { 40, UC_X86_REG_FP3, 10, "st3" }, { 41, UC_X86_REG_FP4, 10, "st4" },   { 42, UC_X86_REG_FP5, 10, "st5" },
    { 43, UC_X86_REG_FP6, 10, "st6" }, { 44, UC_X86_REG_FP7, 10, "st7" },   { 45, UC_X86_REG_MXCSR, 4, "mxcsr" },
    { 46, UC_X86_REG_YMM0, 32, "ymm0" },   { 47, UC_X86_REG_YMM1, 32, "ymm1" },   { 48, UC_X86_REG_YMM2, 32, "ymm2" },
    { 49, UC_X86_REG_YMM3, 32, "ymm3" },   { 50, UC_X86_REG_YMM4, 32, "ymm4" },   { 51, UC_X86_REG_YMM5, 32, "ymm5" },
    { 52, UC_X86_REG_YMM6, 32, "ymm6" },   { 53, UC_X86_REG_YMM7, 32, "ymm7" },   { 54, UC_X86_REG_YMM8, 32, "ymm8" },
    { 55, UC_X86_REG_YMM9, 32, "ymm9" },   { 56, UC_X86_REG_YMM10, 32, "ymm10" }, { 57, UC_X86_REG_YMM11, 32, "ymm11" },
    { 58, UC_X86_REG_YMM12, 32, "ymm12" }, { 59, UC_X86_REG_YMM13, 32, "ymm13" }, { 60, UC_X86_REG_YMM14, 32, "ymm14" },
    { 61, UC_X86_REG_YMM15, 32, "ymm15" },
};

class Writer {
public:
    template<typename T>
    void put(T value)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        auto const* p = reinterpret_cast<const uint8_t*>(&value);
        m_bytes.insert(m_bytes.end(), p, p + sizeof value);
    }
    void put_bytes(std::span<const uint8_t> bytes)
    {
        put<uint32_t>(static_cast<uint32_t>(bytes.size()));
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    }
    void put_string(const std::string& s) { put_bytes({ reinterpret_cast<const uint8_t*>(s.data()), s.size() }); }
    void put_time(Pit8254::Clock::time_point t) { put<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count()); }

    // A record: tag, length, then what `body` puts.
    template<typename Body>
    void record(uint32_t tag, Body body)
    {
        put<uint32_t>(tag);
        size_t const length_at = m_bytes.size();
        put<uint32_t>(0);
        body();
        uint32_t const length = static_cast<uint32_t>(m_bytes.size() - length_at - 4);
        std::memcpy(m_bytes.data() + length_at, &length, 4);
    }

    std::vector<uint8_t>& bytes() { return m_bytes; }

private:
    std::vector<uint8_t> m_bytes;
};

// Reads one record's payload; any read past its end marks it failed (and yields zeros).
class Reader {
public:
    explicit Reader(std::span<const uint8_t> bytes) : m_bytes(bytes) {}
    template<typename T>
    T get()
    {
        T value {};
        if (m_bytes.size() - m_at < sizeof value) {
            m_failed = true;
            return value;
        }
        std::memcpy(&value, m_bytes.data() + m_at, sizeof value);
        m_at += sizeof value;
        return value;
    }
    std::vector<uint8_t> get_bytes()
    {
        uint32_t const n = get<uint32_t>();
        if (m_failed || m_bytes.size() - m_at < n) {
            m_failed = true;
            return {};
        }
        std::vector<uint8_t> out(m_bytes.begin() + m_at, m_bytes.begin() + m_at + n);
        m_at += n;
        return out;
    }
    std::string get_string()
    {
        auto b = get_bytes();
        return std::string(b.begin(), b.end());
    }
    Pit8254::Clock::time_point get_time()
    {
        return Pit8254::Clock::time_point {} + std::chrono::nanoseconds(get<int64_t>());
    }
    bool failed() const { return m_failed; }
    // Everything read, nothing left over.
    bool complete() const { return !m_failed && m_at == m_bytes.size(); }

private:
    std::span<const uint8_t> m_bytes;
    size_t m_at = 0;
    bool m_failed = false;
};

template<typename T>
void put_optional(Writer& w, const std::optional<T>& v)
{
    w.put<uint8_t>(v.has_value());
    w.put<T>(v.value_or(T {}));
}

template<typename T>
std::optional<T> get_optional(Reader& r)
{
    bool const has = r.get<uint8_t>();
    T const v = r.get<T>();
    return has ? std::optional<T>(v) : std::nullopt;
}

void put_pic(Writer& w, const Pic8259::State& s)
{
    w.put(s.irr), w.put(s.isr), w.put(s.imr), w.put(s.vector_base);
    w.put<uint8_t>(s.vector_base_set), w.put<uint8_t>(s.auto_eoi), w.put<uint8_t>(s.read_isr);
    w.put<uint8_t>(s.single), w.put<uint8_t>(s.needs_icw4), w.put<int32_t>(s.init_step);
}

Pic8259::State get_pic(Reader& r)
{
    Pic8259::State s {};
    s.irr = r.get<uint8_t>(), s.isr = r.get<uint8_t>(), s.imr = r.get<uint8_t>(), s.vector_base = r.get<uint8_t>();
    s.vector_base_set = r.get<uint8_t>(), s.auto_eoi = r.get<uint8_t>(), s.read_isr = r.get<uint8_t>();
    s.single = r.get<uint8_t>(), s.needs_icw4 = r.get<uint8_t>(), s.init_step = r.get<int32_t>();
    return s;
}

const SnapshotRegister* find_register(uint16_t id)
{
    for (const auto& r : register_table)
        if (r.id == id)
            return &r;
    return nullptr;
}

// The reason the records do not make a machine state, or nothing.
std::optional<std::string> decode_record(uint32_t tag, Reader& r, MachineState& s)
{
    switch (tag) {
    case tag_registers: {
        uint32_t const n = r.get<uint32_t>();
        for (uint32_t i = 0; i < n && !r.failed(); ++i) {
            EngineRegisterValue reg { r.get<uint16_t>(), r.get_bytes() };
            const SnapshotRegister* known = find_register(reg.id);
            if (!known)
                return fmt::format("register id {} is not one this lkmemu knows", reg.id);
            if (reg.bytes.size() != known->size)
                return fmt::format("register {} has {} bytes, not {}", known->name, reg.bytes.size(), known->size);
            s.registers.push_back(std::move(reg));
        }
        break;
    }
    case tag_msrs: {
        uint32_t const n = r.get<uint32_t>();
        for (uint32_t i = 0; i < n && !r.failed(); ++i) {
            uint32_t const index = r.get<uint32_t>();
            s.msrs.emplace_back(index, r.get<uint64_t>());
        }
        break;
    }
    case tag_clock:
        s.guest_instructions = r.get<uint64_t>(), s.skipped_ns = r.get<uint64_t>(), s.guest_time_ns = r.get<uint64_t>();
        break;
    case tag_flags:
        s.user_mode_reached = r.get<uint8_t>();
        break;
    case tag_pit: {
        auto& p = s.pit;
        p.mode = r.get<uint32_t>(), p.access = r.get<uint32_t>(), p.divisor = r.get<uint32_t>();
        p.reload_low = r.get<uint16_t>(), p.expect_high = r.get<uint8_t>(), p.latch = get_optional<uint16_t>(r);
        p.latch_high_next = r.get<uint8_t>(), p.start = r.get_time();
        bool const armed = r.get<uint8_t>();
        auto const deadline = r.get_time();
        p.deadline = armed ? std::optional(deadline) : std::nullopt;
        break;
    }
    case tag_pic_master:
        s.pic_master = get_pic(r);
        break;
    case tag_pic_slave:
        s.pic_slave = get_pic(r);
        break;
    case tag_uart: {
        auto& u = s.uart;
        u.text = r.get_string();
        u.ier = r.get<uint8_t>(), u.lcr = r.get<uint8_t>(), u.mcr = r.get<uint8_t>(), u.scratch = r.get<uint8_t>();
        u.fcr = r.get<uint8_t>(), u.divisor = r.get<uint16_t>();
        break;
    }
    case tag_harness: {
        auto& h = s.harness;
        h.address = r.get<uint64_t>(), h.length = r.get<uint32_t>(), h.status = r.get<int32_t>();
        h.data_offset = r.get<uint32_t>();
        bool const pending = r.get<uint8_t>();
        auto bytes = r.get_bytes();
        h.pending = pending ? std::optional(std::move(bytes)) : std::nullopt;
        break;
    }
    case tag_hidden_pages:
        s.hidden_pages = r.get_bytes();
        if (s.hidden_pages.size() != 2 * page_size)
            return fmt::format("the privilege-gate record has {} bytes, not {}", s.hidden_pages.size(), 2 * page_size);
        break;
    default:
        return fmt::format("state record {} is not one this lkmemu knows (a newer format?)", tag);
    }
    if (!r.complete())
        return fmt::format("state record {} is malformed", tag);
    return std::nullopt;
}

} // namespace

std::span<const SnapshotRegister> snapshot_registers() { return register_table; }

std::vector<uint8_t> encode_state(const MachineState& s)
{
    Writer w;
    w.record(tag_registers, [&] {
        w.put<uint32_t>(static_cast<uint32_t>(s.registers.size()));
        for (const auto& reg : s.registers) {
            w.put<uint16_t>(reg.id);
            w.put_bytes(reg.bytes);
        }
    });
    w.record(tag_msrs, [&] {
        w.put<uint32_t>(static_cast<uint32_t>(s.msrs.size()));
        for (auto [index, value] : s.msrs)
            w.put(index), w.put(value);
    });
    w.record(tag_clock, [&] { w.put(s.guest_instructions), w.put(s.skipped_ns), w.put(s.guest_time_ns); });
    w.record(tag_flags, [&] { w.put<uint8_t>(s.user_mode_reached); });
    w.record(tag_pit, [&] {
        auto const& p = s.pit;
        w.put<uint32_t>(p.mode), w.put<uint32_t>(p.access), w.put(p.divisor), w.put(p.reload_low);
        w.put<uint8_t>(p.expect_high), put_optional(w, p.latch), w.put<uint8_t>(p.latch_high_next);
        w.put_time(p.start);
        w.put<uint8_t>(p.deadline.has_value());
        w.put_time(p.deadline.value_or(Pit8254::Clock::time_point {}));
    });
    w.record(tag_pic_master, [&] { put_pic(w, s.pic_master); });
    w.record(tag_pic_slave, [&] { put_pic(w, s.pic_slave); });
    w.record(tag_uart, [&] {
        auto const& u = s.uart;
        w.put_string(u.text);
        w.put(u.ier), w.put(u.lcr), w.put(u.mcr), w.put(u.scratch), w.put(u.fcr), w.put(u.divisor);
    });
    w.record(tag_harness, [&] {
        auto const& h = s.harness;
        w.put(h.address), w.put(h.length), w.put(h.status), w.put(h.data_offset);
        w.put<uint8_t>(h.pending.has_value());
        w.put_bytes(h.pending.value_or(std::vector<uint8_t> {}));
    });
    w.record(tag_hidden_pages, [&] { w.put_bytes(s.hidden_pages); });
    return std::move(w.bytes());
}

std::optional<std::string> decode_state(std::span<const uint8_t> records, MachineState& s)
{
    bool seen[tag_count] = {};
    while (!records.empty()) {
        if (records.size() < 8)
            return "a state record is cut short";
        uint32_t tag, length;
        std::memcpy(&tag, records.data(), 4);
        std::memcpy(&length, records.data() + 4, 4);
        if (records.size() - 8 < length)
            return fmt::format("state record {} is cut short", tag);
        Reader reader(records.subspan(8, length));
        if (auto why = decode_record(tag, reader, s))
            return why;
        if (tag < tag_count)
            seen[tag] = true;
        records = records.subspan(8 + length);
    }
    for (uint32_t tag = tag_registers; tag < tag_count; ++tag)
        if (!seen[tag])
            return fmt::format("state record {} is missing", tag);
    return std::nullopt;
}

} // namespace lkmemu
