// The ELF64 structures and constants the loader reads, defined here so the loader needs no libc
// header (<elf.h> is not available freestanding). Names and values are those of the System V ABI
// and its x86-64 supplement, as in glibc's <elf.h>.
#pragma once

#include <loader/relocation.h> // elf::R_X86_64_*, and what the loader does with each
#include <stdint.h>

namespace lkm::elf {

// e_ident
inline constexpr unsigned EI_MAG0 = 0, EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_NIDENT = 16;
inline constexpr uint8_t ELFCLASS64 = 2;
inline constexpr uint8_t ELFDATA2LSB = 1;
inline constexpr uint8_t EV_CURRENT = 1;

// e_type, e_machine
inline constexpr uint16_t ET_REL = 1, ET_EXEC = 2;
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

// Program headers: the loader ignores them (a module has none); the host reads the kernel's.
inline constexpr uint32_t PT_NULL = 0, PT_LOAD = 1;
inline constexpr uint32_t PF_X = 0x1, PF_W = 0x2, PF_R = 0x4;

struct Elf64_Phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
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
static_assert(sizeof(Elf64_Sym) == 24 && sizeof(Elf64_Rela) == 24 && sizeof(Elf64_Phdr) == 56);

} // namespace lkm::elf
