// .modinfo: "key=value\0" records (MODULE_LICENSE, MODULE_AUTHOR, ...), possibly separated by NUL
// padding. setup_load_info has checked that the section lies in the file and ends in a NUL, so
// every record found here is a terminated string inside the image.
#include <loader/loader.h>

namespace lkm {
namespace detail {

const char* next_modinfo_record(const load_info& info, const char* cursor)
{
    if (info.index.info == 0)
        return nullptr;
    const char* begin = reinterpret_cast<const char*>(info.section_data(info.index.info));
    const char* end = begin + info.sechdrs[info.index.info].sh_size;
    const char* p = cursor ? cursor : begin;
    while (p < end && *p == '\0')
        ++p;
    return p < end ? p : nullptr;
}

size_t modinfo_record_length(const load_info&, const char* record)
{
    size_t n = 0;
    while (record[n])
        ++n;
    return n;
}

} // namespace detail

const char* get_modinfo(const load_info& info, const char* tag, const char* previous)
{
    size_t tag_length = 0;
    while (tag[tag_length])
        ++tag_length;
    // `previous` is a value returned earlier: continue after its record.
    const char* cursor = nullptr;
    if (previous)
        cursor = previous + detail::modinfo_record_length(info, previous);
    for (const char* record = detail::next_modinfo_record(info, cursor); record;
         record = detail::next_modinfo_record(info, record + detail::modinfo_record_length(info, record))) {
        size_t i = 0;
        while (i < tag_length && record[i] == tag[i])
            ++i;
        if (i == tag_length && record[i] == '=')
            return record + i + 1;
    }
    return nullptr;
}

bool license_is_gpl_compatible(const char* license)
{
    static const char* const compatible[] = {
        "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
    };
    if (!license)
        return false;
    for (const char* candidate : compatible) {
        size_t i = 0;
        while (candidate[i] && license[i] == candidate[i])
            ++i;
        if (candidate[i] == '\0' && license[i] == '\0')
            return true;
    }
    return false;
}

} // namespace lkm
