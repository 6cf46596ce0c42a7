// Stage 1: is this an x86-64 relocatable ELF we can link safely? The image is untrusted: every
// offset, size and index is checked before anything is read through it, so later stages can use
// load_info's pointers freely. Errors are ENOEXEC, as Linux's elf_validity_check returns.
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {
namespace {

using namespace elf;

bool inside(uint64_t offset, uint64_t size, uint64_t length)
{
    return offset <= length && size <= length - offset;
}

bool is_power_of_two_or_zero(uint64_t v) { return (v & (v - 1)) == 0; }

bool names_equal(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

Error noexec(const char* reason, const char* format, ...) __attribute__((format(printf, 2, 3)));
Error noexec(const char* reason, const char* format, ...)
{
    Error e = Error::from_errno(LKM_ENOEXEC, reason);
    va_list args;
    va_start(args, format);
    vformat(e.context, sizeof e.context, format, args);
    va_end(args);
    return e;
}

ErrorOr<void> check_header(load_info& info)
{
    if (reinterpret_cast<uintptr_t>(info.image) % alignof(Elf64_Shdr) != 0)
        return Error::from_errno(LKM_EINVAL, "module image buffer is not 8-byte aligned");
    if (info.len < sizeof(Elf64_Ehdr))
        return noexec("truncated ELF header", "%zu bytes, the ELF header needs 64", info.len);
    const Elf64_Ehdr* hdr = reinterpret_cast<const Elf64_Ehdr*>(info.image);
    const uint8_t* id = hdr->e_ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return noexec("not an ELF file", "bad magic %02x %02x %02x %02x", id[0], id[1], id[2], id[3]);
    if (id[EI_CLASS] != ELFCLASS64)
        return noexec("not a 64-bit ELF", "EI_CLASS %u", id[EI_CLASS]);
    if (id[EI_DATA] != ELFDATA2LSB)
        return noexec("not a little-endian ELF", "EI_DATA %u", id[EI_DATA]);
    if (id[EI_VERSION] != EV_CURRENT || hdr->e_version != EV_CURRENT)
        return noexec("unknown ELF version", "EI_VERSION %u, e_version %u", id[EI_VERSION], hdr->e_version);
    if (hdr->e_machine != EM_X86_64)
        return noexec("not an x86-64 object", "e_machine %u", hdr->e_machine);
    if (hdr->e_type != ET_REL)
        return noexec("not a relocatable object (ET_REL)", "e_type %u", hdr->e_type);
    if (hdr->e_ehsize != sizeof(Elf64_Ehdr))
        return noexec("bad ELF header size", "e_ehsize %u", hdr->e_ehsize);
    if (hdr->e_shentsize != sizeof(Elf64_Shdr))
        return noexec("bad section header size", "e_shentsize %u", hdr->e_shentsize);
    if (hdr->e_shnum == 0)
        return noexec("no section headers (or extended numbering, unsupported)", "e_shnum 0, e_shoff 0x%llx",
            static_cast<unsigned long long>(hdr->e_shoff));
    if (hdr->e_shnum >= SHN_LORESERVE)
        return noexec("too many sections", "e_shnum %u", hdr->e_shnum);
    if (hdr->e_shoff % alignof(Elf64_Shdr) != 0)
        return noexec("misaligned section header table", "e_shoff 0x%llx", static_cast<unsigned long long>(hdr->e_shoff));
    if (hdr->e_shoff < sizeof(Elf64_Ehdr) || !inside(hdr->e_shoff, uint64_t(hdr->e_shnum) * sizeof(Elf64_Shdr), info.len))
        return noexec("section header table outside the file", "e_shoff 0x%llx, %u headers, file %zu bytes",
            static_cast<unsigned long long>(hdr->e_shoff), hdr->e_shnum, info.len);
    if (hdr->e_shstrndx == SHN_UNDEF || hdr->e_shstrndx >= hdr->e_shnum)
        return noexec("section name table index out of range", "e_shstrndx %u of %u sections", hdr->e_shstrndx, hdr->e_shnum);
    info.hdr = hdr;
    info.sechdrs = reinterpret_cast<const Elf64_Shdr*>(info.image + hdr->e_shoff);
    info.shnum = hdr->e_shnum;
    return {};
}

// A string table: inside the file and NUL-terminated, so any offset below its size names a string.
ErrorOr<void> check_string_table(const load_info& info, unsigned index, const char* what)
{
    const Elf64_Shdr& s = info.sechdrs[index];
    if (s.sh_type != SHT_STRTAB)
        return noexec("string table has the wrong type", "%s: section %u has sh_type %u", what, index, s.sh_type);
    if (s.sh_size == 0 || info.image[s.sh_offset + s.sh_size - 1] != '\0')
        return noexec("string table not NUL-terminated", "%s: section %u", what, index);
    return {};
}

ErrorOr<void> check_sections(load_info& info)
{
    // Pass 1: every section's bytes lie inside the file (needed before reading any table).
    for (unsigned i = 0; i < info.shnum; ++i) {
        const Elf64_Shdr& s = info.sechdrs[i];
        if (i == 0) {
            if (s.sh_type != SHT_NULL)
                return noexec("section 0 is not SHT_NULL", "sh_type %u", s.sh_type);
            continue;
        }
        if (s.sh_type != SHT_NOBITS && !inside(s.sh_offset, s.sh_size, info.len))
            return noexec("section outside the file", "section %u: offset 0x%llx size 0x%llx, file %zu bytes", i,
                static_cast<unsigned long long>(s.sh_offset), static_cast<unsigned long long>(s.sh_size), info.len);
    }
    unsigned shstrndx = info.hdr->e_shstrndx;
    TRY(check_string_table(info, shstrndx, "section names"));
    info.secstrings = reinterpret_cast<const char*>(info.section_data(shstrndx));
    info.secstrings_size = info.sechdrs[shstrndx].sh_size;

    // Pass 2: each section on its own (names of all, section 0 included: messages print them).
    for (unsigned i = 0; i < info.shnum; ++i) {
        const Elf64_Shdr& s = info.sechdrs[i];
        if (s.sh_name >= info.secstrings_size)
            return noexec("section name offset out of range", "section %u: sh_name %u, table %zu bytes", i, s.sh_name,
                info.secstrings_size);
        if (i == 0)
            continue;
        const char* name = info.section_name(i);
        if (!is_power_of_two_or_zero(s.sh_addralign))
            return noexec("section alignment not a power of two", "%s: sh_addralign %llu", name,
                static_cast<unsigned long long>(s.sh_addralign));
        if ((s.sh_flags & SHF_ALLOC) && s.sh_addralign > loader_page_size)
            return noexec("section alignment above the page size", "%s: sh_addralign %llu", name,
                static_cast<unsigned long long>(s.sh_addralign));
        if (s.sh_link >= info.shnum)
            return noexec("sh_link out of range", "%s: sh_link %u of %u sections", name, s.sh_link, info.shnum);
        if ((s.sh_flags & SHF_WRITE) && (s.sh_flags & SHF_EXECINSTR) && (s.sh_flags & SHF_ALLOC))
            return noexec("section is both writable and executable (W^X)", "%s (section %u)", name, i);
        if (s.sh_flags & SHF_TLS)
            return noexec("thread-local storage is unsupported in modules", "%s", name);
        if (s.sh_flags & SHF_COMPRESSED)
            return noexec("compressed sections are unsupported", "%s", name);
        // The export names (EXPORT_SYMBOL's strings): a run of whole NUL-terminated strings.
        if (names_equal(name, "__ksymtab_strings")
            && (s.sh_type != SHT_PROGBITS || s.sh_size == 0 || info.image[s.sh_offset + s.sh_size - 1] != '\0'))
            return noexec("__ksymtab_strings is not a table of NUL-terminated strings",
                "section %u: sh_type %u, %llu bytes, last byte 0x%02x", i, s.sh_type,
                static_cast<unsigned long long>(s.sh_size),
                s.sh_type == SHT_NOBITS || s.sh_size == 0 ? 0u : info.image[s.sh_offset + s.sh_size - 1]);
        switch (s.sh_type) {
        case SHT_PROGBITS:
        case SHT_NOBITS:
        case SHT_NOTE:
        case SHT_X86_64_UNWIND:
            break;
        case SHT_STRTAB: // every one, used or not: a string table that does not end is malformed
            TRY(check_string_table(info, i, name));
            break;
        case SHT_SYMTAB:
            if (info.symindex != 0)
                return noexec("more than one symbol table", "%s (section %u) and section %u", name, i, info.symindex);
            info.symindex = i;
            break;
        case SHT_RELA:
            if (s.sh_info == 0 || s.sh_info >= info.shnum)
                return noexec("relocation section's target out of range", "%s: sh_info %u of %u sections", name,
                    s.sh_info, info.shnum);
            break;
        case SHT_REL:
            return noexec("SHT_REL relocations are unsupported on x86-64 (RELA only)", "%s", name);
        case SHT_SYMTAB_SHNDX:
            return noexec("extended section indices (SHT_SYMTAB_SHNDX) are unsupported", "%s", name);
        case SHT_INIT_ARRAY: // C++ static constructors: find_module_sections reports them
            break;
        case SHT_FINI_ARRAY:
        case SHT_PREINIT_ARRAY:
            if (s.sh_flags & SHF_ALLOC)
                return noexec("static destructors (fini/preinit arrays) are unsupported in modules", "%s", name);
            break;
        case SHT_DYNAMIC:
        case SHT_DYNSYM:
        case SHT_HASH:
            return noexec("dynamic-linking sections are unsupported in a relocatable module", "%s", name);
        default:
            // Sections the loader never reads (e.g. SHT_GROUP, SHT_LLVM_ADDRSIG) are fine as long as
            // they need no memory; an unknown allocated section would be half-handled, so refuse it.
            if (s.sh_flags & SHF_ALLOC)
                return noexec("unsupported allocated section type", "%s: sh_type 0x%x", name, s.sh_type);
            break;
        }
    }
    return {};
}

// Sections with file data must not overlap each other, the ELF header, or the section table:
// such a file is malformed (or crafted), and linking it would give two meanings to one byte.
ErrorOr<void> check_overlaps(load_info& info)
{
    auto order = TRY(Array<unsigned>::create(info.allocator, info.shnum));
    size_t n = 0;
    for (unsigned i = 1; i < info.shnum; ++i)
        if (info.sechdrs[i].sh_type != SHT_NOBITS && info.sechdrs[i].sh_size != 0)
            order[n++] = i;
    auto start = [&](unsigned i) { return info.sechdrs[i].sh_offset; };
    // Heapsort by file offset: n log n with no allocation, fine for 65,000 sections.
    auto sift_down = [&](size_t root, size_t end) {
        while (2 * root + 1 < end) {
            size_t child = 2 * root + 1;
            if (child + 1 < end && start(order[child + 1]) > start(order[child]))
                ++child;
            if (start(order[root]) >= start(order[child]))
                return;
            unsigned t = order[root];
            order[root] = order[child];
            order[child] = t;
            root = child;
        }
    };
    for (size_t i = n / 2; i-- > 0;)
        sift_down(i, n);
    for (size_t end = n; end > 1; --end) {
        unsigned t = order[0];
        order[0] = order[end - 1];
        order[end - 1] = t;
        sift_down(0, end - 1);
    }
    uint64_t table_start = info.hdr->e_shoff, table_end = table_start + uint64_t(info.shnum) * sizeof(Elf64_Shdr);
    for (size_t k = 0; k < n; ++k) {
        const Elf64_Shdr& s = info.sechdrs[order[k]];
        uint64_t end = s.sh_offset + s.sh_size;
        if (s.sh_offset < sizeof(Elf64_Ehdr))
            return noexec("section overlaps the ELF header", "%s", info.section_name(order[k]));
        if (s.sh_offset < table_end && end > table_start)
            return noexec("section overlaps the section header table", "%s", info.section_name(order[k]));
        if (k + 1 < n && end > info.sechdrs[order[k + 1]].sh_offset)
            return noexec("sections overlap in the file", "%s and %s", info.section_name(order[k]),
                info.section_name(order[k + 1]));
    }
    return {};
}

ErrorOr<void> check_symbols(load_info& info)
{
    if (info.symindex == 0)
        return noexec("module has no symbols (stripped?)", "no SHT_SYMTAB section");
    const Elf64_Shdr& symsec = info.sechdrs[info.symindex];
    const char* name = info.section_name(info.symindex);
    if (symsec.sh_entsize != sizeof(Elf64_Sym) || symsec.sh_size % sizeof(Elf64_Sym) != 0)
        return noexec("bad symbol table entry size", "%s: sh_entsize %llu, sh_size %llu", name,
            static_cast<unsigned long long>(symsec.sh_entsize), static_cast<unsigned long long>(symsec.sh_size));
    if (symsec.sh_offset % alignof(Elf64_Sym) != 0)
        return noexec("misaligned symbol table", "%s: offset 0x%llx", name, static_cast<unsigned long long>(symsec.sh_offset));
    if (symsec.sh_size == 0 || symsec.sh_size / sizeof(Elf64_Sym) > 0xffffffffu)
        return noexec("bad symbol table size", "%s: %llu bytes", name, static_cast<unsigned long long>(symsec.sh_size));
    info.strindex = symsec.sh_link;
    if (info.strindex == 0)
        return noexec("symbol table has no string table", "%s: sh_link 0", name);
    TRY(check_string_table(info, info.strindex, "symbol names"));
    info.symtab = reinterpret_cast<const Elf64_Sym*>(info.section_data(info.symindex));
    info.num_syms = static_cast<unsigned>(symsec.sh_size / sizeof(Elf64_Sym));
    info.strtab = reinterpret_cast<const char*>(info.section_data(info.strindex));
    info.strtab_size = info.sechdrs[info.strindex].sh_size;
    if (symsec.sh_info > info.num_syms)
        return noexec("symbol table's first global index out of range", "%s: sh_info %u of %u symbols", name,
            symsec.sh_info, info.num_syms);

    for (unsigned i = 0; i < info.num_syms; ++i) {
        const Elf64_Sym& sym = info.symtab[i];
        // Symbol 0 too: relocations may name it, and messages print its name.
        if (sym.st_name >= info.strtab_size)
            return noexec("symbol name offset out of range", "symbol %u: st_name %u, table %zu bytes", i, sym.st_name,
                info.strtab_size);
        if (i == 0)
            continue;
        const char* sym_name = info.symbol_name(i);
        uint8_t type = elf64_st_type(sym.st_info);
        if (sym.st_shndx == SHN_COMMON || type == STT_COMMON)
            return noexec("common symbol: compile with -fno-common", "'%s'", sym_name);
        if (sym.st_shndx == SHN_XINDEX)
            return noexec("extended section index (SHN_XINDEX) is unsupported", "symbol '%s'", sym_name);
        if (type == STT_TLS)
            return noexec("thread-local symbols are unsupported in modules", "'%s'", sym_name);
        if (type == STT_GNU_IFUNC)
            return noexec("indirect functions (STT_GNU_IFUNC) are unsupported", "'%s'", sym_name);
        if (elf64_st_bind(sym.st_info) == STB_GNU_UNIQUE)
            return noexec("unique symbols (STB_GNU_UNIQUE) are unsupported", "'%s'", sym_name);
        if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS)
            continue;
        if (sym.st_shndx >= info.shnum)
            return noexec("symbol's section index out of range", "'%s' (symbol %u): st_shndx %u of %u sections",
                sym_name, i, sym.st_shndx, info.shnum);
        const Elf64_Shdr& target = info.sechdrs[sym.st_shndx];
        if ((target.sh_flags & SHF_ALLOC) && sym.st_value > target.sh_size)
            return noexec("symbol lies past the end of its section", "'%s': value 0x%llx, %s is 0x%llx bytes",
                sym_name, static_cast<unsigned long long>(sym.st_value), info.section_name(sym.st_shndx),
                static_cast<unsigned long long>(target.sh_size));
    }
    return {};
}

ErrorOr<void> check_relocations(load_info& info)
{
    auto relocated_by = TRY(Array<unsigned>::create(info.allocator, info.shnum)); // target -> its RELA section
    for (unsigned r = 1; r < info.shnum; ++r) {
        const Elf64_Shdr& relsec = info.sechdrs[r];
        if (relsec.sh_type != SHT_RELA)
            continue;
        const char* name = info.section_name(r);
        if (relsec.sh_link != info.symindex)
            return noexec("relocation section does not use the symbol table", "%s: sh_link %u, symbol table is %u", name,
                relsec.sh_link, info.symindex);
        if (relsec.sh_entsize != sizeof(Elf64_Rela) || relsec.sh_size % sizeof(Elf64_Rela) != 0)
            return noexec("bad relocation entry size", "%s: sh_entsize %llu, sh_size %llu", name,
                static_cast<unsigned long long>(relsec.sh_entsize), static_cast<unsigned long long>(relsec.sh_size));
        if (relsec.sh_offset % alignof(Elf64_Rela) != 0)
            return noexec("misaligned relocation section", "%s: offset 0x%llx", name,
                static_cast<unsigned long long>(relsec.sh_offset));
        const Elf64_Shdr& target = info.sechdrs[relsec.sh_info];
        const char* target_name = info.section_name(relsec.sh_info);
        // Stricter than Linux, which skips any relocation section whose target is not SHF_ALLOC:
        // one that names itself, the symbol table, a string table or another relocation section
        // is a corrupted sh_info (the section it was for would run unrelocated), never debug info.
        if (relsec.sh_info == r)
            return noexec("relocation section applies to itself", "%s (section %u): sh_info %u", name, r, relsec.sh_info);
        if (target.sh_type == SHT_SYMTAB || target.sh_type == SHT_STRTAB || target.sh_type == SHT_RELA
            || target.sh_type == SHT_GROUP)
            return noexec("relocation section applies to a section with nothing to relocate",
                "%s: sh_info %u is %s (sh_type %u)", name, relsec.sh_info, target_name, target.sh_type);
        if (relocated_by[relsec.sh_info])
            return noexec("two relocation sections apply to one section", "%s and %s both apply to %s",
                info.section_name(relocated_by[relsec.sh_info]), name, target_name);
        relocated_by[relsec.sh_info] = r;
        // Relocations of sections that are not loaded (debug info) are not applied (as Linux).
        if (!(target.sh_flags & SHF_ALLOC))
            continue;
        if (target.sh_type == SHT_NOBITS)
            return noexec("relocations against a section without file data", "%s applies to %s", name, target_name);
        const Elf64_Rela* rela = reinterpret_cast<const Elf64_Rela*>(info.section_data(r));
        size_t count = relsec.sh_size / sizeof(Elf64_Rela);
        for (size_t i = 0; i < count; ++i) {
            uint32_t sym = elf64_r_sym(rela[i].r_info), type = elf64_r_type(rela[i].r_info);
            if (sym >= info.num_syms)
                return noexec("relocation's symbol index out of range", "%s entry %zu: symbol %u of %u", name, i, sym,
                    info.num_syms);
            // The relocation table decides: applied (then its field must lie in the section), or
            // refused with the reason its expression kind gives.
            const RelocationType* howto = x86_64_relocation(type);
            if (!howto)
                return noexec("unknown relocation type", "type %u at %s+0x%llx", type, target_name,
                    static_cast<unsigned long long>(rela[i].r_offset));
            if (howto->expr == RelExpr::got)
                return noexec("GOT relocations are unsupported: build modules with -fno-pic -mcmodel=kernel",
                    "%s at %s+0x%llx against '%s'", howto->name, target_name,
                    static_cast<unsigned long long>(rela[i].r_offset), info.symbol_name(sym));
            if (howto->expr == RelExpr::unsupported)
                return noexec("unsupported relocation type", "%s at %s+0x%llx against '%s'", howto->name, target_name,
                    static_cast<unsigned long long>(rela[i].r_offset), info.symbol_name(sym));
            if (!inside(rela[i].r_offset, howto->width, target.sh_size))
                return noexec("relocation past the end of its section", "%s at %s+0x%llx (section is 0x%llx bytes)",
                    howto->name, target_name, static_cast<unsigned long long>(rela[i].r_offset),
                    static_cast<unsigned long long>(target.sh_size));
        }
    }
    return {};
}

} // namespace

ErrorOr<void> elf_validity_check(load_info& info)
{
    TRY(check_header(info));
    TRY(check_sections(info));
    TRY(check_overlaps(info));
    TRY(check_symbols(info));
    TRY(check_relocations(info));
    info.validated = true;
    return {};
}

} // namespace lkm
