// The ELF64 structures and constants the loader reads, defined here so the loader needs no libc
// header (<elf.h> is not available freestanding). Names and values are those of the System V ABI
// and its x86-64 supplement, as in glibc's <elf.h>.
#pragma once

#include <stdint.h>

namespace lkm::elf {

// e_ident
inline constexpr unsigned EI_MAG0 = 0, EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_NIDENT = 16;
inline constexpr uint8_t ELFCLASS64 = 2;
inline constexpr uint8_t ELFDATA2LSB = 1;
inline constexpr uint8_t EV_CURRENT = 1;

// e_type, e_machine
inline constexpr uint16_t ET_REL = 1;
inline constexpr uint16_t EM_X86_64 = 62;

// Special section indices
inline constexpr uint16_t SHN_UNDEF = 0;
inline constexpr uint16_t SHN_LORESERVE = 0xff00;
inline constexpr uint16_t SHN_ABS = 0xfff1;
inline constexpr uint16_t SHN_COMMON = 0xfff2;
inline constexpr uint16_t SHN_XINDEX = 0xffff;

// sh_type
inline constexpr uint32_t SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3,
                          SHT_RELA = 4, SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_NOTE = 7,
                          SHT_NOBITS = 8, SHT_REL = 9, SHT_DYNSYM = 11, SHT_INIT_ARRAY = 14,
                          SHT_FINI_ARRAY = 15, SHT_PREINIT_ARRAY = 16, SHT_GROUP = 17,
                          SHT_SYMTAB_SHNDX = 18;
inline constexpr uint32_t SHT_X86_64_UNWIND = 0x70000001; // .eh_frame as clang emits it
inline constexpr uint32_t SHT_LLVM_ADDRSIG = 0x6fff4c03;

// sh_flags
inline constexpr uint64_t SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4,
                          SHF_MERGE = 0x10, SHF_STRINGS = 0x20, SHF_INFO_LINK = 0x40,
                          SHF_GROUP = 0x200, SHF_TLS = 0x400, SHF_COMPRESSED = 0x800;

// Symbols
inline constexpr uint8_t STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10;
inline constexpr uint8_t STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3,
                         STT_FILE = 4, STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10;

struct Elf64_Ehdr {
    uint8_t e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct Elf64_Shdr {
    uint32_t sh_name;
    uint32_t sh_type;
    uint64_t sh_flags;
    uint64_t sh_addr;
    uint64_t sh_offset;
    uint64_t sh_size;
    uint32_t sh_link;
    uint32_t sh_info;
    uint64_t sh_addralign;
    uint64_t sh_entsize;
};

struct Elf64_Sym {
    uint32_t st_name;
    uint8_t st_info;
    uint8_t st_other;
    uint16_t st_shndx;
    uint64_t st_value;
    uint64_t st_size;
};

struct Elf64_Rela {
    uint64_t r_offset;
    uint64_t r_info;
    int64_t r_addend;
};

inline constexpr uint8_t elf64_st_bind(uint8_t info) { return info >> 4; }
inline constexpr uint8_t elf64_st_type(uint8_t info) { return info & 0xf; }
inline constexpr uint32_t elf64_r_sym(uint64_t info) { return static_cast<uint32_t>(info >> 32); }
inline constexpr uint32_t elf64_r_type(uint64_t info) { return static_cast<uint32_t>(info); }
inline constexpr uint64_t elf64_r_info(uint32_t sym, uint32_t type)
{
    return (static_cast<uint64_t>(sym) << 32) | type;
}

static_assert(sizeof(Elf64_Ehdr) == 64 && sizeof(Elf64_Shdr) == 64);
static_assert(sizeof(Elf64_Sym) == 24 && sizeof(Elf64_Rela) == 24);

// x86-64 relocation types (psABI table 4.9). The loader applies some and refuses the rest by name.
#define LKM_X86_64_RELOCATIONS(X)                                                                  \
    X(R_X86_64_NONE, 0)                                                                            \
    X(R_X86_64_64, 1)                                                                              \
    X(R_X86_64_PC32, 2)                                                                            \
    X(R_X86_64_GOT32, 3)                                                                           \
    X(R_X86_64_PLT32, 4)                                                                           \
    X(R_X86_64_COPY, 5)                                                                            \
    X(R_X86_64_GLOB_DAT, 6)                                                                        \
    X(R_X86_64_JUMP_SLOT, 7)                                                                       \
    X(R_X86_64_RELATIVE, 8)                                                                        \
    X(R_X86_64_GOTPCREL, 9)                                                                        \
    X(R_X86_64_32, 10)                                                                             \
    X(R_X86_64_32S, 11)                                                                            \
    X(R_X86_64_16, 12)                                                                             \
    X(R_X86_64_PC16, 13)                                                                           \
    X(R_X86_64_8, 14)                                                                              \
    X(R_X86_64_PC8, 15)                                                                            \
    X(R_X86_64_DTPMOD64, 16)                                                                       \
    X(R_X86_64_DTPOFF64, 17)                                                                       \
    X(R_X86_64_TPOFF64, 18)                                                                        \
    X(R_X86_64_TLSGD, 19)                                                                          \
    X(R_X86_64_TLSLD, 20)                                                                          \
    X(R_X86_64_DTPOFF32, 21)                                                                       \
    X(R_X86_64_GOTTPOFF, 22)                                                                       \
    X(R_X86_64_TPOFF32, 23)                                                                        \
    X(R_X86_64_PC64, 24)                                                                           \
    X(R_X86_64_GOTOFF64, 25)                                                                       \
    X(R_X86_64_GOTPC32, 26)                                                                        \
    X(R_X86_64_GOT64, 27)                                                                          \
    X(R_X86_64_GOTPCREL64, 28)                                                                     \
    X(R_X86_64_GOTPC64, 29)                                                                        \
    X(R_X86_64_GOTPLT64, 30)                                                                       \
    X(R_X86_64_PLTOFF64, 31)                                                                       \
    X(R_X86_64_SIZE32, 32)                                                                         \
    X(R_X86_64_SIZE64, 33)                                                                         \
    X(R_X86_64_GOTPC32_TLSDESC, 34)                                                                \
    X(R_X86_64_TLSDESC_CALL, 35)                                                                   \
    X(R_X86_64_TLSDESC, 36)                                                                        \
    X(R_X86_64_IRELATIVE, 37)                                                                      \
    X(R_X86_64_RELATIVE64, 38)                                                                     \
    X(R_X86_64_GOTPCRELX, 41)                                                                      \
    X(R_X86_64_REX_GOTPCRELX, 42)

#define LKM_X86_64_RELOCATION_ENUM(name, value) name = value,
enum : uint32_t { LKM_X86_64_RELOCATIONS(LKM_X86_64_RELOCATION_ENUM) };
#undef LKM_X86_64_RELOCATION_ENUM

} // namespace lkm::elf
