// struct load_info: everything the loader learns about one module, threaded through every stage
// of the pipeline (see loader.h), as Linux's kernel/module/internal.h does. Each stage fills in
// its part; later stages read only what earlier ones validated.
#pragma once

#include <lkmemu/module_abi.h>
#include <loader/allocator.h>
#include <loader/elf.h>

namespace lkm {

inline constexpr uint64_t loader_page_size = 4096;

// The permission classes of a region, in layout order; each starts on a page boundary so the
// kernel can give it its own page permissions (Linux's module_enable_* functions).
enum class SectionClass : uint8_t {
    text,          // SHF_ALLOC|SHF_EXECINSTR: r-x
    rodata,        // SHF_ALLOC, not writable: r--
    ro_after_init, // .data..ro_after_init: rw- during init, r-- after
    data,          // SHF_ALLOC|SHF_WRITE, including .bss: rw-
};
inline constexpr unsigned section_class_count = 4;
const char* section_class_name(SectionClass);

struct RegionLayout {
    uint64_t class_offset[section_class_count] = {}; // page-aligned start of each class
    uint64_t class_size[section_class_count] = {};   // bytes the class's sections span
    uint64_t size = 0;                               // the whole region, a multiple of a page
};

// Where one section goes: region none means "not loaded" (not SHF_ALLOC, or .modinfo).
struct SectionPlacement {
    Region region = Region::none;
    SectionClass section_class = SectionClass::text;
    uint64_t offset = 0; // within the region
};

// init or exit of the module, as found in .gnu.linkonce.this_module's relocations.
struct EntryPoint {
    bool present = false;
    unsigned section = 0; // section index of the function (0 if it is an undefined symbol)
    uint64_t offset = 0;  // symbol value + addend, within that section
    uint64_t address = 0; // after relocation
};

struct ExportedSymbol {
    const char* name = nullptr; // in the module's memory, NUL-terminated
    uint64_t value = 0;
    bool gpl_only = false;
    bool has_crc = false;        // the module has __kcrctab(_gpl) for its exports
    uint32_t crc = 0;            // its entry there (docs/versions.md)
    const char* ns = nullptr;    // EXPORT_SYMBOL_NS's namespace, in the module's memory, or nullptr
};

// Does a MODULE_LICENSE string allow GPL-only symbols? (Linux's license_is_gpl_compatible.)
bool license_is_gpl_compatible(const char* license);

struct load_info {
    load_info(const void* image, size_t length, Allocator& allocator)
        : image(static_cast<const uint8_t*>(image)), len(length), allocator(allocator)
    {
    }
    load_info(const load_info&) = delete;
    load_info& operator=(const load_info&) = delete;
    ~load_info(); // frees module memory unless release_module_memory() was called

    // The input: untrusted bytes, never written.
    const uint8_t* image;
    size_t len;
    Allocator& allocator;
    // finit_module(2)'s LKM_MODULE_INIT_* flags (0 for init_module): what the version checks
    // (vermagic, symbol CRCs) are told to ignore.
    unsigned flags = 0;

    // elf_validity_check
    bool validated = false;
    const elf::Elf64_Ehdr* hdr = nullptr;
    const elf::Elf64_Shdr* sechdrs = nullptr;
    unsigned shnum = 0;
    const char* secstrings = nullptr;
    size_t secstrings_size = 0;
    unsigned symindex = 0, strindex = 0;
    const elf::Elf64_Sym* symtab = nullptr;
    unsigned num_syms = 0;
    const char* strtab = nullptr;
    size_t strtab_size = 0;

    // setup_load_info
    struct {
        unsigned mod = 0;  // .gnu.linkonce.this_module
        unsigned info = 0; // .modinfo
        unsigned ksymtab = 0, ksymtab_gpl = 0, param = 0;
        unsigned ctors = 0; // .init_array: C++ static constructors
        // __versions (0 if absent, or ignored: MODULE_INIT_IGNORE_MODVERSIONS), and the CRCs of
        // the module's own exports
        unsigned vers = 0, kcrctab = 0, kcrctab_gpl = 0;
        unsigned kunit_suites = 0; // .kunit_test_suites: KUnit's suites (abi/lkmemu/kunit.h)
    } index;
    char name[LKM_MODULE_NAME_LEN] = {};
    const char* license = nullptr; // in the image's .modinfo, or nullptr
    bool gpl_compatible = false;
    EntryPoint init, exit;

    // layout_sections
    Array<SectionPlacement> placement;
    RegionLayout core_layout, init_layout;

    // move_module
    ModuleMemoryProvider* memory_provider = nullptr;
    ModuleMemory core, init_region;

    // simplify_symbols
    Array<uint64_t> symbol_value;
    // The first import with a CRC that __versions does not list (Linux warns once: "no symbol
    // version for NAME"), or nullptr.
    const char* first_unversioned = nullptr;

    // apply_relocations
    size_t relocations_applied = 0;

    // find_module_sections
    size_t num_exports = 0, num_gpl_exports = 0, num_params = 0;
    // Constructors to call, in order, after relocation and before init (Linux's do_mod_ctors):
    // num_ctors 8-byte function addresses starting at ctors_address (in the init region).
    uint64_t ctors_address = 0;
    size_t num_ctors = 0;
    // KUnit's suites: num_kunit_suites pointers to struct kunit_suite at kunit_suites_address.
    uint64_t kunit_suites_address = 0;
    size_t num_kunit_suites = 0;

    // Accessors, valid once the stage that fills them has succeeded.
    const char* section_name(unsigned section) const { return secstrings + sechdrs[section].sh_name; }
    const uint8_t* section_data(unsigned section) const { return image + sechdrs[section].sh_offset; }
    const char* symbol_name(unsigned symbol) const { return strtab + symtab[symbol].st_name; }
    // A loaded section's run address and its bytes in module memory (0 / nullptr if not loaded).
    uint64_t section_address(unsigned section) const;
    uint8_t* section_memory(unsigned section) const;
    // Translate a run address inside the module back to module memory, if [address, +size) lies
    // wholly inside one region; nullptr otherwise.
    uint8_t* memory_at(uint64_t address, uint64_t size) const;

    // Hand the module's memory to the caller (the kernel keeps it while the module lives).
    void release_module_memory();
};

} // namespace lkm
