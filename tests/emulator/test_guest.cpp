#include "test_guest.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <elf.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace lkmemu::test {

namespace {

// The standard prologue and #DF handler (TEXT = 0xffffffff80100000, DATA = 0xffffffff80200000).
const std::vector<Chunk> prologue_chunks = {
    // prologue at +0x0
    Chunk { 0x0, {
        0x48, 0xc7, 0xc0, 0x00, 0x00, 0x30, 0x00,        // mov rax, 0x300000
        0x0f, 0x22, 0xd8,                                // mov cr3, rax
        0x48, 0xb8, 0x00, 0x0f, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rax, -0x7fdff100
        0x0f, 0x01, 0x10,                                // lgdt [rax]
        0x48, 0xb8, 0x10, 0x0f, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rax, -0x7fdff0f0
        0x0f, 0x01, 0x18,                                // lidt [rax]
        0x66, 0xb8, 0x30, 0x00,                          // mov ax, 0x30
        0x0f, 0x00, 0xd8,                                // ltr ax
        0x48, 0xbc, 0x00, 0x80, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rsp, -0x7fdf8000
        0x66, 0xb8, 0x10, 0x00,                          // mov ax, 0x10
        0x66, 0x8e, 0xd0,                                // mov ss, ax
        0x66, 0x8e, 0xd8,                                // mov ds, ax
        0x66, 0x8e, 0xc0,                                // mov es, ax
        0x6a, 0x08,                                      // push 0x8
        0x48, 0xb8, 0x00, 0x01, 0x10, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rax, -0x7fefff00
        0x50,                                            // push rax
        0x48, 0xcb,                                      // retfq
    } },
    // double_fault_handler at +0xf00
    Chunk { 0xf00, {
        0xb8, 0xdf, 0x00, 0x00, 0x00,                    // mov eax, 0xdf
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
};

struct Segment {
    uint64_t vaddr, paddr, memory_size;
    uint32_t flags;
    std::vector<uint8_t> bytes;
};

std::vector<uint8_t> write_elf_segments(uint64_t entry, uint16_t machine, uint8_t elf_class, const std::vector<Segment>& segments)
{
    Elf64_Ehdr header {};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = elf_class;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_EXEC;
    header.e_machine = machine;
    header.e_version = EV_CURRENT;
    header.e_entry = entry;
    header.e_phoff = sizeof header;
    header.e_ehsize = sizeof header;
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = static_cast<uint16_t>(segments.size());
    std::vector<uint8_t> file(sizeof header + segments.size() * sizeof(Elf64_Phdr));
    std::vector<Elf64_Phdr> phdrs;
    for (auto const& s : segments) {
        while (file.size() % 4096 != (s.vaddr % 4096))
            file.push_back(0);
        Elf64_Phdr ph {};
        ph.p_type = PT_LOAD;
        ph.p_flags = s.flags;
        ph.p_offset = file.size();
        ph.p_vaddr = s.vaddr;
        ph.p_paddr = s.paddr;
        ph.p_filesz = s.bytes.size();
        ph.p_memsz = std::max<uint64_t>(s.memory_size, s.bytes.size());
        ph.p_align = 4096;
        phdrs.push_back(ph);
        file.insert(file.end(), s.bytes.begin(), s.bytes.end());
    }
    std::memcpy(file.data(), &header, sizeof header);
    std::memcpy(file.data() + sizeof header, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
    return file;
}

void place(std::vector<uint8_t>& image, uint64_t offset, const void* bytes, size_t size)
{
    if (image.size() < offset + size)
        image.resize(offset + size);
    std::memcpy(image.data() + offset, bytes, size);
}

void put64(std::vector<uint8_t>& image, uint64_t offset, uint64_t value) { place(image, offset, &value, 8); }

} // namespace

TestGuest::TestGuest(std::vector<Chunk> text, bool with_prologue) : m_text(std::move(text)), m_prologue(with_prologue)
{
    if (m_prologue) {
        m_text.insert(m_text.begin(), prologue_chunks.begin(), prologue_chunks.end());
        m_gates.push_back(Gate { 8, double_fault_offset });
    }
}

TestGuest& TestGuest::user_code(std::vector<Chunk> chunks)
{
    m_user = std::move(chunks);
    return *this;
}

TestGuest& TestGuest::gate(Gate g)
{
    m_gates.push_back(g);
    return *this;
}

std::vector<uint8_t> TestGuest::text_bytes() const
{
    std::vector<uint8_t> image;
    for (auto const& chunk : m_text)
        place(image, chunk.offset, chunk.bytes.data(), chunk.bytes.size());
    return image;
}

std::vector<uint8_t> TestGuest::data_bytes() const
{
    std::vector<uint8_t> data(0x9000, 0);
    // GDT
    uint64_t const tss_limit = 0x67;
    uint64_t const tss_low = (tss_limit & 0xffff) | ((tss_va & 0xffffff) << 16) | (0x89ull << 40) |
                             (((tss_limit >> 16) & 0xf) << 48) | (((tss_va >> 24) & 0xff) << 56);
    uint64_t const gdt[] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull, 0x00cffa000000ffffull,
                             0x00cff2000000ffffull, 0x00affa000000ffffull, tss_low, tss_va >> 32 };
    place(data, 0, gdt, sizeof gdt);
    // GDTR, IDTR and an empty IDTR (limit 0) as lgdt/lidt operands: limit (2 bytes), base (8).
    auto pseudo = [&](uint64_t offset, uint16_t limit, uint64_t base) {
        place(data, offset, &limit, 2);
        place(data, offset + 2, &base, 8);
    };
    pseudo(0xf00, sizeof gdt - 1, data_va);
    pseudo(0xf10, 256 * 16 - 1, idt_va);
    pseudo(0xf20, 0, idt_va);
    // IDT
    for (auto const& g : m_gates) {
        uint64_t const handler = text_va + g.handler_offset;
        uint64_t const low = (handler & 0xffff) | (uint64_t(kernel_cs) << 16) | (uint64_t(g.ist) << 32) |
                             (uint64_t(g.type) << 40) | (uint64_t(g.dpl) << 45) | (uint64_t(g.present) << 47) |
                             (((handler >> 16) & 0xffff) << 48);
        put64(data, 0x1000 + g.vector * 16, low);
        put64(data, 0x1000 + g.vector * 16 + 8, handler >> 32);
    }
    // TSS: RSP0 and IST1
    put64(data, 0x2000 + 4, rsp0_top);
    put64(data, 0x2000 + 0x24, ist1_top);
    return data;
}

std::vector<uint8_t> TestGuest::table_bytes() const
{
    // PML4 at +0; then tables allocated one page at a time.
    std::vector<uint8_t> tables(0x1000, 0);
    auto entry = [&](uint64_t table, unsigned index) -> uint64_t {
        uint64_t e;
        std::memcpy(&e, tables.data() + table + index * 8, 8);
        return e;
    };
    auto next = [&](uint64_t table, unsigned index) {
        uint64_t e = entry(table, index);
        if (!e) {
            uint64_t const child = tables.size();
            tables.resize(child + 0x1000, 0);
            e = (tables_pa + child) | 7; // present, writable, user: leaves decide
            put64(tables, table + index * 8, e);
        }
        return (e & ~0xfffull) - tables_pa;
    };
    auto map = [&](uint64_t va, uint64_t pa, uint64_t size, uint64_t flags) {
        for (uint64_t off = 0; off < size; off += 0x1000) {
            uint64_t const v = va + off;
            uint64_t const pdpt = next(0, (v >> 39) & 0x1ff);
            uint64_t const pd = next(pdpt, (v >> 30) & 0x1ff);
            uint64_t const pt = next(pd, (v >> 21) & 0x1ff);
            put64(tables, pt + ((v >> 12) & 0x1ff) * 8, (pa + off) | flags);
        }
    };
    constexpr uint64_t p = 1, w = 2, u = 4, nx = 1ull << 63;
    map(text_va, text_pa, 0x4000, p);
    map(data_va, data_pa, 0x10000, p | w | nx);
    map(tables_va, tables_pa, 0x10000, p | w | nx);
    map(user_va, user_pa, 0x1000, p | u);
    map(user_stack_va, user_stack_pa, 0x1000, p | w | u | nx);
    return tables;
}

TempFile TestGuest::write_elf() const
{
    std::vector<Segment> segments;
    segments.push_back(Segment { text_va, text_pa, 0x4000, PF_R | PF_X, text_bytes() });
    if (m_prologue) {
        segments.push_back(Segment { data_va, data_pa, 0x10000, PF_R | PF_W, data_bytes() });
        auto tables = table_bytes();
        REQUIRE(tables.size() <= 0x10000);
        segments.push_back(Segment { tables_va, tables_pa, 0x10000, PF_R | PF_W, tables });
        std::vector<uint8_t> user;
        for (auto const& chunk : m_user)
            place(user, chunk.offset, chunk.bytes.data(), chunk.bytes.size());
        segments.push_back(Segment { user_va, user_pa, 0x1000, PF_R | PF_X, user });
        segments.push_back(Segment { user_stack_va, user_stack_pa, 0x1000, PF_R | PF_W, {} });
    }
    return TempFile("kernel.elf", write_elf_segments(text_va, EM_X86_64, ELFCLASS64, segments));
}

std::unique_ptr<Machine> TestGuest::machine() const
{
    auto const elf = write_elf();
    auto machine = Machine::create(MachineConfig { elf.path(), "test", 32 });
    if (machine.is_error())
        FAIL(machine.error().message);
    return machine.release_value();
}

std::vector<uint8_t> make_elf(const ElfSpec& spec)
{
    return write_elf_segments(spec.entry, spec.machine, spec.elf_class,
                              { Segment { spec.vaddr, spec.paddr, spec.memory_size, spec.flags, spec.bytes } });
}

TempFile::TempFile(const std::string& name, const std::vector<uint8_t>& bytes)
{
    char dir_template[] = "/tmp/lkmemu-emulator-test-XXXXXX";
    char* dir = mkdtemp(dir_template);
    REQUIRE(dir != nullptr);
    m_directory = dir;
    m_path = m_directory + "/" + name;
    std::ofstream(m_path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TempFile::~TempFile()
{
    std::error_code ignored;
    std::filesystem::remove_all(m_directory, ignored);
}

uint64_t read_u64(const Machine& machine, uint64_t va)
{
    uint64_t value = 0;
    auto result = machine.read_virtual(va, { reinterpret_cast<uint8_t*>(&value), 8 });
    if (result.is_error())
        FAIL(result.error().message);
    return value;
}

namespace code {

Chunk enter_user_mode_body()
{
    return Chunk { body_offset, {
        0xb9, 0x80, 0x00, 0x00, 0xc0,                    // mov ecx, 0xc0000080
        0x0f, 0x32,                                      // rdmsr
        0x83, 0xc8, 0x01,                                // or eax, 0x1
        0x0f, 0x30,                                      // wrmsr
        0xb9, 0x81, 0x00, 0x00, 0xc0,                    // mov ecx, 0xc0000081
        0x31, 0xc0,                                      // xor eax, eax
        0xba, 0x08, 0x00, 0x1b, 0x00,                    // mov edx, 0x1b0008
        0x0f, 0x30,                                      // wrmsr
        0xb9, 0x82, 0x00, 0x00, 0xc0,                    // mov ecx, 0xc0000082
        0x48, 0xb8, 0x00, 0x0a, 0x10, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rax, -0x7feff600
        0x48, 0x89, 0xc2,                                // mov rdx, rax
        0x48, 0xc1, 0xea, 0x20,                          // shr rdx, 0x20
        0x0f, 0x30,                                      // wrmsr
        0xb9, 0x84, 0x00, 0x00, 0xc0,                    // mov ecx, 0xc0000084
        0xb8, 0x00, 0x02, 0x00, 0x00,                    // mov eax, 0x200
        0x31, 0xd2,                                      // xor edx, edx
        0x0f, 0x30,                                      // wrmsr
        0x6a, 0x23,                                      // push 0x23
        0x68, 0x00, 0x10, 0xff, 0x7f,                    // push 0x7fff1000
        0x68, 0x02, 0x02, 0x00, 0x00,                    // push 0x202
        0x6a, 0x2b,                                      // push 0x2b
        0x68, 0x00, 0x00, 0x40, 0x00,                    // push 0x400000
        0x48, 0xcf,                                      // iretq
    } };
}

std::vector<uint8_t> save_frame_and_power_off(uint8_t status)
{
    return {
        0x49, 0x89, 0xe5,                                // mov r13, rsp
        0xb8, status, 0x00, 0x00, 0x00,                  // mov eax, status
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    };
}

std::vector<uint8_t> page_fault_handler()
{
    return std::vector<uint8_t> {
        0x41, 0x0f, 0x20, 0xd6,                          // mov r14, cr2
    } + save_frame_and_power_off(0x14);
}

std::vector<Chunk> ring3_test_text()
{
    return {
        enter_user_mode_body(),
        Chunk { 0xa00, {
            0xb8, 0x5c, 0x00, 0x00, 0x00,                // mov eax, 0x5c
            0xe7, 0xf4,                                  // out 0xf4, eax
            0xf4,                                        // hlt
        } },
        Chunk { 0x800, page_fault_handler() },
    };
}

std::vector<uint8_t> count_in_r15_and_unmask_irq0()
{
    return {
        0x45, 0x31, 0xff,                                // xor r15d, r15d
        0xb0, 0x11,                                      // mov al, 0x11
        0xe6, 0x20,                                      // out 0x20, al
        0xe6, 0xa0,                                      // out 0xa0, al
        0xb0, 0x20,                                      // mov al, 0x20
        0xe6, 0x21,                                      // out 0x21, al
        0xb0, 0x28,                                      // mov al, 0x28
        0xe6, 0xa1,                                      // out 0xa1, al
        0xb0, 0x04,                                      // mov al, 0x4
        0xe6, 0x21,                                      // out 0x21, al
        0xb0, 0x02,                                      // mov al, 0x2
        0xe6, 0xa1,                                      // out 0xa1, al
        0xb0, 0x01,                                      // mov al, 0x1
        0xe6, 0x21,                                      // out 0x21, al
        0xe6, 0xa1,                                      // out 0xa1, al
        0xb0, 0xfe,                                      // mov al, -0x2
        0xe6, 0x21,                                      // out 0x21, al
        0xb0, 0xff,                                      // mov al, -0x1
        0xe6, 0xa1,                                      // out 0xa1, al
    };
}

std::vector<uint8_t> irq0_counter()
{
    return {
        0x49, 0xff, 0xc7,                                // inc r15
        0x50,                                            // push rax
        0xb0, 0x20,                                      // mov al, 0x20
        0xe6, 0x20,                                      // out 0x20, al
        0x58,                                            // pop rax
        0x48, 0xcf,                                      // iretq
    };
}

} // namespace code

std::vector<uint8_t> operator+(std::vector<uint8_t> bytes, const std::vector<uint8_t>& more)
{
    bytes.insert(bytes.end(), more.begin(), more.end());
    return bytes;
}

} // namespace lkmemu::test
