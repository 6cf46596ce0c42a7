// Version checks: may this kernel load the module at all? The version magic (Linux's check_modinfo
// and same_magic) and modversions: each imported symbol's CRC against the one its exporter has
// (Linux's check_version, check_modstruct_version in kernel/module/version.c), and symbol
// namespaces (verify_namespace_is_imported). The kernel and `lkmemu check` both run these, so
// both give the same verdict; what a forced load taints is the kernel's business.
#include <loader/format.h>
#include <loader/loader.h>

#include <lkmemu/module_abi.h>

namespace lkm {
namespace {

using namespace elf;

bool same_string(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

const char* after_first_word(const char* s) // Linux's s + strcspn(s, " ")
{
    while (*s && *s != ' ')
        ++s;
    return s;
}

// A __versions name (LKM_MODULE_NAME_LEN bytes, NUL-terminated unless malformed) equals `name`.
bool version_name_is(const char (&entry)[LKM_MODULE_NAME_LEN], const char* name)
{
    for (size_t i = 0; i < LKM_MODULE_NAME_LEN; ++i) {
        if (entry[i] != name[i])
            return false;
        if (!name[i])
            return true;
    }
    return false; // not terminated inside the entry: no name is that long
}

} // namespace

ErrorOr<void> check_modinfo(const load_info& info)
{
    const char* vermagic = get_modinfo(info, "vermagic");
    if (!vermagic)
        return Error::from_errno(LKM_ENOEXEC, "no version magic, refusing to load");
    bool has_crcs = info.index.vers != 0;
    const char* theirs = has_crcs ? after_first_word(vermagic) : vermagic;
    const char* ours = has_crcs ? after_first_word(LKM_VERMAGIC) : LKM_VERMAGIC;
    if (!same_string(theirs, ours))
        return make_error(LKM_ENOEXEC, "version magic mismatch", "'%s' should be '%s'", vermagic, LKM_VERMAGIC);
    return {};
}

ErrorOr<VersionCheck> check_version(const load_info& info, const char* name, const ResolvedSymbol& exporter)
{
    if (!exporter.has_crc)
        return VersionCheck::ok; // the exporter has no CRCs: nothing to compare with
    if (info.index.vers == 0)
        return VersionCheck::no_versions;
    const Elf64_Shdr& versions = info.sechdrs[info.index.vers];
    if (versions.sh_type == SHT_NOBITS)
        return make_error(LKM_ENOEXEC, "__versions has no file data", "sh_type SHT_NOBITS");
    size_t count = versions.sh_size / sizeof(lkm_modversion_info);
    const uint8_t* data = info.section_data(info.index.vers);
    for (size_t i = 0; i < count; ++i) {
        lkm_modversion_info entry;
        __builtin_memcpy(&entry, data + i * sizeof entry, sizeof entry); // the image may be unaligned
        if (!version_name_is(entry.name, name))
            continue;
        if (entry.crc == exporter.crc)
            return VersionCheck::ok;
        return make_error(LKM_EINVAL, "disagrees about version of symbol", "%s", name).with_kind(ErrorKind::BadVersion);
    }
    return VersionCheck::no_entry;
}

ErrorOr<VersionCheck> check_modstruct_version(const load_info& info, const ResolvedSymbol& module_layout)
{
    auto checked = check_version(info, "module_layout", module_layout);
    if (checked.is_error()) {
        Error e = checked.release_error();
        e.code = LKM_ENOEXEC; // as Linux's load_module: the module format itself is not ours
        return e;
    }
    return checked.release_value();
}

ErrorOr<void> verify_namespace_is_imported(const load_info& info, const char* name, const ResolvedSymbol& exporter)
{
    if (!exporter.ns || !exporter.ns[0])
        return {};
    for (const char* imported = get_modinfo(info, "import_ns"); imported;
         imported = get_modinfo(info, "import_ns", imported)) {
        if (same_string(imported, exporter.ns))
            return {};
    }
    return make_error(LKM_EINVAL, "module uses a symbol from a namespace it does not import", "%s %s", name, exporter.ns)
        .with_kind(ErrorKind::MissingNamespace);
}

} // namespace lkm
