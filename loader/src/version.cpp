// Version checks: may this kernel load the module at all? Today the version magic; per-symbol CRCs
// (Linux's check_version, __versions) will join it here. Like Linux's check_modinfo, it runs after
// setup_load_info (it needs .modinfo) and before anything is allocated for the module.
#include <loader/format.h>
#include <loader/loader.h>

#include <lkmemu/module_abi.h>

namespace lkm {
namespace {

bool same_string(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

} // namespace

ErrorOr<void> check_modinfo(const load_info& info)
{
    const char* vermagic = get_modinfo(info, "vermagic");
    if (!vermagic)
        return Error::from_errno(LKM_ENOEXEC, "no version magic, refusing to load");
    if (!same_string(vermagic, LKM_VERMAGIC))
        return make_error(LKM_ENOEXEC, "version magic mismatch", "'%s' should be '%s'", vermagic, LKM_VERMAGIC);
    return {};
}

} // namespace lkm
